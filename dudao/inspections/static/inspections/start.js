/* The start page (templates/inspections/start.html) with or without a network.
 *
 * Online the form posts as usual (the server creates the inspection, idempotent by client id, and
 * the run screen opens). Without a network the phone starts it itself: it keeps the inspection's
 * creation (a new client id, the store, the standard, the mode, the visit, the time and the
 * check-in position) in IndexedDB (outbox.js) and opens the standard's offline run screen, whose
 * sync creates the inspection on the server once the network is back.
 *
 * checkin.js fills the form's check-in position. This script is the form's one submit handler: it
 * waits for the position (window.DudaoCheckin.settled(), at most a few seconds) before it posts or
 * starts offline, so the position (and the stated location reason) go with either; a second tap
 * meanwhile does nothing.
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
  // checkin.js leaves this form's submit to this script (see above).
  if (form.hasAttribute("data-checkin")) form.dataset.checkinWait = "script";
  var busy = false;

  function positionSettled() {
    return window.DudaoCheckin ? window.DudaoCheckin.settled() : Promise.resolve();
  }

  function value(name) {
    var input = form.elements[name];
    return input && input.value ? String(input.value).trim() : "";
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
    return Promise.resolve().then(function () {
      var create = { client_id: id, unit_id: unit.id, template_id: template.id, mode: mode,
                     visit_id: visit && visit.value ? Number(visit.value) : null,
                     performed_at: (when && when.value ? new Date(when.value) : new Date()).toISOString() };
      // The check-in position checkin.js put in the form (the server judges it when the sync creates
      // the inspection), and the reason the supervisor gave, if any.
      if (value("latitude") && value("longitude")) {
        create.latitude = value("latitude");
        create.longitude = value("longitude");
        if (value("location_accuracy_m")) create.location_accuracy_m = Number(value("location_accuracy_m"));
      }
      if (value("location_reason")) create.location_reason = value("location_reason");
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

  function send() {
    if (navigator.onLine === false) return startHere(false);
    return fetch(form.action || window.location.href,
                 { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.ok && response.redirected) {
          window.location.assign(response.url);
          return;
        }
        // A refusal: post again the ordinary way to show it on the form (same client id: idempotent).
        form.dataset.posting = "1";
        form.submit();
      }, function () { return startHere(true); });
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.posting === "1") return;
    event.preventDefault();
    if (busy) return;  // already on its way: one inspection per tap
    busy = true;
    problem.hidden = true;
    positionSettled().then(send).then(function () { busy = false; }, function () { busy = false; });
  });
})();
