// Check-in position for the forms that start an on-site inspection (start page, follow-up):
// fills the hidden latitude/longitude/location_accuracy_m inputs of every form[data-checkin] from
// the browser's position (WGS-84). Without a position the server asks for a reason instead.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-checkin]");
  if (!forms.length) return;
  function say(form, key) {
    var box = form.querySelector("[data-checkin-status]");
    if (box) box.textContent = box.getAttribute("data-" + key) || "";
  }
  function fill(position) {
    forms.forEach(function (form) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      form.elements.location_accuracy_m.value = Math.round(position.coords.accuracy || 0);
      say(form, "ok");
    });
  }
  function fail() {
    forms.forEach(function (form) { say(form, "failed"); });
  }
  if (!navigator.geolocation) { fail(); return; }
  forms.forEach(function (form) { say(form, "asking"); });
  navigator.geolocation.getCurrentPosition(fill, fail, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
})();
