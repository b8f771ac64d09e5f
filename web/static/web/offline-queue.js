/* The logs kept on this phone while it was offline, in IndexedDB: shared by the patient's
   pages (offline.js), which keep them, and the service worker (sw.js), which sends them with
   Background Sync. Each log keeps its form's one-time key (the hidden "submission" field): the
   server saves a key once, so a log sent twice (a reload, the page and the worker at once) is
   one log. It is sent with the moment it was kept (kept_at, milliseconds by this phone's
   clock), which dates a kept check-in. Check-ins and guided bouts are kept the same way. */
(function (scope) {
  "use strict";
  var DATABASE = "gradus-offline";
  var STORE = "logs";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          database.close();
          resolve(request.result);
        };
        transaction.onerror = function () {
          database.close();
          reject(transaction.error);
        };
      });
    });
  }

  var queue = {
    all: function () { return run("readonly", function (store) { return store.getAll(); }); },
    put: function (entry) { return run("readwrite", function (store) { return store.put(entry); }); },
    remove: function (key) { return run("readwrite", function (store) { return store.delete(key); }); },
    clear: function () { return run("readwrite", function (store) { return store.clear(); }); },

    // Send one kept log. Resolves to the server's answer ({result, message}), or null when
    // the server could not be reached or did not answer as the log page does (offline,
    // signed out): the log then stays, waiting, for the next try. ``token`` is the CSRF
    // token of now, when the sender has one: the one kept with the log is refused once the
    // person has signed in again.
    send: async function (entry, token) {
      var body = new URLSearchParams(entry.body);
      if (token) body.set("csrfmiddlewaretoken", token);
      // When it was kept, by this phone's clock: a check-in is dated that day.
      if (entry.savedAt) body.set("kept_at", String(entry.savedAt));
      var response;
      try {
        response = await fetch(entry.action, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-Gradus-Queued": "1" },
          redirect: "manual",
        });
      } catch (error) {
        return null;
      }
      if ((response.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
        return null;
      }
      var answer;
      try {
        answer = await response.json();
      } catch (error) {
        return null;
      }
      if (answer.result === "saved" || answer.result === "repeated") {
        await queue.remove(entry.key);
      } else if (answer.result === "refused" || answer.result === "invalid") {
        // Kept until the person has read why, then dismissed (offline.js).
        entry.state = "refused";
        entry.message = answer.message;
        await queue.put(entry);
      } else {
        return null;
      }
      return answer;
    },

    // Send every waiting log (of ``owner`` when given, with ``token``), one at a time and one sender at a
    // time across the pages and the worker. Resolves to the answers, and whether any log
    // is still waiting.
    sendAll: function (owner, token) {
      async function work() {
        var answers = [];
        var waiting = false;
        // In the order they were kept, so a later save of the same thing comes last.
        var entries = (await queue.all()).sort(function (a, b) { return a.savedAt - b.savedAt; });
        for (var index = 0; index < entries.length; index += 1) {
          var entry = entries[index];
          if (entry.state !== "waiting" || (owner && entry.owner !== owner)) continue;
          var answer = waiting ? null : await queue.send(entry, token);
          if (answer === null) waiting = true;
          else answers.push({ entry: entry, answer: answer });
        }
        return { answers: answers, waiting: waiting };
      }
      var locks = scope.navigator && scope.navigator.locks;
      return locks ? locks.request("gradus-send", work) : work();
    },
  };

  scope.gradusQueue = queue;
})(self);
