/* Installs the service worker (/sw.js, see static/inspections/sw.js) on every page and, when the
 * network is there, asks it to keep what the next seven days of field work need (at most every ten
 * minutes, and again whenever the network comes back). When it has, <html data-offline-ready="1">.
 */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  var signedIn = document.querySelector("form[action$='/logout/']") !== null;
  var EVERY = 10 * 60 * 1000;
  var stampKey = "dudao-precached-at";

  function precache(force) {
    if (!signedIn || navigator.onLine === false) return;
    var last = Number(window.localStorage.getItem(stampKey) || 0);
    if (!force && Date.now() - last < EVERY) {
      document.documentElement.dataset.offlineReady = "1";
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage({ type: "precache" });
    });
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "precached") {
      try { window.localStorage.setItem(stampKey, String(Date.now())); } catch (e) { /* private mode */ }
      document.documentElement.dataset.offlineReady = "1";
      document.dispatchEvent(new CustomEvent("dudao:precached", { detail: data }));
    }
  });

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    precache(document.getElementById("precache-now") !== null);
  }).catch(function () { /* no worker: the site still works online */ });
  window.addEventListener("online", function () { precache(true); });
  if (!signedIn) {
    try { window.localStorage.removeItem(stampKey); } catch (e) { /* private mode */ }
  }
})();
