// Coach's service worker (hand-written; README, "Works without signal").
// Keeps the app shell, and the pages the server marks with X-Coach-Keep (Today, the
// caseload, client pages, checklist runs, the trip and contact forms) for one user, for
// at most the session's length. Never a sign-off (/s/) or report (/r/) page, never a
// write, never a page the server did not mark. The outbox itself lives in app.js.
"use strict";
var SHELL = "coach-shell-{{ version }}";
var PAGES = "coach-pages";
var OWNER = "/__owner__";  // in PAGES: whose pages these are
var MAX_AGE_MS = {{ max_age_ms }};
var SHELL_URLS = {{ shell_urls|tojson }};
var NEVER = /^\/(s|r)\//;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_URLS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("coach-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function clearPages() { return caches.delete(PAGES); }

// A page the server marked: kept under its final address, with when it was kept.
function keep(response) {
  if (response.headers.get("X-Coach-Clear")) return clearPages();
  var owner = response.headers.get("X-Coach-Keep");
  if (!owner || response.status !== 200) return Promise.resolve();
  return caches.open(PAGES).then(function (cache) {
    return cache.match(OWNER).then(function (hit) {
      return hit ? hit.text() : "";
    }).then(function (was) {
      // Another user's pages never stay beside this one's.
      return was && was !== owner ? clearPages().then(function () { return caches.open(PAGES); }) : cache;
    }).then(function (cache) {
      return response.text().then(function (body) {
        var headers = new Headers(response.headers);
        headers.delete("Vary");
        headers.set("X-Kept-At", String(Date.now()));
        return Promise.all([
          cache.put(OWNER, new Response(owner)),
          cache.put(response.url, new Response(body, { status: 200, headers: headers })),
        ]);
      });
    });
  });
}

function notKept() {
  var body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>No signal · Coach</title></head><body><main><h1>No signal</h1>" +
    "<p>This page is not kept on this phone. Pages you opened in the last hours are.</p>" +
    "<p><a href=\"/today/\">Today</a> · <a href=\"/clients/\">Caseload</a></p></main></body></html>";
  return new Response(body, { status: 504, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// Without signal: the kept copy, marked with when it was kept (app.js says so on the page).
function fromPhone(url) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(url, { ignoreVary: true }).then(function (hit) {
      if (!hit) return notKept();
      var at = Number(hit.headers.get("X-Kept-At"));
      if (!(Date.now() - at < MAX_AGE_MS)) return cache.delete(url).then(notKept);
      return hit.text().then(function (body) {
        body = body.replace("<div class=\"shell", "<div data-kept-at=\"" + at + "\" class=\"shell");
        return new Response(body, { status: 200, headers: hit.headers });
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (NEVER.test(url.pathname)) return;
  // A page, or a piece that offline.js fetches to keep (the note form of a visit started
  // without signal); the server still decides with X-Coach-Keep.
  var page = request.mode === "navigate" || request.headers.get("HX-Boosted") === "true" ||
    request.headers.get("X-Coach-Fragment") === "keep";
  if (!page) return;
  event.respondWith(fetch(request).then(function (response) {
    event.waitUntil(keep(response.clone()).catch(function () {}));
    return response;
  }, function () {
    return fromPhone(url.href);
  }));
});

self.addEventListener("message", function (event) {
  var refresh = event.data && event.data.refresh && new URL(event.data.refresh);
  if (refresh && refresh.origin === self.location.origin && !NEVER.test(refresh.pathname)) {
    event.waitUntil(fetch(refresh.href, { credentials: "same-origin" }).then(keep).catch(function () {}));
  }
});

// Background Sync: the connection is back; open pages send their outbox (app.js).
self.addEventListener("sync", function (event) {
  if (event.tag !== "coach-outbox") return;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage("send-outbox"); });
  }));
});
