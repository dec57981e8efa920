/* The phone's own store for inspections (IndexedDB "dudao-offline"), read by run.js, start.js and
 * offline.js. It keeps what a supervisor gave until the server has it, so a reload, a closed browser
 * or a missing network loses nothing.
 *
 * "inspections": one record per inspection, keyed "c:<client id>" (started on this phone, maybe not
 *   yet on the server) or "s:<server id>" (opened from the server):
 *   {key, client_id, server_id, template_id, unit_id, unit_name, template_name, create (the POST
 *    body, sent as is on every retry), answers: {code: {value, note, photos, rev, sent}}, patch,
 *    signature, submit, failure, conflict, updated}
 *   An answer is waiting while rev > sent; photos are attachment ids or "p:<photo client id>".
 *   signature (the on-site 现场签字): {ref: "p:<photo client id>", name, signed_at, rev, sent}.
 * "photos": one record per photo taken here: {id, key, code, blob, meta, server_id, error}; the
 *   signature's PNG is one of them, with code "_signature".
 */
(function () {
  "use strict";
  var DB_NAME = "dudao-offline";
  var opening = null;

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("inspections")) db.createObjectStore("inspections", { keyPath: "key" });
        if (!db.objectStoreNames.contains("photos")) {
          db.createObjectStore("photos", { keyPath: "id" }).createIndex("key", "key");
        }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return opening;
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
        work(tx.objectStore(storeName), function (value) { result = value; });
      });
    });
  }

  function get(storeName, key) {
    return run(storeName, "readonly", function (store, done) {
      store.get(key).onsuccess = function (event) { done(event.target.result); };
    });
  }

  /* Read, change and write one record in a single transaction: `change(record or undefined)`
     returns the new record, or null to delete it (undefined: leave it). */
  function update(storeName, key, change) {
    return run(storeName, "readwrite", function (store, done) {
      store.get(key).onsuccess = function (event) {
        var next = change(event.target.result);
        if (next === null) store.delete(key);
        else if (next !== undefined) store.put(next);
        done(next === undefined ? event.target.result : next);
      };
    });
  }

  function all(storeName, indexName, value) {
    return run(storeName, "readonly", function (store, done) {
      var source = indexName ? store.index(indexName) : store;
      var request = indexName ? source.getAll(value) : source.getAll();
      request.onsuccess = function (event) { done(event.target.result); };
    });
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function blank(key) {
    return { key: key, client_id: "", server_id: null, answers: {}, patch: {}, submit: false,
             failure: null, conflict: null, created: Date.now(), updated: Date.now() };
  }

  /* Run `work` alone across every tab of this browser (Web Locks), or just run it. */
  function exclusive(name, work) {
    if (navigator.locks && navigator.locks.request) return navigator.locks.request(name, work);
    return work();
  }

  window.DudaoOutbox = {
    open: open,
    newId: newId,
    blank: blank,
    exclusive: exclusive,
    record: function (key) { return get("inspections", key); },
    records: function () { return all("inspections"); },
    update: function (key, change) { return update("inspections", key, change); },
    photo: function (id) { return get("photos", id); },
    photosOf: function (key) { return all("photos", "key", key); },
    updatePhoto: function (id, change) { return update("photos", id, change); },
    forget: function (key) {
      return all("photos", "key", key).then(function (photos) {
        return run("photos", "readwrite", function (store) {
          photos.forEach(function (photo) { store.delete(photo.id); });
        });
      }).then(function () { return update("inspections", key, function () { return null; }); });
    },
  };
})();
