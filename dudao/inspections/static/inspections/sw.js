/* Dudao's service worker (hand-written, no library), served at /sw.js by dudao/inspections/offline.py,
 * which writes SETTINGS below: the shell's version and files, the pages it serves offline, texts.
 *
 * - Static files: cache first (the shell is cached at install; others as they are fetched).
 * - Pages (navigations) under / and /inspections/: network first, the copy kept on success; without a
 *   network the kept copy, else the offline page ("离线", what does work offline), never the
 *   browser's own "No internet" page. The offline run page of a standard matches any query string.
 * - The API is never cached: the pages keep what they send in IndexedDB and sync it themselves.
 * - A page asks {type: "precache"} when online: the worker fetches offline/precache.json (the
 *   supervisor's next seven days) and keeps each page it lists; {type: "refresh", url} keeps a fresh
 *   copy of one page. Signing out drops every kept page.
 */
/* eslint-env serviceworker */
"use strict";

var SETTINGS = /*SETTINGS*/{};
var SHELL_CACHE = "dudao-shell-" + SETTINGS.version;
var PAGES_CACHE = "dudao-pages-v1";
var NETWORK_WAIT = 8000;
/* How the worker fetches pages on its own (precache, refresh): it never follows a redirect (a
 * signed-out fetch would otherwise load the sign-in page, whose new CSRF cookie breaks a sign-in
 * form open in a tab), and it says so in a header, for which the server renders no one-time messages
 * (a background fetch must not eat the "已保存" meant for the page the person is about to see). */
var BACKGROUND = { credentials: "same-origin", redirect: "manual", headers: { "X-Dudao-Background": "keep" } };

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SETTINGS.shell); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("dudao-shell-") === 0 && name !== SHELL_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keptPage(url) {
  var path = new URL(url, self.location.origin).pathname;
  if (path === "/") return true;
  if (path.indexOf("/inspections/") !== 0) return false;
  // Lists, exports and PDFs are not field work.
  return !/\/(list|pdf)\//.test(path) && !/\.(xlsx|pdf)$/.test(path);
}

function goodPage(response) {
  return response && response.ok && !response.redirected && response.type === "basic" &&
    (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

function keep(request, response) {
  if (!goodPage(response) || !keptPage(request.url)) return Promise.resolve();
  var copy = response.clone();
  return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(request.url, copy); });
}

function offlineResponse() {
  var texts = SETTINGS.texts || {};
  var html = "<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>" + (texts.title || "") + "</title><h1>" + (texts.title || "") + "</h1><p>" + (texts.body || "") + "</p>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function fromCache(request) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    var path = new URL(request.url).pathname;
    return cache.match(request.url, { ignoreVary: true }).then(function (hit) {
      if (hit) return hit;
      if (path.indexOf(SETTINGS.offlineRun) === 0) return cache.match(request.url, { ignoreSearch: true, ignoreVary: true });
      return undefined;
    }).then(function (hit) {
      return hit || cache.match(SETTINGS.offline, { ignoreVary: true, ignoreSearch: true });
    });
  }).then(function (hit) { return hit || offlineResponse(); });
}

/* The network's answer, or the kept copy when there is no network (or it takes too long). */
function networkFirst(event) {
  var request = event.request;
  var fetched = fetch(request).then(function (response) {
    event.waitUntil(keep(request, response));
    return response;
  });
  var timer;
  var slow = new Promise(function (resolve) { timer = setTimeout(resolve, NETWORK_WAIT); })
    .then(function () {
      return caches.open(PAGES_CACHE).then(function (cache) {
        return cache.match(request.url, { ignoreVary: true });
      });
    }).then(function (hit) { return hit || fetched; });
  return Promise.race([fetched, slow]).then(function (response) {
    clearTimeout(timer);
    return response;
  }).catch(function () {
    clearTimeout(timer);
    return fromCache(request);
  });
}

function cacheFirst(event) {
  var request = event.request;
  return caches.match(request, { ignoreVary: true }).then(function (hit) {
    if (hit) return hit;
    return fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.put(request, copy); }));
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (request.method === "POST" && url.pathname === SETTINGS.logout) {
      event.waitUntil(caches.delete(PAGES_CACHE));
    }
    return;
  }
  // Stored evidence never changes (core.attachments never overwrites): photos show offline too.
  if (/^\/api\/v1\/attachments\/\d+\/download$/.test(url.pathname)) {
    event.respondWith(caches.open(PAGES_CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) event.waitUntil(cache.put(request, response.clone()));
          return response;
        });
      });
    }));
    return;
  }
  if (url.pathname.indexOf(SETTINGS.api) === 0 || url.pathname === "/sw.js") return;
  if (url.pathname.indexOf(SETTINGS.static) === 0) {
    event.respondWith(cacheFirst(event));
    return;
  }
  // htmx swaps fetch fragments of pages: those are never kept as pages.
  if (request.mode === "navigate" && !request.headers.get("HX-Request")) {
    event.respondWith(networkFirst(event));
  }
});

/* Keep every page the supervisor's next seven days need (the list comes from the server). */
function precache() {
  return fetch(SETTINGS.precache, {
    credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json", "X-Dudao-Background": "keep" },
  })
    .then(function (response) {
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      return response.json();
    })
    .then(function (body) {
      return caches.open(PAGES_CACHE).then(function (cache) {
        var wanted = new Set(body.pages.map(function (page) { return new URL(page, self.location.origin).href; }));
        return Promise.all(body.pages.map(function (page) {
          return fetch(page, BACKGROUND).then(function (response) {
            if (goodPage(response)) return cache.put(new URL(page, self.location.origin).href, response);
            return undefined;
          }).catch(function () { return undefined; });
        })).then(function () {
          // Visits no longer planned and standards no longer offered are dropped.
          return cache.keys().then(function (requests) {
            return Promise.all(requests.filter(function (request) {
              var url = new URL(request.url);
              var listed = url.pathname.indexOf(SETTINGS.offlineRun) === 0 ||
                (url.pathname.endsWith("/start/") && url.search.indexOf("visit=") >= 0);
              return listed && !wanted.has(url.href);
            }).map(function (request) { return cache.delete(request); }));
          });
        }).then(function () { return body; });
      });
    });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var reply = function (message) { if (event.source) event.source.postMessage(message); };
  if (data.type === "precache") {
    event.waitUntil(precache().then(function (body) {
      reply({ type: "precached", pages: body.pages.length, visits: body.visits.length, csrf: body.csrf });
    }).catch(function (error) { reply({ type: "precache-failed", message: String(error && error.message) }); }));
  } else if (data.type === "refresh" && data.url && keptPage(data.url)) {
    event.waitUntil(fetch(data.url, BACKGROUND).then(function (response) {
      if (goodPage(response)) {
        return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(data.url, response); });
      }
      return undefined;
    }).catch(function () { return undefined; }));
  }
});
