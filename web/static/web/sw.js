/* gradus's service worker. Today's page, the week's and the check-in form are fetched from the
   network first and kept, so they open offline; static files come from the cache (their names are versioned);
   logs kept on the phone while it was offline are sent when the connection is back
   (Background Sync, where the browser has it). Its settings, self.GRADUS, are written above
   this comment by web/installable.py. Nothing here keeps a page across a sign-out: a page
   that redirects (to the sign-in page) drops every kept page, and the pages drop them at
   sign-out (offline.js). */
"use strict";
importScripts(self.GRADUS.queue, self.GRADUS.push);

var STATIC_CACHE = "gradus-static-" + self.GRADUS.version;
var PAGE_CACHE = "gradus-pages";
var KEPT_PAGES = /^\/p\/\d+\/(today|week)\/$/;
var CHECK_IN = /^\/p\/\d+\/check-in\/$/;
var VERSIONED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;
var SYNC_TAG = "gradus-logs";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) { return cache.addAll(self.GRADUS.precache); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("gradus-static-") === 0 && name !== STATIC_CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(self.GRADUS.staticPrefix) === 0) {
    event.respondWith(staticFile(request, url));
  } else if (request.mode === "navigate" && KEPT_PAGES.test(url.pathname)) {
    event.respondWith(keptPage(request, null, true));
  } else if (request.mode === "navigate" && CHECK_IN.test(url.pathname)) {
    event.respondWith(keptCheckIn(request, url));
  } else if (request.mode === "navigate" && url.pathname === "/") {
    // The installed app opens at the start page, which sends the person on to today's:
    // offline, the kept today page is where it would have gone.
    event.respondWith(fetch(request).catch(function (error) {
      return keptToday().then(function (kept) { if (kept) return kept; throw error; });
    }));
  }
});

async function keptToday() {
  var cache = await caches.open(PAGE_CACHE);
  var requests = await cache.keys();
  var today = requests.filter(function (kept) {
    return /\/today\/$/.test(new URL(kept.url).pathname);
  });
  return today.length ? cache.match(today[today.length - 1]) : undefined;
}

async function staticFile(request, url) {
  var cache = await caches.open(STATIC_CACHE);
  var kept = await cache.match(request);
  if (kept) return kept;
  var response = await fetch(request);
  if (response.ok && VERSIONED.test(url.pathname)) await cache.put(request, response.clone());
  return response;
}

// ``address``: what the copy is kept under (the request's own address when not given);
// ``signOutOnRedirect``: whether a redirect means signed out (or someone else's page).
async function keptPage(request, address, signOutOnRedirect) {
  var cache = await caches.open(PAGE_CACHE);
  var kept = address || request;
  var response;
  try {
    response = await fetch(request);
  } catch (error) {
    var copy = await cache.match(kept);
    if (copy) return copy;
    throw error;
  }
  if (response.status === 200 && response.type === "basic" && !response.redirected) {
    await cache.put(kept, response.clone());
  } else if (signOutOnRedirect && (response.type === "opaqueredirect" || response.redirected)) {
    // Signed out (or someone else's page): keep nothing of anyone's.
    await caches.delete(PAGE_CACHE);
  }
  return response;
}

// The check-in form's address carries its one-time key (?form=...); without one, the server
// sends the browser on to a new key, and only a form's own address sends nobody on but the
// signed-out. One copy is kept per patient, under the address without the key, and answers
// offline for the form with any key (offline.js then gives the form a key of its own, so a
// check-in made from it is never taken for the one kept before).
function keptCheckIn(request, url) {
  return keptPage(request, url.origin + url.pathname, Boolean(url.search));
}

async function csrfToken() {
  // The CSRF cookie (Django's secret, which its check accepts as the token), where the
  // worker can read cookies; otherwise the token kept with each log.
  if (!self.cookieStore) return null;
  var cookie = await self.cookieStore.get(self.GRADUS.csrfCookie);
  return cookie ? cookie.value : null;
}

async function sendKept() {
  var sent = await self.gradusQueue.sendAll(null, await csrfToken());
  var pages = await self.clients.matchAll({ type: "window" });
  // The answers, for the pages to say what arrived (each shows its own person's).
  pages.forEach(function (page) { page.postMessage({ type: "gradus-sent", answers: sent.answers }); });
  // Still offline, or signed out: the browser tries the sync again later.
  if (sent.waiting) throw new Error("kept logs are still waiting");
}

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) event.waitUntil(sendKept());
});
