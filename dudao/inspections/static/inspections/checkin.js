// Check-in position for the forms that start an on-site inspection (start page, follow-up):
// fills the hidden latitude/longitude/location_accuracy_m inputs of every form[data-checkin] from
// the browser's position (WGS-84). A submit made while the position is still being asked for waits
// for it (at most a few seconds). Without a position the server asks for a reason instead.
//
// A page script that posts the form itself (start.js: the offline start) marks the form
// data-checkin-wait="script" and waits on window.DudaoCheckin.settled() before it reads the position:
// this script then leaves that form's submit alone (one submit handler, no double post).
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-checkin]");
  if (!forms.length) return;
  var pending = false;
  var waiting = [];
  var done;
  var settledPromise = new Promise(function (resolve) { done = resolve; });
  window.DudaoCheckin = { settled: function () { return settledPromise; } };
  function say(form, key) {
    var box = form.querySelector("[data-checkin-status]");
    if (box) box.textContent = box.getAttribute("data-" + key) || "";
  }
  function settle() {
    pending = false;
    done();
    var queued = waiting;
    waiting = [];
    queued.forEach(function (form) { form.submit(); });
  }
  function fill(position) {
    forms.forEach(function (form) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      form.elements.location_accuracy_m.value = Math.round(position.coords.accuracy || 0);
      say(form, "ok");
    });
    settle();
  }
  function fail() {
    forms.forEach(function (form) { say(form, "failed"); });
    settle();
  }
  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!pending || form.dataset.checkinWait === "script") return;
      event.preventDefault();
      if (waiting.indexOf(form) < 0) waiting.push(form);
    });
  });
  if (!navigator.geolocation) { fail(); return; }
  pending = true;
  forms.forEach(function (form) { say(form, "asking"); });
  navigator.geolocation.getCurrentPosition(fill, fail, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
})();
