/* The phone inspection screen (templates/inspections/run.html).
 *
 * Every answer is saved as it is given (PUT /api/v1/inspections/{id}/answers, text debounced),
 * photos are downscaled in the browser (long edge <= 1600 px, JPEG) before upload, and a refused
 * submit lists what is missing with a jump to each item. Answers not yet saved (offline, or
 * waiting for a value) are kept in localStorage so a reload loses nothing.
 * Strings come from data-msg-* attributes on #run (translated in the template); data from the
 * JSON block #run-config. No inline script: the CSP allows only this file.
 */
(function () {
  "use strict";

  var root = document.getElementById("run");
  if (!root) return;
  var config = JSON.parse(document.getElementById("run-config").textContent);

  var MAX_EDGE = 1600;
  var JPEG_QUALITY = 0.85;
  var TEXT_DELAY = 800;
  var NUMBER_DELAY = 500;
  var RETRY_DELAY = 4000;
  var storageKey = "dudao-inspection-" + config.inspection;
  // A template's preview is this same screen with nothing sent: answers, photos and notes stay in
  // the page, and "submit" only shows what an inspector would still have to do.
  var preview = Boolean(config.preview);

  // --- helpers -----------------------------------------------------------------------------
  function msg(name, values) {
    var key = "msg" + name.charAt(0).toUpperCase() + name.slice(1);
    var text = root.dataset[key] || name;
    Object.keys(values || {}).forEach(function (k) {
      text = text.split("{" + k + "}").join(String(values[k]));
    });
    return text;
  }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
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
    return fetch(url, options);
  }

  function readJson(response) {
    return response.json().catch(function () { return {}; });
  }

  function parseNumber(text) {
    if (text === null || text === undefined || String(text).trim() === "") return null;
    var value = Number(String(text).trim());
    return isFinite(value) ? value : null;
  }

  function readLocal() {
    if (preview) return {};
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "{}"); } catch (e) { return {}; }
  }

  function writeLocal(data) {
    if (preview) return;
    try {
      if (Object.keys(data).length) window.localStorage.setItem(storageKey, JSON.stringify(data));
      else window.localStorage.removeItem(storageKey);
    } catch (e) { /* private mode: the server copy is all there is */ }
  }

  // --- the save state shown in the sticky bar ------------------------------------------------
  var saveState = document.getElementById("save-state");
  function showSaveState(kind) {
    var texts = { saving: msg("saving"), saved: msg("saved"), retry: msg("saveFailed"), refused: msg("refused") };
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

  Card.prototype.payload = function () {
    return { item_code: this.code, value: this.value === null ? "" : this.value, note: this.note(),
             attachment_ids: this.photos.slice() };
  };

  Card.prototype.local = function () {
    return { value: this.value, note: this.note(), photos: this.photos.slice() };
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

  /* Show `value` in the card's controls (used on load from localStorage and on every change). */
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

  /* Queue a save after `delay` ms (0: now); a later change restarts the wait. */
  Card.prototype.changed = function (delay) {
    var card = this;
    remember(card);
    clearTimeout(card.timer);
    if (delay) {
      card.timer = setTimeout(function () { card.timer = null; enqueue(card); }, delay);
    } else {
      card.timer = null;
      enqueue(card);
    }
    markPending();
  };

  Card.prototype.flushTimer = function () {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      enqueue(this);
    }
  };

  var cards = Array.prototype.map.call(root.querySelectorAll(".item-card"), function (el) { return new Card(el); });
  var byCode = {};
  cards.forEach(function (card) { byCode[card.code] = card; });

  /* How many saves are still to happen (waiting, in flight, uploading); tests and people can
     tell from data-pending="0" on #run that everything given is on the server. */
  function markPending() {
    var waiting = cards.filter(function (c) { return c.timer; }).length;
    root.dataset.pending = String(dirty.size + waiting + (saving ? 1 : 0) + uploads.size +
      (patchTimer ? 1 : 0) + (patchBusy ? 1 : 0));
  }

  function updateProgress() {
    var counted = cards.filter(function (c) { return c.counted; });
    var done = counted.filter(function (c) { return c.isComplete(); }).length;
    document.getElementById("progress-answered").textContent = done;
    document.getElementById("progress-total").textContent = counted.length;
    var bar = document.getElementById("progress-bar");
    bar.max = Math.max(counted.length, 1);
    bar.value = done;
  }

  // --- saving ---------------------------------------------------------------------------------
  var dirty = new Set();
  var saving = null;
  var retryTimer = null;
  var uploads = new Set();
  var patchTimer = null;
  var patchBusy = false;

  function remember(card) {
    var data = readLocal();
    data[card.code] = card.local();
    writeLocal(data);
  }

  function forget(batch) {
    var data = readLocal();
    batch.forEach(function (card) {
      if (!dirty.has(card) && !card.timer) delete data[card.code];
    });
    writeLocal(data);
  }

  function enqueue(card) {
    if (!card.canSave()) {
      // Scored items need an answer before a note or photo can be stored with them.
      card.say(msg("answerFirst"));
      return;
    }
    card.say("");
    if (preview) return;
    dirty.add(card);
    flush();
    markPending();
  }

  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, RETRY_DELAY);
  }

  /* Send every dirty card in one PUT; one request at a time, in order. Resolves when nothing
     more can be sent now (all saved, refused, or waiting for a retry). */
  function flush() {
    if (saving) return saving.then(function () { return dirty.size ? flush() : undefined; });
    if (!dirty.size) return Promise.resolve();
    var batch = Array.from(dirty);
    dirty.clear();
    showSaveState("saving");
    saving = save(batch).then(function (again) {
      saving = null;
      markPending();
      if (again && dirty.size) return flush();
      return undefined;
    });
    markPending();
    return saving;
  }

  function save(batch) {
    return api("PUT", config.answers, batch.map(function (c) { return c.payload(); }))
      .then(function (response) {
        if (response.ok) {
          batch.forEach(function (card) { card.el.dataset.answered = "1"; });
          forget(batch);
          showSaveState(dirty.size ? "saving" : "saved");
          return true;
        }
        if (response.status === 409) {
          // Submitted meanwhile (another tab or device): the detail shows what was kept.
          window.location.assign(config.detail);
          return false;
        }
        return readJson(response).then(function (body) {
          if (response.status !== 422) {
            batch.forEach(function (card) { dirty.add(card); });
            showSaveState("retry");
            retryLater();
            return false;
          }
          var fields = (body.detail && body.detail.fields) || {};
          var refused = new Set();
          Object.keys(fields).forEach(function (key) {
            var part = key.split(".")[1];
            var card = /^\d+$/.test(part) ? batch[Number(part)] : byCode[part];
            if (card) {
              refused.add(card);
              card.say(fields[key][0], true);
            }
          });
          if (!refused.size) batch.forEach(function (card) { refused.add(card); card.say(body.message, true); });
          // The call is all or nothing: send the others again without the refused ones.
          batch.forEach(function (card) { if (!refused.has(card)) dirty.add(card); });
          showSaveState("refused");
          return true;
        });
      })
      .catch(function () {
        batch.forEach(function (card) { dirty.add(card); });
        showSaveState("retry");
        retryLater();
        return false;
      });
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

  function thumb(card, src, id) {
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
    if (id) {
      figure.dataset.id = id;
      link.href = preview ? src : config.download.replace("{id}", id);
    }
    card.el.querySelector(".thumbs").appendChild(figure);
    return figure;
  }

  var previewPhotos = 0;

  function upload(card, file) {
    var local = URL.createObjectURL(file);
    if (preview) {
      // Shown, counted for completeness, never uploaded.
      previewPhotos -= 1;
      thumb(card, local, previewPhotos);
      card.photos.push(previewPhotos);
      card.refresh();
      return Promise.resolve();
    }
    var figure = thumb(card, local, null);
    figure.classList.add("uploading");
    card.say(msg("uploading"));
    var job = downscale(file).then(function (blob) {
      URL.revokeObjectURL(local);
      var smaller = URL.createObjectURL(blob);
      figure.querySelector("img").src = smaller;
      var form = new FormData();
      form.append("file", blob, "photo-" + card.code + ".jpg");
      if (config.unit_id) form.append("unit_id", String(config.unit_id));  // none: a granted visit's unit
      return api("POST", config.attachments, form).then(function (response) {
        return readJson(response).then(function (body) {
          if (!response.ok || !body.id) throw new Error(body.message || String(response.status));
          figure.dataset.id = body.id;
          figure.classList.remove("uploading");
          figure.querySelector("a").href = config.download.replace("{id}", body.id);
          card.photos.push(body.id);
          card.say("");
          card.refresh();
          card.changed(0);
        });
      });
    }).catch(function (error) {
      figure.remove();
      card.say(msg("uploadFailed") + (error && error.message ? "(" + error.message + ")" : ""), true);
    });
    uploads.add(job);
    markPending();
    job.then(function () { uploads.delete(job); markPending(); });
    return job;
  }

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
      Array.prototype.forEach.call(file.files, function (chosen) { upload(card, chosen); });
      file.value = "";
    });
    el.querySelector(".thumbs").addEventListener("click", function (event) {
      var remove = event.target.closest(".thumb-remove");
      if (!remove) return;
      var figure = remove.closest(".thumb");
      var id = Number(figure.dataset.id);
      if (!id) return;
      card.photos = card.photos.filter(function (p) { return p !== id; });
      figure.remove();
      card.refresh();
      card.changed(0);
    });
  });

  // Answers given but not yet saved when the page was left: put them back and send them.
  (function restore() {
    var data = readLocal();
    Object.keys(data).forEach(function (code) {
      var card = byCode[code];
      var kept = data[code];
      if (!card) return;
      card.value = kept.value;
      if (card.noteInput) {
        card.noteInput.value = kept.note || "";
        if (kept.note) card.noteInput.closest("details").open = true;
      }
      var known = new Set(card.photos);
      (kept.photos || []).forEach(function (id) {
        if (!known.has(id)) thumb(card, config.download.replace("{id}", id), id);
      });
      card.photos = (kept.photos || []).slice();
      card.el.querySelectorAll(".thumb[data-id]").forEach(function (figure) {
        if (card.photos.indexOf(Number(figure.dataset.id)) < 0) figure.remove();
      });
      card.render();
      card.refresh();
      if (card.canSave()) enqueue(card);
    });
    updateProgress();
  })();

  // --- notes and figures on the inspection itself --------------------------------------------
  var patchPending = {};
  var patching = Promise.resolve();

  function patchLater(fields, delay) {
    if (preview) return;
    Object.assign(patchPending, fields);
    clearTimeout(patchTimer);
    patchTimer = setTimeout(sendPatch, delay);
    markPending();
  }

  function sendPatch() {
    clearTimeout(patchTimer);
    patchTimer = null;
    var body = patchPending;
    patchPending = {};
    if (!Object.keys(body).length) return patching;
    patchBusy = true;
    markPending();
    patching = patching.then(function () {
      showSaveState("saving");
      return api("PATCH", config.inspection, body).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        showSaveState("saved");
      }).catch(function () {
        Object.keys(body).forEach(function (k) { if (!(k in patchPending)) patchPending[k] = body[k]; });
        showSaveState("retry");
        patchTimer = setTimeout(sendPatch, RETRY_DELAY);
      });
    }).then(function () {
      patchBusy = false;
      markPending();
    });
    return patching;
  }

  document.querySelectorAll(".inspection-field").forEach(function (field) {
    field.addEventListener("input", function () {
      var change = {};
      change[field.dataset.field] = field.value;
      patchLater(change, TEXT_DELAY);
    });
    field.addEventListener("blur", function () { if (patchTimer) sendPatch(); });
  });

  var figureRows = document.getElementById("figure-rows");
  function figures() {
    var result = {};
    figureRows.querySelectorAll(".figure-row").forEach(function (row) {
      var key = row.querySelector(".figure-key").value.trim();
      var raw = row.querySelector(".figure-value").value.trim();
      if (!key) return;
      var number = parseNumber(raw);
      result[key] = number !== null && /^-?\d+(\.\d+)?$/.test(raw) ? number : raw;
    });
    return result;
  }
  figureRows.addEventListener("input", function () { patchLater({ figures: figures() }, TEXT_DELAY); });
  figureRows.addEventListener("click", function (event) {
    var remove = event.target.closest(".figure-remove");
    if (!remove) return;
    remove.closest(".figure-row").remove();
    patchLater({ figures: figures() }, 0);
  });
  document.getElementById("figure-add").addEventListener("click", function () {
    var row = document.getElementById("figure-row-template").content.firstElementChild.cloneNode(true);
    figureRows.appendChild(row);
    row.querySelector(".figure-key").focus();
  });

  // --- geolocation ----------------------------------------------------------------------------
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
      var accuracy = Math.round(position.coords.accuracy * 10) / 10;
      api("PATCH", config.inspection, {
        latitude: position.coords.latitude.toFixed(6),
        longitude: position.coords.longitude.toFixed(6),
        location_accuracy_m: accuracy,
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        box.classList.remove("warn");
        box.classList.add("ok");
        text.textContent = msg("geoOk", { m: Math.round(accuracy) });
      }).catch(function (error) { warn(error.message); });
    }, function (error) {
      var reasons = { 1: msg("geoPermission"), 2: msg("geoUnavailable"), 3: msg("geoTimeout") };
      warn(reasons[error.code] || error.message);
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  })();

  // --- submit ---------------------------------------------------------------------------------
  var submitButton = document.getElementById("submit");
  var missingBox = document.getElementById("missing");
  var missingList = document.getElementById("missing-list");
  var submitError = document.getElementById("submit-error");

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

  /* Everything typed or uploaded is on the server before submit asks it to score. */
  function settle() {
    cards.forEach(function (card) { card.flushTimer(); });
    return Promise.all(Array.from(uploads)).then(function () {
      if (patchTimer) sendPatch();
      return Promise.all([flush(), patching]);
    });
  }

  submitButton.addEventListener("click", function () {
    if (preview) {
      var missing = cards.filter(function (c) { return c.counted && c.scorable && (c.value === null || c.value === ""); });
      var noPhoto = cards.filter(function (c) { return c.counted && c.canSave() && !c.isComplete(); });
      showMissing(missing.map(function (c) { return c.code; }), noPhoto.map(function (c) { return c.code; }));
      submitError.textContent = msg("previewSubmit");
      submitError.hidden = false;
      return;
    }
    var label = submitButton.textContent;
    submitButton.disabled = true;
    submitButton.textContent = msg("submitting");
    submitError.hidden = true;
    settle().then(function () {
      if (dirty.size) throw new Error(msg("unsaved"));
      return api("POST", config.submit);
    }).then(function (response) {
      if (response.ok || response.status === 409) {
        writeLocal({});
        window.location.assign(config.detail);
        return;
      }
      return readJson(response).then(function (body) {
        var detail = body.detail || {};
        if (response.status === 422 && (detail.missing || detail.missing_photos)) {
          showMissing(detail.missing || [], detail.missing_photos || []);
        } else {
          submitError.textContent = msg("submitFailed") + (body.message || response.status);
          submitError.hidden = false;
        }
      });
    }).catch(function (error) {
      submitError.textContent = msg("submitFailed") + (error && error.message ? error.message : "");
      submitError.hidden = false;
    }).then(function () {
      submitButton.disabled = false;
      submitButton.textContent = label;
    });
  });

  window.addEventListener("beforeunload", function () {
    cards.forEach(function (card) { if (card.timer) remember(card); });
  });

  updateProgress();
  markPending();
})();
