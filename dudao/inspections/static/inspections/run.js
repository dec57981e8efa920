/* The phone inspection screen (templates/inspections/run.html), online or offline.
 *
 * Everything given is first kept on the phone (IndexedDB through outbox.js: answers, notes, photos
 * as Blobs, the inspection's own fields), then a sync sends it in order whenever there is a network:
 * create the inspection (only when it was started offline; POST /api/v1/inspections with its client
 * id) -> upload each photo (each with its own client id) -> the answers (PUT, by item code) -> the
 * inspection's fields (PATCH) -> submit. Every step is idempotent, so a retried or doubled sync (a
 * reconnect, two tabs) never makes anything twice; one sync runs at a time across tabs (Web Locks).
 *
 * Conflicts (docs/architecture.md, "Offline inspections"): while the inspection is in progress the
 * last answer sent wins, item by item; once it was submitted elsewhere the server's copy wins and
 * what this phone still had waiting is shown as failed, with the server's reason.
 *
 * Photos are downscaled in the browser (long edge <= 1600 px, JPEG) and sent with their capture
 * metadata (time, position, device, camera or gallery). The sync panel shows what waits and what
 * failed, with a retry; data-pending="0" on #run means everything given is on the server.
 * Strings come from data-msg-* attributes on #run (translated in the template); data from the JSON
 * block #run-config. No inline script: the CSP allows only files.
 */
