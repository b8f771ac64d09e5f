// Push reminders in the service worker: the app's worker loads this with importScripts,
// and the reminder settings register it on its own where no app worker controls the page.
// The payload (reminders/messages.py push_payload) is JSON: title, body, url, tag.
self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "gradus", {
      body: data.body || "",
      tag: data.tag || undefined,
      data: { url: data.url || "/" },
    }),
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (new URL(windows[i].url).origin === url.origin && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(url.href);
    }),
  );
});
