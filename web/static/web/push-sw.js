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

// A tap opens the page the notification is about (a nudge: today's page; a check-in
// reminder: the check-in). A window of ours already on that page is brought forward; else
// one of ours is brought forward and sent there; else a new one opens. Only our own pages:
// a URL of another site opens home instead.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var origin = self.location.origin;
  var target = new URL((event.notification.data && event.notification.data.url) || "/", origin);
  if (target.origin !== origin) {
    target = new URL("/", origin);
  }
  function openNew() {
    return self.clients.openWindow(target.href);
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      var ours = windows.filter(function (client) {
        return new URL(client.url).origin === origin && "focus" in client;
      });
      for (var i = 0; i < ours.length; i += 1) {
        if (ours[i].url === target.href) {
          return ours[i].focus();
        }
      }
      if (!ours.length || !("navigate" in ours[0])) {
        return openNew();
      }
      // Focus first, while the tap still allows it; navigate() refuses a window this worker
      // does not control, and then a new window opens instead.
      return ours[0]
        .focus()
        .then(function (client) {
          return client.navigate(target.href);
        })
        .then(function (client) {
          return client || openNew();
        })
        .catch(openNew);
    }),
  );
});
