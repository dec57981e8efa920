/* "On this phone": the inspections kept in IndexedDB (outbox.js) that have not all reached the
 * server yet, listed on "my work" and the offline page (#local-inspections), each with its waiting
 * count and a link to open it (opening it syncs it). The offline page also says when it stands in
 * for a page that has no offline copy.
 */
(function () {
  "use strict";
  var box = document.getElementById("local-inspections");
  var notice = document.getElementById("offline-fallback");
  if (notice && window.location.pathname !== notice.dataset.path) notice.hidden = false;
  if (!box || !window.DudaoOutbox) return;
  var list = box.querySelector("ul");

  function waitingOf(record) {
    var answers = Object.keys(record.answers || {}).filter(function (code) {
      var entry = record.answers[code];
      return entry.rev > entry.sent;
    }).length;
    return answers;
  }

  window.DudaoOutbox.records().then(function (records) {
    records.sort(function (a, b) { return b.updated - a.updated; });
    records = records.filter(function (record) {
      return waitingOf(record) || !record.server_id || record.submit || record.failure || record.conflict;
    });
    records.forEach(function (record) {
      var href = record.server_id && !record.create
        ? box.dataset.run.replace("/0/", "/" + record.server_id + "/")
        : box.dataset.offlineRun.replace("/0/", "/" + record.template_id + "/") + "?local=" + encodeURIComponent(record.client_id);
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.className = "work-item";
      link.href = href;
      var main = document.createElement("span");
      main.className = "wi-main";
      var title = document.createElement("span");
      title.className = "wi-title";
      title.textContent = record.unit_name || box.dataset.msgInspection.replace("{id}", record.server_id || "");
      var meta = document.createElement("span");
      meta.className = "wi-meta";
      var parts = [];
      if (record.template_name) parts.push(record.template_name);
      parts.push(box.dataset.msgWaiting.replace("{n}", waitingOf(record)));
      if (!record.server_id) parts.push(box.dataset.msgNotCreated);
      if (record.submit) parts.push(box.dataset.msgSubmitQueued);
      if (record.failure || record.conflict) parts.push(box.dataset.msgFailed);
      meta.textContent = parts.join(" · ");
      main.appendChild(title);
      main.appendChild(meta);
      link.appendChild(main);
      var go = document.createElement("span");
      go.className = "wi-go";
      go.textContent = box.dataset.msgOpen + " ›";
      link.appendChild(go);
      item.appendChild(link);
      list.appendChild(item);
    });
    box.hidden = records.length === 0;
  }).catch(function () { /* no IndexedDB (private mode): nothing kept here */ });
})();