(function () {
  "use strict";

  var root = document.getElementById("run");
  if (!root) return;
  var config = JSON.parse(document.getElementById("run-config").textContent);
  var OB = window.DudaoOutbox;

  var MAX_EDGE = 1600;
  var JPEG_QUALITY = 0.85;
  var TEXT_DELAY = 800;
  var NUMBER_DELAY = 500;
  var RETRY_DELAY = 4000;
  var SIGNATURE = "_signature";  // the code of the on-site signature among the phone's photos
  // A template's preview is this same screen with nothing sent: answers, photos and notes stay in
  // the page, and "submit" only shows what an inspector would still have to do.
  var preview = Boolean(config.preview);
  var startedOffline = Boolean(config.offline);
  var API = "/api/v1";

  // --- helpers -----------------------------------------------------------------------------
  function msg(name, values) {
    var key = "msg" + name.charAt(0).toUpperCase() + name.slice(1);
    var text = root.dataset[key] || name;
    Object.keys(values || {}).forEach(function (k) {
      text = text.split("{" + k + "}").join(String(values[k]));
    });
    return text;
  }

  var freshToken = null;
  function csrfToken() {
    if (freshToken) return freshToken;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* no token */ }
    return "";
  }

  /* After signing in again elsewhere the page's token is stale: ask the server for the current one. */
  function refreshToken() {
    return fetch(root.dataset.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok && !response.redirected ? response.json() : {}; })
      .then(function (body) { if (body.csrf) freshToken = body.csrf; return Boolean(body.csrf); })
      .catch(function () { return false; });
  }

  function api(method, url, body) {
    var options = { method: method, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" } };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status !== 403 || api.retried) return response;
      // A refused CSRF token: fetch the current one and try once more.
      return refreshToken().then(function (ok) {
        if (!ok) return response;
        options.headers["X-CSRFToken"] = csrfToken();
        return fetch(url, options);
      });
    });
  }

  function readJson(response) {
    return response.json().catch(function () { return {}; });
  }

  function parseNumber(text) {
    if (text === null || text === undefined || String(text).trim() === "") return null;
    var value = Number(String(text).trim());
    return isFinite(value) ? value : null;
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  // --- which inspection -------------------------------------------------------------------------
  var params = new URLSearchParams(window.location.search);
  var key = null;
  if (!preview) {
    key = startedOffline ? "c:" + (params.get("local") || "") : "s:" + String(config.inspection).split("/").pop();
  }
  var serverId = startedOffline ? null : Number(String(config.inspection).split("/").pop());
  var detailUrl = startedOffline ? null : config.detail;

  function inspectionUrl() { return API + "/inspections/" + serverId; }

  // --- the save state shown in the sticky bar ------------------------------------------------
  var saveState = document.getElementById("save-state");
  function showSaveState(kind) {
    var texts = { saving: msg("saving"), saved: msg("saved"), retry: msg("saveFailed"), refused: msg("refused"),
                  offline: msg("offlineSaved") };
    saveState.textContent = texts[kind] || "";
    saveState.classList.toggle("error", kind === "retry" || kind === "refused");
  }

  // --- one card per item ----------------------------------------------------------------------
  function Card(el) {
    this.el = el;
    this.code = el.dataset.code;
    this.kind = el.dataset.kind;
    this.text = el.dataset.text;
    this.scorable = el.dataset.scorable === "1";
    this.photoRequired = el.dataset.photoRequired === "1";
    this.counted = el.dataset.counted === "1";
    this.points = parseNumber(el.dataset.points);
    this.passPoints = parseNumber(el.dataset.passPoints);
    this.min = parseNumber(el.dataset.min);
    this.max = parseNumber(el.dataset.max);
    this.value = el.dataset.value === "" ? null : el.dataset.value;
    if (this.kind === "text") this.value = el.querySelector(".text-input").value;
    if (this.kind === "photo") this.value = "";
    this.photos = Array.prototype.map.call(el.querySelectorAll(".thumb[data-id]"), function (t) {
      return Number(t.dataset.id);
    });
    this.noteInput = el.querySelector(".note-input");
    this.status = el.querySelector(".item-status");
    this.section = el.closest(".run-section");
    this.timer = null;
  }

  Card.prototype.note = function () { return this.noteInput ? this.noteInput.value : ""; };

  Card.prototype.canSave = function () {
    return !this.scorable || (this.value !== null && this.value !== "");
  };

  Card.prototype.isComplete = function () {
    if (this.scorable && (this.value === null || this.value === "")) return false;
    if (this.photoRequired && this.value !== "na" && this.photos.length === 0) return false;
    return true;
  };

  Card.prototype.local = function () {
    return { value: this.value === null ? "" : this.value, note: this.note(), photos: this.photos.slice() };
  };

  Card.prototype.say = function (text, isError) {
    this.status.textContent = text || "";
    this.status.classList.toggle("error", Boolean(isError));
  };

  Card.prototype.refresh = function () {
    var complete = this.isComplete();
    this.el.classList.toggle("complete", complete);
    if (complete && this.el.classList.contains("missing")) {
      this.el.classList.remove("missing");
      var entry = document.querySelector('.missing-link[data-code="' + CSS.escape(this.code) + '"]');
      if (entry) entry.parentNode.remove();
    }
    updateProgress();
  };

  /* Show `value` in the card's controls (used on load from the phone's copy and on every change). */
  Card.prototype.render = function () {
    var value = this.value;
    this.el.querySelectorAll(".opt").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.value === value ? "true" : "false");
    });
    var input = this.el.querySelector(".score-input, .number-input");
    if (input && document.activeElement !== input) input.value = value === null || value === "na" ? "" : value;
    var text = this.el.querySelector(".text-input");
    if (text && document.activeElement !== text) text.value = value || "";
    this.warn();
  };

  /* Tell the inspector, before submit, that a number will fail the item. */
  Card.prototype.warn = function () {
    var box = this.el.querySelector(".value-warning");
    if (!box) return;
    var number = this.value === "na" ? null : parseNumber(this.value);
    var text = "";
    // Either bound may be missing: that side is unbounded ("≥ 95" has no max).
    if (number !== null && this.kind === "number" &&
        ((this.min !== null && number < this.min) || (this.max !== null && number > this.max))) {
      text = msg("outOfRange");
    }
    if (number !== null && this.kind === "score" && this.passPoints !== null && number < this.passPoints) {
      text = msg("belowPass");
    }
    box.textContent = text;
    box.hidden = !text;
  };

  Card.prototype.set = function (value, delay) {
    this.value = value;
    this.render();
    this.refresh();
    this.changed(delay || 0);
  };

  /* Keep the change after `delay` ms (0: now); a later change restarts the wait. */
  Card.prototype.changed = function (delay) {
    var card = this;
    clearTimeout(card.timer);
    if (delay) {
      card.timer = setTimeout(function () { card.timer = null; stage(card); }, delay);
    } else {
      card.timer = null;
      stage(card);
    }
    markPending();
  };

  Card.prototype.flushTimer = function () {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      return stage(this);
    }
    return Promise.resolve();
  };

  var cards = Array.prototype.map.call(root.querySelectorAll(".item-card"), function (el) { return new Card(el); });
  var byCode = {};
  cards.forEach(function (card) { byCode[card.code] = card; });

  // --- progress, the section index and "next unanswered" ---------------------------------------
  function updateProgress() {
    var counted = cards.filter(function (c) { return c.counted; });
    var done = counted.filter(function (c) { return c.isComplete(); }).length;
    document.getElementById("progress-answered").textContent = done;
    document.getElementById("progress-total").textContent = counted.length;
    var bar = document.getElementById("progress-bar");
    bar.max = Math.max(counted.length, 1);
    bar.value = done;
    document.querySelectorAll(".section-count").forEach(function (count) {
      var mine = counted.filter(function (c) { return c.section && c.section.id === count.dataset.section; });
      var answered = mine.filter(function (c) { return c.isComplete(); }).length;
      count.textContent = answered + "/" + mine.length;
      count.closest("a").classList.toggle("done", mine.length > 0 && answered === mine.length);
    });
    var next = document.getElementById("next-unanswered");
    if (next) next.disabled = done === counted.length;
  }

  function jumpTo(code) {
    var card = byCode[code];
    if (!card) return;
    card.el.scrollIntoView({ behavior: "smooth", block: "start" });
    card.el.focus({ preventScroll: true });
    card.el.classList.remove("flash");
    void card.el.offsetWidth;
    card.el.classList.add("flash");
    setTimeout(function () { card.el.classList.remove("flash"); }, 2500);
  }

  /* The first unanswered item after the one on screen (wrapping round to the top). */
  function nextUnanswered() {
    var open = cards.filter(function (c) { return c.counted && !c.isComplete(); });
    if (!open.length) return;
    var top = 0;
    var bar = document.getElementById("run-progress");
    var offset = bar ? bar.getBoundingClientRect().bottom + 4 : 0;
    var after = open.filter(function (c) { return c.el.getBoundingClientRect().top > offset + 8; });
    var target = after.length ? after[0] : open[top];
    jumpTo(target.code);
  }
  var nextButton = document.getElementById("next-unanswered");
  if (nextButton) nextButton.addEventListener("click", nextUnanswered);
  var sectionIndex = document.getElementById("section-index");
  if (sectionIndex) {
    sectionIndex.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-section]");
      if (!link) return;
      event.preventDefault();
      var section = document.getElementById(link.dataset.section);
      // Close the index first: closing it after the scroll started would move the target.
      sectionIndex.open = false;
      if (section) window.requestAnimationFrame(function () { section.scrollIntoView({ behavior: "smooth", block: "start" }); });
    });
  }

  // The site's sticky top bar: the progress bar and the jumps stay below it.
  function measureTopbar() {
    var bar = document.querySelector(".topbar");
    document.documentElement.style.setProperty("--topbar", (bar ? bar.offsetHeight : 0) + "px");
  }
  measureTopbar();
  window.addEventListener("resize", measureTopbar);

  // --- the phone's copy -------------------------------------------------------------------------
  var timersPending = function () { return cards.filter(function (c) { return c.timer; }).length; };
  var record = null;       // the last copy read from or written to IndexedDB
  var photoUrls = {};      // photo client id -> object URL of its Blob
  var syncing = false;
  var retryTimer = null;
  var patchTimer = null;
  var staging = Promise.resolve();

  function change(mutate) {
    if (preview) return Promise.resolve(null);
    staging = staging.then(function () {
      return OB.update(key, function (current) {
        var next = current || OB.blank(key);
        if (!current && serverId) next.server_id = serverId;
        mutate(next);
        next.updated = Date.now();
        return next;
      });
    }).then(function (next) {
      record = next;
      renderSync();
      return next;
    });
    return staging;
  }

  function stage(card) {
    if (!card.canSave()) {
      // Scored items need an answer before a note or photo can be stored with them.
      card.say(msg("answerFirst"));
      markPending();
      return Promise.resolve();
    }
    card.say("");
    if (preview) return Promise.resolve();
    var local = card.local();
    return change(function (r) {
      var before = r.answers[card.code] || { rev: 0, sent: 0 };
      r.answers[card.code] = { value: local.value, note: local.note, photos: local.photos,
                               rev: before.rev + 1, sent: before.sent || 0, error: null };
    }).then(function () { syncSoon(); });
  }

  function stagePatch(fields) {
    return change(function (r) {
      Object.keys(fields).forEach(function (name) { r.patch[name] = fields[name]; });
    }).then(function () { syncSoon(); });
  }

  function waiting(r) {
    r = r || record;
    var counts = { answers: 0, photos: 0, fields: 0, failed: [] };
    if (!r) return counts;
    Object.keys(r.answers).forEach(function (code) {
      var entry = r.answers[code];
      if (entry.rev > entry.sent) {
        counts.answers += 1;
        if (entry.error) counts.failed.push({ code: code, message: entry.error });
      }
    });
    counts.fields = Object.keys(r.patch || {}).length;
    counts.signature = r.signature && r.signature.rev > (r.signature.sent || 0) ? 1 : 0;
    return counts;
  }

  var unsentPhotos = 0;
  var failedPhotos = [];

  /* How many things are still to reach the server; tests and people can tell from
     data-pending="0" on #run that everything given is on the server. */
  function markPending() {
    if (preview) { root.dataset.pending = "0"; return; }
    var counts = waiting();
    var create = record && !record.server_id ? 1 : 0;
    var submit = record && record.submit ? 1 : 0;
    root.dataset.pending = String(counts.answers + counts.fields + counts.signature + unsentPhotos + create + submit +
      timersPending() + (syncing ? 1 : 0) + (patchTimer ? 1 : 0) + uploadsBusy);
  }

  // --- the sync panel ---------------------------------------------------------------------------
  var panel = document.getElementById("sync");
  function renderSync() {
    markPending();
    if (!panel || preview) return;
    var counts = waiting();
    var summary = document.getElementById("sync-summary");
    var list = document.getElementById("sync-failed");
    var offlineNow = navigator.onLine === false;
    var parts = [];
    if (record && !record.server_id) parts.push(msg("syncCreate"));
    if (counts.answers) parts.push(msg("syncAnswers", { n: counts.answers }));
    if (unsentPhotos) parts.push(msg("syncPhotos", { n: unsentPhotos }));
    if (counts.fields) parts.push(msg("syncFields", { n: counts.fields }));
    if (counts.signature) parts.push(msg("syncSignature"));
    if (record && record.submit) parts.push(msg("syncSubmit"));
    var text = parts.length ? msg("syncWaiting") + parts.join(msg("syncSep")) : msg("syncDone");
    if (offlineNow) text = msg("syncOffline") + " " + text;
    summary.textContent = text;
    document.getElementById("sync-answers").textContent = String(counts.answers);
    document.getElementById("sync-photos").textContent = String(unsentPhotos);
    list.textContent = "";
    var failures = [];
    if (record && record.conflict) failures.push({ message: record.conflict });
    if (record && record.failure) failures.push({ message: record.failure.message });
    counts.failed.forEach(function (f) {
      failures.push({ code: f.code, message: f.code + " " + (byCode[f.code] ? byCode[f.code].text : "") + ":" + f.message });
    });
    failedPhotos.forEach(function (p) {
      if (p.code === SIGNATURE) failures.push({ message: msg("signatureFailed") + p.error });
      else failures.push({ code: p.code, message: msg("photoFailed", { code: p.code }) + p.error });
    });
    failures.forEach(function (failure) {
      var item = document.createElement("li");
      item.textContent = failure.message;
      if (failure.code && byCode[failure.code]) {
        var go = document.createElement("button");
        go.type = "button";
        go.className = "link";
        go.textContent = msg("goTo");
        go.addEventListener("click", function () { jumpTo(failure.code); });
        item.appendChild(document.createTextNode(" "));
        item.appendChild(go);
      }
      list.appendChild(item);
    });
    list.hidden = failures.length === 0;
    var reasonBox = document.getElementById("sync-reason");
    var fields = (record && record.failure && record.failure.fields) || {};
    reasonBox.hidden = !(record && record.failure && record.failure.step === "create" &&
                         ("location_reason" in fields || "latitude" in fields));
    document.getElementById("sync-discard").hidden = !(record && record.conflict);
    panel.classList.toggle("has-failures", failures.length > 0);
    panel.classList.toggle("all-synced", !parts.length && !failures.length);
    root.dataset.syncFailures = String(failures.length);
  }

  // --- photos ---------------------------------------------------------------------------------
  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () { URL.revokeObjectURL(url); resolve(image); };
      image.onerror = function () { URL.revokeObjectURL(url); reject(new Error("image")); };
      image.src = url;
    });
  }

  /* A JPEG of the photo no larger than MAX_EDGE on its long edge, upright. */
  function downscale(file) {
    var decoded = window.createImageBitmap
      ? createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () { return loadImage(file); })
      : loadImage(file);
    return decoded.then(function (source) {
      var width = source.naturalWidth || source.width;
      var height = source.naturalHeight || source.height;
      var scale = Math.min(1, MAX_EDGE / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      if (source.close) source.close();
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) {
          if (blob) resolve(blob); else reject(new Error("encode"));
        }, "image/jpeg", JPEG_QUALITY);
      });
    });
  }

  function thumb(card, src, ref) {
    var figure = document.createElement("figure");
    figure.className = "thumb";
    var link = document.createElement("a");
    link.target = "_blank";
    link.rel = "noopener";
    var image = document.createElement("img");
    image.alt = msg("photo");
    image.src = src;
    link.appendChild(image);
    figure.appendChild(link);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "thumb-remove";
    remove.setAttribute("aria-label", msg("removePhoto"));
    remove.textContent = "×";
    figure.appendChild(remove);
    if (ref !== null && ref !== undefined) {
      figure.dataset.ref = String(ref);
      if (typeof ref === "number") {
        figure.dataset.id = String(ref);
        link.href = config.download.replace("{id}", ref);
      } else {
        figure.classList.add("queued");
        link.href = src;
      }
    }
    card.el.querySelector(".thumbs").appendChild(figure);
    return figure;
  }

  var lastPosition = null;
  function capturePosition() {
    if (!navigator.geolocation) return Promise.resolve(lastPosition);
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (position) {
        lastPosition = position.coords;
        resolve(lastPosition);
      }, function () { resolve(lastPosition); }, { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 });
    });
  }

  function deviceName() {
    var ua = navigator.userAgent || "";
    var model = ua.match(/\(([^)]+)\)/);
    var browser = ua.match(/(Chrome|Firefox|Safari|Edg|MicroMessenger)\/[\d.]+/);
    return ((model ? model[1].split(";").slice(0, 2).join(";") : "") + " " + (browser ? browser[0] : "")).trim().slice(0, 120);
  }

  var previewPhotos = 0;
  var uploadsBusy = 0;

  function addPhoto(card, file, input) {
    var local = URL.createObjectURL(file);
    if (preview) {
      // Shown, counted for completeness, never uploaded.
      previewPhotos -= 1;
      thumb(card, local, previewPhotos);
      card.photos.push(previewPhotos);
      card.refresh();
      return Promise.resolve();
    }
    var taken = Date.now();
    // A photo taken just now through the camera input is a camera photo; an older file was chosen.
    var fresh = Math.abs(taken - (file.lastModified || taken)) < 2 * 60 * 1000;
    var source = input.hasAttribute("capture") && fresh ? "camera" : "gallery";
    if (config.camera_only && source !== "camera") {
      card.say(msg("cameraOnly"), true);
      URL.revokeObjectURL(local);
      return Promise.resolve();
    }
    var figure = thumb(card, local, null);
    figure.classList.add("uploading");
    uploadsBusy += 1;
    markPending();
    return Promise.all([downscale(file), capturePosition()]).then(function (done) {
      var blob = done[0];
      var coords = done[1];
      var id = OB.newId();
      var meta = { captured_at: new Date(source === "camera" ? taken : (file.lastModified || taken)).toISOString(),
                   device: deviceName(), source: source };
      if (coords) {
        meta.latitude = coords.latitude.toFixed(6);
        meta.longitude = coords.longitude.toFixed(6);
        meta.accuracy_m = String(Math.round(coords.accuracy * 10) / 10);
      }
      return OB.updatePhoto(id, function () {
        return { id: id, key: key, code: card.code, blob: blob, meta: meta, server_id: null, error: null };
      }).then(function () {
        URL.revokeObjectURL(local);
        var url = URL.createObjectURL(blob);
        photoUrls[id] = url;
        figure.querySelector("img").src = url;
        figure.querySelector("a").href = url;
        figure.dataset.ref = "p:" + id;
        figure.classList.remove("uploading");
        figure.classList.add("queued");
        card.photos.push("p:" + id);
        card.say("");
        card.refresh();
        unsentPhotos += 1;
        if (card.canSave()) return stage(card);
        card.say(msg("answerFirst"));
        return undefined;
      });
    }).catch(function (error) {
      figure.remove();
      card.say(msg("uploadFailed") + (error && error.message ? "(" + error.message + ")" : ""), true);
    }).then(function () {
      uploadsBusy -= 1;
      markPending();
    });
  }

  // --- the sync -------------------------------------------------------------------------------
  function syncSoon(delay) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(sync, delay || 0);
  }

  function Stop(kind) { this.kind = kind; }

  function failure(step, status, body) {
    var message = (body && body.message) || String(status);
    if (status === 401) message = msg("signInAgain");
    return { step: step, status: status, message: message,
             fields: (body && body.detail && body.detail.fields) || {} };
  }

  function setFailure(value) {
    return change(function (r) { r.failure = value; });
  }

  function conflict(body) {
    return change(function (r) {
      r.conflict = msg("conflict", { reason: (body && body.message) || "" });
      r.submit = false;
    }).then(function () { throw new Stop("conflict"); });
  }

  /* The server's answer to a step: ok, or stop the sync here (kept for a retry or a change). */
  function check(step, response) {
    if (response.ok) return readJson(response);
    return readJson(response).then(function (body) {
      if (response.status === 409 && step !== "create" && step !== "photo") return conflict(body);
      if (response.status === 404 && step !== "photo") return conflict(body);
      if (response.status >= 500 || response.status === 408 || response.status === 429) throw new Stop("network");
      return setFailure(failure(step, response.status, body)).then(function () { throw new Stop("refused"); });
    });
  }

  function stepCreate(r) {
    if (r.server_id) return Promise.resolve(r);
    return api("POST", config.create, r.create).then(function (response) {
      return check("create", response);
    }).then(function (body) {
      serverId = body.id;
      return change(function (next) { next.server_id = body.id; next.failure = null; });
    });
  }

  function stepPhotos(r) {
    return OB.photosOf(key).then(function (photos) {
      var todo = photos.filter(function (p) { return !p.server_id && !p.error; });
      return todo.reduce(function (chain, photo) {
        return chain.then(function () {
          var form = new FormData();
          form.append("file", photo.blob, photo.code === SIGNATURE ? "signature.png" : "photo-" + photo.code + ".jpg");
          // No unit on a visit granted outside the supervisor's scope (calibration): the photo is
          // uploaded unbound and bound to the unit when its answer is saved.
          var unitId = config.unit_id === null ? null : (r.unit_id || config.unit_id);
          if (unitId) form.append("unit_id", String(unitId));
          form.append("client_id", photo.id);
          Object.keys(photo.meta || {}).forEach(function (name) { form.append(name, photo.meta[name]); });
          return api("POST", config.attachments, form).then(function (response) {
            return readJson(response).then(function (body) {
              if (response.ok && body.id) {
                return OB.updatePhoto(photo.id, function (p) { if (p) { p.server_id = body.id; p.error = null; } return p; });
              }
              if (response.status >= 500 || response.status === 401 || response.status === 403) {
                if (response.status === 401) return setFailure(failure("photo", 401, body)).then(function () { throw new Stop("refused"); });
                throw new Stop("network");
              }
              return OB.updatePhoto(photo.id, function (p) { if (p) p.error = body.message || String(response.status); return p; });
            });
          });
        });
      }, Promise.resolve()).then(function () { return OB.photosOf(key); });
    }).then(function (photos) {
      var ids = {};
      unsentPhotos = 0;
      failedPhotos = [];
      photos.forEach(function (p) {
        ids["p:" + p.id] = p.server_id;
        if (!p.server_id) unsentPhotos += 1;
        if (p.error) failedPhotos.push(p);
      });
      // Uploaded: the thumbnail now names its attachment (it still shows the phone's copy).
      root.querySelectorAll(".thumb.queued[data-ref]").forEach(function (figure) {
        var id = ids[figure.dataset.ref];
        if (!id) return;
        figure.dataset.id = String(id);
        figure.classList.remove("queued");
      });
      return ids;
    });
  }

  function stepAnswers(photoIds) {
    var r = record;
    var batch = [];
    var sentRev = {};
    Object.keys(r.answers).forEach(function (code) {
      var entry = r.answers[code];
      if (entry.rev <= entry.sent || entry.error) return;
      var ids = [];
      var ready = entry.photos.every(function (ref) {
        if (typeof ref === "number") { ids.push(ref); return true; }
        if (photoIds[ref]) { ids.push(photoIds[ref]); return true; }
        return false;
      });
      if (!ready) return;  // its photo is not on the server yet
      batch.push({ item_code: code, value: entry.value, note: entry.note, attachment_ids: ids });
      sentRev[code] = entry.rev;
    });
    if (!batch.length) return Promise.resolve(false);
    return api("PUT", inspectionUrl() + "/answers", batch).then(function (response) {
      if (response.status === 422) {
        return readJson(response).then(function (body) {
          var fields = (body.detail && body.detail.fields) || {};
          var refused = {};
          Object.keys(fields).forEach(function (name) {
            var part = name.split(".")[1];
            var code = /^\d+$/.test(part) ? (batch[Number(part)] || {}).item_code : part;
            if (code && sentRev[code]) refused[code] = fields[name][0];
          });
          if (!Object.keys(refused).length) batch.forEach(function (a) { refused[a.item_code] = body.message; });
          showSaveState("refused");
          // All or nothing: the refused ones wait for a change, the others go again.
          return change(function (next) {
            Object.keys(refused).forEach(function (code) {
              if (next.answers[code] && next.answers[code].rev === sentRev[code]) next.answers[code].error = refused[code];
              if (byCode[code]) byCode[code].say(refused[code], true);
            });
          }).then(function () { return true; });
        });
      }
      return check("answers", response).then(function () {
        batch.forEach(function (a) { if (byCode[a.item_code]) byCode[a.item_code].el.dataset.answered = "1"; });
        return change(function (next) {
          Object.keys(sentRev).forEach(function (code) {
            var entry = next.answers[code];
            if (entry && entry.rev === sentRev[code]) {
              entry.sent = entry.rev;
              // What was uploaded now has its server id: a later send needs no lookup.
              entry.photos = entry.photos.map(function (ref) { return photoIds[ref] || ref; });
            }
          });
          if (next.failure && next.failure.step === "answers") next.failure = null;
        }).then(function () { return true; });
      });
    });
  }

  function stepPatch() {
    var body = Object.assign({}, record.patch || {});
    if (!Object.keys(body).length) return Promise.resolve();
    return api("PATCH", inspectionUrl(), body).then(function (response) {
      return check("patch", response);
    }).then(function () {
      return change(function (next) {
        Object.keys(body).forEach(function (name) {
          if (same(next.patch[name], body[name])) delete next.patch[name];
        });
      });
    });
  }

  /* The on-site signature: once its image is on the server, PATCHed with the signer and the time
     it was signed on the phone (sent again as is, it changes nothing). */
  function stepSignature(photoIds) {
    var signature = record.signature;
    if (!signature || signature.rev <= (signature.sent || 0)) return Promise.resolve();
    var attachmentId = photoIds[signature.ref];
    if (!attachmentId) return Promise.resolve();  // the image is not on the server yet
    var rev = signature.rev;
    return api("PATCH", inspectionUrl(), {
      onsite_signature_id: attachmentId, onsite_signer_name: signature.name, onsite_signed_at: signature.signed_at,
    }).then(function (response) {
      return check("signature", response);
    }).then(function () {
      return change(function (next) {
        if (next.signature && next.signature.rev === rev) next.signature.sent = rev;
      }).then(function () { signatureState(msg("signatureSent")); });
    });
  }

  function stepSubmit() {
    if (!record.submit) return Promise.resolve();
    var left = waiting();
    if (left.answers || left.fields || left.signature || unsentPhotos) return Promise.resolve();
    return api("POST", inspectionUrl() + "/submit").then(function (response) {
      if (response.ok || response.status === 409) return finished();
      return readJson(response).then(function (body) {
        var detail = body.detail || {};
        return change(function (next) { next.submit = false; }).then(function () {
          if (response.status === 422 && (detail.missing || detail.missing_photos)) {
            showMissing(detail.missing || [], detail.missing_photos || []);
          } else {
            submitError.textContent = msg("submitFailed") + (body.message || response.status);
            submitError.hidden = false;
          }
          throw new Stop("submit");
        });
      });
    });
  }

  /* Submitted: the server has everything; the phone's copy goes, the detail shows the result. */
  function finished() {
    var target = (detailUrl || config.detail || "").replace("{id}", serverId);
    return OB.forget(key).then(function () {
      record = null;
      root.dataset.pending = "0";
      if (navigator.serviceWorker && navigator.serviceWorker.controller && !startedOffline) {
        navigator.serviceWorker.controller.postMessage({ type: "refresh", url: window.location.href });
      }
      window.location.assign(target);
      throw new Stop("done");
    });
  }

  function syncRound() {
    return OB.record(key).then(function (r) {
      record = r;
      if (!r) return false;
      if (r.conflict || (r.failure && r.failure.step === "create")) throw new Stop("refused");
      if (r.server_id) serverId = r.server_id;
      return stepCreate(r)
        .then(function (created) { return stepPhotos(created); })
        .then(function (photoIds) {
          return stepAnswers(photoIds).then(function (sent) {
            return stepSignature(photoIds).then(function () { return sent; });
          });
        })
        .then(function (sent) { return stepPatch().then(function () { return sent; }); })
        .then(function (sent) { return stepSubmit().then(function () { return sent; }); });
    });
  }

  function sync() {
    if (preview || !key || syncing) return Promise.resolve();
    clearTimeout(retryTimer);
    syncing = true;
    markPending();
    showSaveState("saving");
    return OB.exclusive("dudao-sync-" + key, function () {
      // Again while something changed during the round (at most a few rounds).
      var rounds = 0;
      function loop() {
        rounds += 1;
        return syncRound().then(function (again) {
          var left = waiting();
          if (again && rounds < 5 && left.answers > left.failed.length) return loop();
          return undefined;
        });
      }
      return loop();
    }).then(function () {
      syncing = false;
      var left = waiting();
      if (record && record.failure && record.failure.step !== "create") setFailure(null);
      showSaveState(left.answers || unsentPhotos || (record && !record.server_id) ? "refused" : "saved");
      renderSync();
      if (!startedOffline && navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "refresh", url: window.location.href });
      }
    }).catch(function (error) {
      syncing = false;
      if (error instanceof Stop) {
        if (error.kind === "done") return;
        if (error.kind === "submit") submitError.hidden = submitError.textContent === msg("submitQueued");
        if (error.kind === "submit") { showSaveState("saved"); renderSync(); return; }
        if (error.kind === "network") { showSaveState(navigator.onLine === false ? "offline" : "retry"); syncSoon(RETRY_DELAY); }
        else showSaveState("refused");
      } else {
        // fetch() itself failed: no network. Everything stays on the phone until the next try.
        showSaveState(navigator.onLine === false ? "offline" : "retry");
        syncSoon(RETRY_DELAY);
      }
      renderSync();
    });
  }

  window.addEventListener("online", function () { syncSoon(0); });
  window.addEventListener("offline", renderSync);

  // --- wiring each card ---------------------------------------------------------------------
  cards.forEach(function (card) {
    var el = card.el;
    el.querySelectorAll(".opt").forEach(function (button) {
      button.addEventListener("click", function () { card.set(button.dataset.value, 0); });
    });
    var score = el.querySelector(".score-input");
    if (score) {
      score.addEventListener("input", function () {
        var number = parseNumber(score.value);
        if (score.value.trim() === "") return;
        if (number === null || number < 0 || number > card.points) {
          card.say(msg("scoreRange", { max: card.points }), true);
          return;
        }
        card.say("");
        card.set(String(number), NUMBER_DELAY);
      });
      score.addEventListener("change", function () { card.flushTimer(); });
      el.querySelectorAll(".step").forEach(function (button) {
        button.addEventListener("click", function () {
          var current = parseNumber(card.value === "na" ? null : card.value);
          var base = current === null ? card.points : current;
          var next = current === null ? base + Math.min(0, Number(button.dataset.step)) : base + Number(button.dataset.step);
          next = Math.max(0, Math.min(card.points, next));
          card.say("");
          card.set(String(next), 0);
        });
      });
    }
    var measured = el.querySelector(".number-input");
    if (measured) {
      measured.addEventListener("input", function () {
        var number = parseNumber(measured.value);
        if (number === null) return;
        card.set(String(number), NUMBER_DELAY);
      });
      measured.addEventListener("change", function () { card.flushTimer(); });
    }
    var text = el.querySelector(".text-input");
    if (text) {
      text.addEventListener("input", function () {
        card.value = text.value;
        card.refresh();
        card.changed(TEXT_DELAY);
      });
      text.addEventListener("blur", function () { card.flushTimer(); });
    }
    if (card.noteInput) {
      card.noteInput.addEventListener("input", function () { card.changed(TEXT_DELAY); });
      card.noteInput.addEventListener("blur", function () { card.flushTimer(); });
    }
    var file = el.querySelector(".photo-input");
    file.addEventListener("change", function () {
      Array.prototype.forEach.call(file.files, function (chosen) { addPhoto(card, chosen, file); });
      file.value = "";
    });
    el.querySelector(".thumbs").addEventListener("click", function (event) {
      var remove = event.target.closest(".thumb-remove");
      if (!remove) return;
      var figure = remove.closest(".thumb");
      var ref = figure.dataset.ref || figure.dataset.id;
      if (!ref) return;
      ref = /^-?\d+$/.test(ref) ? Number(ref) : ref;
      card.photos = card.photos.filter(function (p) { return p !== ref; });
      figure.remove();
      card.refresh();
      if (typeof ref === "string") {
        // Never sent (or sent but not yet attached): nothing else refers to it.
        var id = ref.slice(2);
        OB.updatePhoto(id, function () { return null; }).then(function () {
          if (photoUrls[id]) URL.revokeObjectURL(photoUrls[id]);
          syncSoon();
        });
      }
      card.changed(0);
    });
  });

  // --- notes and figures on the inspection itself --------------------------------------------
  var patchPending = {};
  function patchLater(fields, delay) {
    if (preview) return;
    Object.assign(patchPending, fields);
    clearTimeout(patchTimer);
    patchTimer = setTimeout(flushPatch, delay);
    markPending();
  }

  function flushPatch() {
    clearTimeout(patchTimer);
    patchTimer = null;
    var fields = patchPending;
    patchPending = {};
    if (!Object.keys(fields).length) return Promise.resolve();
    return stagePatch(fields);
  }

  document.querySelectorAll(".inspection-field").forEach(function (field) {
    field.addEventListener("input", function () {
      var fields = {};
      fields[field.dataset.field] = field.value;
      patchLater(fields, TEXT_DELAY);
    });
    field.addEventListener("blur", function () { if (patchTimer) flushPatch(); });
  });

  var figureRows = document.getElementById("figure-rows");
  function figures() {
    var result = {};
    figureRows.querySelectorAll(".figure-row").forEach(function (row) {
      var name = row.querySelector(".figure-key").value.trim();
      var raw = row.querySelector(".figure-value").value.trim();
      if (!name) return;
      var number = parseNumber(raw);
      result[name] = number !== null && /^-?\d+(\.\d+)?$/.test(raw) ? number : raw;
    });
    return result;
  }
  function figureRow(name, value) {
    var row = document.getElementById("figure-row-template").content.firstElementChild.cloneNode(true);
    row.querySelector(".figure-key").value = name || "";
    row.querySelector(".figure-value").value = value === undefined ? "" : value;
    figureRows.appendChild(row);
    return row;
  }
  figureRows.addEventListener("input", function () { patchLater({ figures: figures() }, TEXT_DELAY); });
  figureRows.addEventListener("click", function (event) {
    var remove = event.target.closest(".figure-remove");
    if (!remove) return;
    remove.closest(".figure-row").remove();
    patchLater({ figures: figures() }, 0);
  });
  document.getElementById("figure-add").addEventListener("click", function () {
    figureRow().querySelector(".figure-key").focus();
  });

  /* Metres between two WGS-84 positions (haversine), as the server's location check measures. */
  function metresBetween(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var a = Math.pow(Math.sin((lat2 - lat1) * rad / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin((lon2 - lon1) * rad / 2), 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  // --- geolocation (inspections opened from the server; an offline start sends it on create) ---
  (function locate() {
    var box = document.getElementById("geo");
    if (!config.geo_required || config.has_location || !box) return;
    var text = document.getElementById("geo-text");
    function warn(reason) {
      box.classList.remove("ok");
      box.classList.add("warn");
      text.textContent = msg("geoDenied", { reason: reason });
    }
    if (!navigator.geolocation) {
      warn(msg("geoUnsupported"));
      return;
    }
    text.textContent = msg("geoAsking");
    navigator.geolocation.getCurrentPosition(function (position) {
      lastPosition = position.coords;
      var accuracy = Math.round(position.coords.accuracy * 10) / 10;
      stagePatch({
        latitude: position.coords.latitude.toFixed(6),
        longitude: position.coords.longitude.toFixed(6),
        location_accuracy_m: accuracy,
      });
      box.classList.remove("warn");
      box.classList.add("ok");
      text.textContent = msg("geoOk", { m: Math.round(accuracy) });
      // How far from the unit, against the policy's geofence (the server judges it again).
      var unit = config.unit_position;
      if (unit && config.geofence_m) {
        var away = metresBetween(position.coords.latitude, position.coords.longitude, unit.lat, unit.lon);
        var outside = away > config.geofence_m;
        text.textContent += " · " + msg(outside ? "geoOutside" : "geoInside",
                                        { d: Math.round(away), limit: config.geofence_m });
        if (outside) { box.classList.remove("ok"); box.classList.add("warn"); }
      }
    }, function (error) {
      var reasons = { 1: msg("geoPermission"), 2: msg("geoUnavailable"), 3: msg("geoTimeout") };
      warn(reasons[error.code] || error.message);
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  })();

  // --- the on-site signature (现场签字) --------------------------------------------------------
  var signatureCard = document.getElementById("onsite-sign");
  var pad = document.getElementById("signature-pad");
  var signerInput = document.getElementById("signer-name");
  var inked = false;
  function signatureState(text, isError) {
    var state = document.getElementById("signature-state");
    if (!state) return;
    state.textContent = text || "";
    state.classList.toggle("error", Boolean(isError));
  }
  function setupPad() {
    var ratio = window.devicePixelRatio || 1;
    var box = pad.getBoundingClientRect();
    pad.width = Math.max(1, Math.round(box.width * ratio));
    pad.height = Math.max(1, Math.round(box.height * ratio));
    var ctx = pad.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    inked = false;
    return ctx;
  }
  if (signatureCard && pad && !preview) {
    var ctx = setupPad();
    var drawing = null;
    var point = function (event) {
      var box = pad.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    };
    pad.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      if (pad.setPointerCapture) pad.setPointerCapture(event.pointerId);
      drawing = point(event);
      ctx.beginPath();
      ctx.arc(drawing.x, drawing.y, 1.2, 0, 2 * Math.PI);
      ctx.fillStyle = "#111";
      ctx.fill();
      inked = true;
    });
    pad.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(drawing.x, drawing.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      drawing = next;
      inked = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      pad.addEventListener(name, function () { drawing = null; });
    });
    document.getElementById("signature-clear").addEventListener("click", function () {
      ctx = setupPad();
      signatureState("");
    });
    document.getElementById("signature-save").addEventListener("click", function () {
      var name = signerInput.value.trim();
      if (!name) { signatureState(msg("signerMissing"), true); signerInput.focus(); return; }
      if (!inked) { signatureState(msg("signatureEmpty"), true); return; }
      // A white background: the stored PNG reads the same wherever it is shown or printed.
      var flat = document.createElement("canvas");
      flat.width = pad.width;
      flat.height = pad.height;
      var flatCtx = flat.getContext("2d");
      flatCtx.fillStyle = "#fff";
      flatCtx.fillRect(0, 0, flat.width, flat.height);
      flatCtx.drawImage(pad, 0, 0);
      flat.toBlob(function (blob) {
        if (!blob) { signatureState(msg("signatureEmpty"), true); return; }
        var id = OB.newId();
        var signedAt = new Date().toISOString();
        var previous = record && record.signature ? record.signature.ref : null;
        OB.updatePhoto(id, function () {
          return { id: id, key: key, code: SIGNATURE, blob: blob,
                   meta: { captured_at: signedAt, device: deviceName() }, server_id: null, error: null };
        }).then(function () {
          unsentPhotos += 1;
          // A signature replaced before it reached the server is never sent.
          if (!previous) return undefined;
          return OB.photo(previous.slice(2)).then(function (old) {
            if (!old || old.server_id) return undefined;
            unsentPhotos = Math.max(0, unsentPhotos - 1);
            return OB.updatePhoto(old.id, function () { return null; });
          });
        }).then(function () {
          return change(function (r) {
            var before = r.signature || { rev: 0, sent: 0 };
            r.signature = { ref: "p:" + id, name: name, signed_at: signedAt, rev: before.rev + 1, sent: before.sent || 0 };
          });
        }).then(function () {
          signatureState(msg("signatureKept"));
          syncSoon();
        });
      }, "image/png");
    });
  }

  // --- submit ---------------------------------------------------------------------------------
  var submitButton = document.getElementById("submit");
  var missingBox = document.getElementById("missing");
  var missingList = document.getElementById("missing-list");
  var submitError = document.getElementById("submit-error");

  function showMissing(missing, missingPhotos) {
    cards.forEach(function (card) { card.el.classList.remove("missing"); });
    missingList.textContent = "";
    var entries = missing.map(function (code) { return [code, msg("missing")]; })
      .concat(missingPhotos.map(function (code) { return [code, msg("missingPhoto")]; }));
    entries.forEach(function (entry) {
      var card = byCode[entry[0]];
      if (card) card.el.classList.add("missing");
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "missing-link";
      button.dataset.code = entry[0];
      button.textContent = entry[0] + " " + (card ? card.text : "");
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = "· " + entry[1];
      button.appendChild(why);
      item.appendChild(button);
      missingList.appendChild(item);
    });
    document.getElementById("missing-title").textContent = msg("missingTitle", { n: entries.length });
    missingBox.hidden = entries.length === 0;
    if (entries.length) {
      missingBox.scrollIntoView({ behavior: "smooth", block: "center" });
      missingBox.focus({ preventScroll: true });
    }
  }

  missingList.addEventListener("click", function (event) {
    var link = event.target.closest(".missing-link");
    if (link) jumpTo(link.dataset.code);
  });

  submitButton.addEventListener("click", function () {
    var missing = cards.filter(function (c) { return c.counted && c.scorable && (c.value === null || c.value === ""); });
    var noPhoto = cards.filter(function (c) { return c.counted && c.canSave() && !c.isComplete(); });
    if (preview) {
      showMissing(missing.map(function (c) { return c.code; }), noPhoto.map(function (c) { return c.code; }));
      submitError.textContent = msg("previewSubmit");
      submitError.hidden = false;
      return;
    }
    submitError.hidden = true;
    if (startedOffline && (missing.length || noPhoto.length)) {
      // Started offline: the phone knows the standard, so it lists what is missing itself.
      showMissing(missing.map(function (c) { return c.code; }), noPhoto.map(function (c) { return c.code; }));
      return;
    }
    Promise.all(cards.map(function (card) { return card.flushTimer(); }))
      .then(function () { return flushPatch(); })
      .then(function () { return change(function (r) { r.submit = true; }); })
      .then(function () {
        submitError.textContent = msg("submitQueued");
        submitError.hidden = false;
        return sync();
      });
  });

  // --- start: the phone's copy over the page ---------------------------------------------------
  function restore(r) {
    var applyAll = startedOffline;
    return OB.photosOf(key).then(function (photos) {
      var byServer = {};
      photos.forEach(function (p) {
        photoUrls[p.id] = URL.createObjectURL(p.blob);
        if (p.server_id) byServer[p.server_id] = p.id;
        if (!p.server_id) unsentPhotos += 1;
        if (p.error) failedPhotos.push(p);
      });
      Object.keys(r.answers).forEach(function (code) {
        var card = byCode[code];
        var kept = r.answers[code];
        if (!card || (!applyAll && kept.rev <= kept.sent)) return;
        card.value = kept.value === "" && card.scorable ? null : kept.value;
        if (card.noteInput) {
          card.noteInput.value = kept.note || "";
          if (kept.note) card.noteInput.closest("details").open = true;
        }
        card.el.querySelectorAll(".thumb").forEach(function (figure) { figure.remove(); });
        card.photos = (kept.photos || []).slice();
        card.photos.forEach(function (ref) {
          if (typeof ref === "number") {
            var own = byServer[ref];
            var figure = thumb(card, own ? photoUrls[own] : config.download.replace("{id}", ref), ref);
            if (own) figure.classList.remove("queued");
          } else if (photoUrls[ref.slice(2)]) {
            thumb(card, photoUrls[ref.slice(2)], ref);
          }
        });
        if (kept.error) card.say(kept.error, true);
        card.render();
        card.refresh();
      });
      if (r.signature && signerInput) {
        signerInput.value = r.signature.name || "";
        signatureState(msg(r.signature.rev > (r.signature.sent || 0) ? "signatureKept" : "signatureSent"));
      }
      Object.keys(r.patch || {}).forEach(function (name) {
        var value = r.patch[name];
        var field = document.querySelector('.inspection-field[data-field="' + name + '"]');
        if (field) field.value = value;
        if (name === "figures" && value && typeof value === "object") {
          figureRows.textContent = "";
          Object.keys(value).forEach(function (k) { figureRow(k, value[k]); });
        }
      });
      updateProgress();
    });
  }

  function headOffline(r) {
    var unit = document.getElementById("offline-unit");
    if (unit) unit.textContent = r.unit_name || "";
    var when = document.getElementById("offline-when");
    if (when && r.create && r.create.performed_at) when.textContent = new Date(r.create.performed_at).toLocaleString();
    if (r.unit_name) document.title = r.unit_name + " · " + document.title;
  }

  // The sync panel's buttons.
  if (panel) {
    document.getElementById("sync-retry").addEventListener("click", function () {
      change(function (r) {
        r.failure = null;
        Object.keys(r.answers).forEach(function (code) { r.answers[code].error = null; });
      }).then(function () {
        return OB.photosOf(key).then(function (photos) {
          return Promise.all(photos.filter(function (p) { return p.error; }).map(function (p) {
            return OB.updatePhoto(p.id, function (q) { q.error = null; return q; });
          }));
        });
      }).then(function () { failedPhotos = []; return sync(); });
    });
    document.getElementById("sync-reason-send").addEventListener("click", function () {
      var reason = document.getElementById("sync-reason-text").value.trim();
      if (!reason) return;
      // The refused create made nothing: the same client id goes again, now with the reason.
      change(function (r) {
        r.create.location_reason = reason;
        r.failure = null;
      }).then(sync);
    });
    document.getElementById("sync-discard").addEventListener("click", function () {
      var target = serverId ? (detailUrl || config.detail).replace("{id}", serverId) : config.my_work;
      OB.forget(key).then(function () { window.location.assign(target); });
    });
  }

  if (preview) {
    updateProgress();
    markPending();
    return;
  }
  OB.record(key).then(function (r) {
    if (startedOffline && !r) {
      // Nothing on this phone for that address: the start page makes the record.
      document.getElementById("offline-missing").hidden = false;
      root.classList.add("no-record");
      return undefined;
    }
    record = r;
    if (!r) return undefined;
    if (r.server_id) serverId = r.server_id;
    if (startedOffline) headOffline(r);
    return restore(r);
  }).then(function () {
    renderSync();
    syncSoon(0);
  }).catch(function (error) {
    showSaveState("retry");
    submitError.textContent = String(error && error.message);
    submitError.hidden = false;
  });

  updateProgress();
  markPending();
})();
