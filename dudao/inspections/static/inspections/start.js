/* The start page (templates/inspections/start.html) with or without a network.
 *
 * Online the form posts as usual (the server creates the inspection, idempotent by client id, and
 * the run screen opens). Without a network the phone starts it itself: it keeps the inspection's
 * creation (a new client id, the store, the standard, the mode, the visit, the time and the
 * check-in position) in IndexedDB (outbox.js) and opens the standard's offline run screen, whose
 * sync creates the inspection on the server once the network is back.
 */
(function () {
  "use strict";
  var form = document.getElementById("start-form");
  if (!form || !window.DudaoOutbox) return;
  var OB = window.DudaoOutbox;
  var problem = document.getElementById("start-offline-error");
  var clientId = form.querySelector("input[name=client_id]");
  // A page kept for offline use is the same copy every time: each visit gets its own client id.
  if (clientId) clientId.value = OB.newId().replace(/-/g, "");

  function position() {
    if (!navigator.geolocation) return Promise.resolve(null);
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (p) { resolve(p.coords); }, function () { resolve(null); },
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    });
  }

  function selected(select) {
    var option = select && select.options[select.selectedIndex];
    return option && option.value ? { id: Number(option.value), name: option.textContent.trim() } : null;
  }

  function startHere(fresh) {
    var unit = selected(document.getElementById("id_unit"));
    var template = selected(document.getElementById("id_template"));
    if (!unit || !template) {
      problem.textContent = form.dataset.msgChoose;
      problem.hidden = false;
      return Promise.resolve();
    }
    var mode = (form.querySelector("input[name=mode]:checked") || {}).value || "on_site";
    var visit = form.querySelector("input[name=visit]");
    var when = form.querySelector("input[name=performed_at]");
    // The form's own id may already have reached the server (a lost answer): a new one then.
    var id = fresh ? OB.newId().replace(/-/g, "") : clientId.value;
    var key = "c:" + id;
    return (mode === "on_site" ? position() : Promise.resolve(null)).then(function (coords) {
      var create = { client_id: id, unit_id: unit.id, template_id: template.id, mode: mode,
                     visit_id: visit && visit.value ? Number(visit.value) : null,
                     performed_at: (when && when.value ? new Date(when.value) : new Date()).toISOString() };
      if (coords) {
        create.latitude = coords.latitude.toFixed(6);
        create.longitude = coords.longitude.toFixed(6);
        create.location_accuracy_m = Math.round(coords.accuracy * 10) / 10;
        create.accuracy_m = create.location_accuracy_m;
      }
      return OB.update(key, function (current) {
        if (current) return undefined;
        var record = OB.blank(key);
        record.client_id = id;
        record.template_id = template.id;
        record.unit_id = unit.id;
        record.unit_name = unit.name;
        record.template_name = template.name;
        record.create = create;
        return record;
      });
    }).then(function () {
      window.location.assign(form.dataset.offlineRun.replace("/0/", "/" + template.id + "/") +
        "?local=" + encodeURIComponent(id));
    });
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.posting === "1") return;
    event.preventDefault();
    problem.hidden = true;
    if (navigator.onLine === false) {
      startHere(false);
      return;
    }
    fetch(form.action || window.location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.ok && response.redirected) {
          window.location.assign(response.url);
          return;
        }
        // A refusal: post again the ordinary way to show it on the form (same client id: idempotent).
        form.dataset.posting = "1";
        form.submit();
      })
      .catch(function () { startHere(true); });
  });
})();
