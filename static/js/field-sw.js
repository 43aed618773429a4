/* The field view's service worker: served at /field/sw.js with the scope /field, so it
   controls the field pages and nothing else. It keeps:
   - the field page, the essentials page and the static files they use (cached at install);
   - the last results: every field page fetched online is kept, and the newest page with
     results is kept as "the last results", shown when offline for a place not kept itself.
   Pages are network first (fresh when there is signal), static files cache first (their
   names carry a hash of their content). Nothing here is sent anywhere. */
"use strict";
var CACHE = "linkage-field-1";
var BASE = new URL("./", self.location).pathname;           // "/field/"
var PAGE = BASE.replace(/\/$/, "");                           // "/field"
var ESSENTIALS = BASE + "essentials";
var LAST = PAGE + "?__last_results";

function assets(html) {
  var found = html.match(/\/static\/[^"'\s)]+/g) || [];
  return found.filter(function (u, i) { return found.indexOf(u) === i; });
}

function keep(cache, url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok) return response;
    var copy = response.clone();
    var search = new URL(url, self.location).search;
    var puts = [cache.put(url, response.clone())];
    if (new URL(url, self.location).pathname === PAGE && search) puts.push(cache.put(LAST, response.clone()));
    return Promise.all(puts).then(function () { return copy.text(); }).then(function (html) {
      return cache.addAll(assets(html));
    }).then(function () { return response; });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all([keep(cache, PAGE), keep(cache, ESSENTIALS)]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.filter(Boolean).map(function (u) {
      return keep(cache, u).catch(function () { /* offline: keep what is kept */ });
    }));
  }));
});

function offlinePage(cache, url) {
  var path = url.pathname;
  var order = [url.href];
  if (path === PAGE) order = url.search ? [url.href, LAST, PAGE] : [LAST, PAGE];
  else if (path.indexOf(ESSENTIALS) === 0) order = [url.href, ESSENTIALS];
  order.push(ESSENTIALS);
  return order.reduce(function (found, key) {
    return found.then(function (hit) { return hit || cache.match(key, { ignoreVary: true, ignoreSearch: false }); });
  }, Promise.resolve(undefined)).then(function (hit) {
    return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") !== -1) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
      });
    }));
    return;
  }
  if (request.mode !== "navigate" && request.headers.get("Accept") && request.headers.get("Accept").indexOf("text/html") === -1) return;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      if (response.ok && url.pathname.indexOf("/field/list/") === -1 && url.pathname !== BASE + "sw.js") {
        cache.put(request, response.clone());
        if (url.pathname === PAGE && url.search) cache.put(LAST, response.clone());
      }
      return response;
    }, function () { return offlinePage(cache, url); });
  }));
});
