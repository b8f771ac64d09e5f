// Push notifications on this device (reminder settings). Without JavaScript, or in a
// browser without Web Push, the page says so and lists the devices as plain forms.
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box) return;
  var button = box.querySelector("[data-push-subscribe]");
  var status = box.querySelector("[data-push-status]");
  if (
    !button ||
    !("serviceWorker" in navigator) ||
    !("PushManager" in window) ||
    !("Notification" in window)
  ) {
    return;
  }
  box.querySelector("[data-push-missing]").hidden = true;
  box.querySelector("[data-push-offer]").hidden = false;

  function keyBytes(base64url) {
    var base64 = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // The app's own worker when it controls this page (it imports push-sw.js); else the
  // push worker on its own.
  function registration() {
    return navigator.serviceWorker.getRegistration().then(function (found) {
      if (found) return found;
      return navigator.serviceWorker.register(button.dataset.worker);
    });
  }

  function ready(reg) {
    if (reg.active) return Promise.resolve(reg);
    return new Promise(function (resolve) {
      var worker = reg.installing || reg.waiting;
      worker.addEventListener("statechange", function () {
        if (worker.state === "activated") resolve(reg);
      });
    });
  }

  function say(text) {
    status.textContent = text;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") throw new Error("blocked");
        return registration().then(ready);
      })
      .then(function (reg) {
        return reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(button.dataset.key),
        });
      })
      .then(function (subscription) {
        return fetch(button.dataset.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(subscription.toJSON()),
        });
      })
      .then(function (response) {
        if (!response.ok) throw new Error("refused");
        window.location.reload();
      })
      .catch(function (error) {
        say(error.message === "blocked" ? status.dataset.blocked : status.dataset.failed);
        button.disabled = false;
      });
  });

  // Turning off this device also ends its subscription in the browser.
  box.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-push-device]");
    if (!form) return;
    event.preventDefault();
    navigator.serviceWorker
      .getRegistrations()
      .then(function (regs) {
        return Promise.all(
          regs.map(function (reg) {
            return reg.pushManager.getSubscription().then(function (subscription) {
              if (subscription && subscription.endpoint === form.dataset.pushDevice) {
                return subscription.unsubscribe();
              }
              return false;
            });
          }),
        );
      })
      .catch(function () {
        return false;
      })
      .then(function () {
        form.submit();
      });
  });
})();
