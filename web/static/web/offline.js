/* The patient's pages as an app: registers the service worker (sw.js); keeps a log sent
   while the phone is offline (offline-queue.js), says so on the page, and sends it when the
   connection is back (the online event, the next page load, Background Sync); shows a log
   the server refused (a program since paused or ended) until the person dismisses it; and
   forgets every kept page and log at sign-out or when someone else signs in on this phone.
   Without JavaScript (or IndexedDB) the log form posts as it always did. The words it shows
   are the page's, translated, on its <script> tag (data-*). */
(function () {
  "use strict";
  var script = document.currentScript;
  var queue = window.gradusQueue;
  if (!script || !queue || !window.indexedDB) return;
  var words = script.dataset;
  var owner = words.owner || "";
  var OWNER_KEY = "gradus-owner";
  var PAGE_CACHE = "gradus-pages";
  var SYNC_TAG = "gradus-logs";

  function forget() {
    var forgotten = [queue.clear()];
    if (window.caches) forgotten.push(caches.delete(PAGE_CACHE));
    return Promise.all(forgotten).catch(function () {});
  }

  // Someone else signed in on this phone: nothing of the last person's stays.
  var ready = Promise.resolve();
  try {
    var last = localStorage.getItem(OWNER_KEY);
    if (last !== owner) {
      if (last !== null) ready = forget();
      localStorage.setItem(OWNER_KEY, owner);
    }
  } catch (error) {
    ready = forget();
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.sign-out"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      try { localStorage.removeItem(OWNER_KEY); } catch (error) { /* private mode */ }
      forget().then(function () { form.submit(); });
    });
  });

  if ("serviceWorker" in navigator && words.worker) {
    navigator.serviceWorker.register(words.worker, { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "gradus-sent") show([]);
    });
  }

  // -- Showing what is kept -----------------------------------------------------------------

  // On the page only while there is something to say, so it is no empty status region.
  var region = document.createElement("div");
  region.className = "offline-queue";
  region.setAttribute("role", "status");
  var main = document.getElementById("main");

  function notice(kind, heading, text) {
    var box = document.createElement("div");
    box.className = "notice " + kind;
    if (heading) {
      var title = document.createElement("p");
      title.className = "offline-title";
      title.textContent = heading;
      box.appendChild(title);
    }
    var body = document.createElement("p");
    body.textContent = text;
    box.appendChild(body);
    return box;
  }

  // ``sent``: answers just given to logs sent from this page, to say they arrived.
  function show(sent) {
    return queue.all().then(function (entries) {
      region.textContent = "";
      sent.forEach(function (item) {
        region.appendChild(notice("good", item.entry.label, item.answer.message));
      });
      entries.filter(function (entry) { return entry.owner === owner; }).forEach(function (entry) {
        if (entry.state === "refused") {
          var box = notice("bad", entry.label, entry.message + " " + words.notSent);
          var dismiss = document.createElement("button");
          dismiss.type = "button";
          dismiss.textContent = words.dismiss;
          dismiss.addEventListener("click", function () {
            queue.remove(entry.key).then(function () { return show([]); });
          });
          box.appendChild(dismiss);
          region.appendChild(box);
        } else {
          region.appendChild(notice("warn", entry.label, words.saved));
        }
      });
      if (!region.firstChild) region.remove();
      else if (!region.isConnected && main) main.insertBefore(region, main.firstChild);
    });
  }

  // -- Keeping and sending ------------------------------------------------------------------

  function sendKept() {
    if (!navigator.onLine) return show([]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return queue.sendAll(owner, field ? field.value : null).then(function (result) { return show(result.answers); });
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () {});
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-offline-log]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;  // sent as a form, as without JavaScript
      var data = new FormData(form, event.submitter || undefined);
      var key = data.get("submission");
      if (!key) return;
      event.preventDefault();
      var entry = {
        key: key,
        action: form.action,
        body: Array.from(data.entries()),
        owner: owner,
        label: form.dataset.offlineLog,
        state: "waiting",
        message: "",
        savedAt: Date.now(),
      };
      queue.put(entry).then(function () {
        return show([]);
      }).then(function () {
        region.scrollIntoView({ block: "start" });
        askForSync();
      });
    });
  });

  window.addEventListener("online", sendKept);
  ready.then(sendKept);
})();
