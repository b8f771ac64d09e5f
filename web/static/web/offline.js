/* The patient's pages as an app: registers the service worker (sw.js); keeps what a form
   sends while the phone is offline (offline-queue.js), says so on the page, and sends it
   when the connection is back (the online event, the next page load, Background Sync);
   shows what the server refused (a program since paused or ended, a check-in too old)
   until the person dismisses it; and forgets every kept page and post at sign-out or when
   someone else signs in on this phone. Without JavaScript (or IndexedDB) every form posts
   as it always did. The words it shows are the page's, translated, on its <script> tag
   (data-*), and each form says what it does with data attributes:
   - data-offline-log="label": kept offline, and shown with this label. The form carries its
     one-time key (the hidden "submission" field), which the server saves once.
   - data-offline-new: each send is a new record (the check-in), not a change to one. The
     page the worker kept shows the key of its form as it was then, so the form gets a key
     made here when the page opens offline or its key is already kept on the phone.
   - data-offline-kept="id": once the form is kept, it is hidden and the element with this
     id shown; inside it, an element with data-if-sent="name=value ..." only when the kept
     form sent one of those (the help a red flag needs cannot wait for the connection). */
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
      if (!event.data || event.data.type !== "gradus-sent") return;
      show((event.data.answers || []).filter(function (item) { return item.entry.owner === owner; }));
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

  // ``sent``: answers just given to what this page (or the worker) sent, to say it arrived;
  // said until the page is left, whoever sends next.
  var arrived = [];
  function show(sent) {
    arrived = arrived.concat(sent);
    return queue.all().then(function (entries) {
      region.textContent = "";
      arrived.forEach(function (item) {
        var box = notice("good", item.entry.label, item.answer.message);
        if (item.answer.url) {
          var onward = document.createElement("p");
          var link = document.createElement("a");
          link.href = item.answer.url;
          link.textContent = item.answer.link || item.answer.url;
          onward.appendChild(link);
          box.appendChild(onward);
        }
        region.appendChild(box);
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

  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-offline-log]"));

  function keyField(form) {
    return form.querySelector("input[name=submission]");
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (byte) {
      return (byte < 16 ? "0" : "") + byte.toString(16);
    }).join("");
  }

  // data-offline-new: a form that can only be this page's copy from the worker (offline: at
  // once), or whose key is kept already (once the queue is read), gets a key of its own.
  var renewed = forms.filter(function (form) { return "offlineNew" in form.dataset && keyField(form); });
  if (!navigator.onLine) renewed.forEach(function (form) { keyField(form).value = newKey(); });

  function renewKeys() {
    if (!renewed.length) return null;
    return queue.all().then(function (entries) {
      renewed.forEach(function (form) {
        var field = keyField(form);
        if (entries.some(function (entry) { return entry.key === field.value; })) {
          field.value = newKey();
        }
      });
    }).catch(function () {});
  }

  function sentOneOf(data, pairs) {
    return pairs.split(" ").some(function (pair) {
      var at = pair.indexOf("=");
      return at > 0 && data.getAll(pair.slice(0, at)).indexOf(pair.slice(at + 1)) !== -1;
    });
  }

  // data-offline-kept: what takes the form's place once it is kept.
  function showKept(form, data) {
    if ("offlineNew" in form.dataset && keyField(form)) keyField(form).value = newKey();
    var after = form.dataset.offlineKept && document.getElementById(form.dataset.offlineKept);
    if (!after) return;
    Array.prototype.forEach.call(after.querySelectorAll("[data-if-sent]"), function (part) {
      part.hidden = !sentOneOf(data, part.dataset.ifSent);
    });
    form.hidden = true;
    after.hidden = false;
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;  // sent as a form, as without JavaScript
      var data = new FormData(form, event.submitter || undefined);
      var key = data.get("submission");
      if (!key) return;
      event.preventDefault();
      if (form.dataset.offlineKeeping) return;  // a second tap while the first is kept
      form.dataset.offlineKeeping = "1";
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
        showKept(form, data);
        return show([]);
      }).then(function () {
        region.scrollIntoView({ block: "start" });
        askForSync();
      }).finally(function () {
        delete form.dataset.offlineKeeping;
      });
    });
  });

  window.addEventListener("online", sendKept);
  ready.then(renewKeys).then(sendKept);
})();
