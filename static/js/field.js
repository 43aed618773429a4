/* The field view, made faster and kept offline; every page works without this file.
   - Opens on "near me": the phone's location when it is allowed, else the ZIP or address
     typed last time on this phone (localStorage), else the plain form.
   - Registers the service worker (field-sw.js) and asks it to keep this page and the
     essentials for when there is no signal.
   - Shows each card's age ("12 min ago"), says when the phone is offline, and when the
     connection comes back says the list may be out of date and refreshes it in place. */
(function () {
  "use strict";
  var root = document.getElementById("field");
  if (!root) return;
  var KEY = "linkage.field.place";
  var status = document.getElementById("field-status");
  var words = document.getElementById("field-words") || root;
  var t = function (name) { return words.getAttribute("data-t-" + name) || ""; };

  function say(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
  }

  function placeQuery(place) {
    if (!place) return "";
    if (place.lat != null && place.lon != null) return "lat=" + place.lat + "&lon=" + place.lon;
    if (place.near) return "near=" + encodeURIComponent(place.near);
    return "";
  }

  function remembered() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  function remember(place) {
    try { window.localStorage.setItem(KEY, JSON.stringify(place)); } catch (e) { /* private mode */ }
  }

  function go(query, need) {
    var url = window.location.pathname + "?" + query + (need ? "&need=" + encodeURIComponent(need) : "");
    window.location.replace(url);
  }

  function locate(need, quiet) {
    if (!navigator.geolocation) { if (!quiet) say(t("nolocation")); return; }
    if (!quiet) say(t("locating"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      var place = { lat: pos.coords.latitude.toFixed(5), lon: pos.coords.longitude.toFixed(5) };
      remember(place);
      go(placeQuery(place), need);
    }, function () {
      say(t("nolocation"));
      var input = document.getElementById("near");
      if (input) input.focus();
    }, { enableHighAccuracy: false, timeout: 8000, maximumAge: 120000 });
  }

  // Remember the place of a results page; the landing page opens on it.
  var params = new URLSearchParams(window.location.search);
  if (params.get("lat") && params.get("lon")) remember({ lat: params.get("lat"), lon: params.get("lon") });
  else if (params.get("near")) remember({ near: params.get("near") });

  var button = document.getElementById("locate");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () { locate(params.get("need"), false); });
  }

  if (root.hasAttribute("data-home")) {
    var last = remembered();
    // Quick buttons carry the remembered place, so one tap is a near-me search.
    if (last) {
      var links = root.querySelectorAll("a[data-need]");
      for (var i = 0; i < links.length; i++) {
        links[i].href = links[i].pathname + "?need=" + links[i].getAttribute("data-need") + "&" + placeQuery(last);
      }
      var near = document.getElementById("near");
      if (near && last.near) near.value = last.near;
    }
    var fallback = function () { if (last && navigator.onLine) go(placeQuery(last)); };
    if (navigator.permissions && navigator.geolocation) {
      navigator.permissions.query({ name: "geolocation" }).then(function (p) {
        if (p.state === "granted") locate(null, true); else fallback();
      }, fallback);
    } else {
      fallback();
    }
  }

  // Ages of what is shown, kept current while the page stays open.
  function ago(iso) {
    var minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return t("now");
    if (minutes < 60) return t("min").replace("{n}", minutes);
    return t("h").replace("{n}", Math.floor(minutes / 60));
  }
  function ages() {
    var shown = document.querySelectorAll("[data-fetched]");
    for (var i = 0; i < shown.length; i++) {
      var el = shown[i];
      if (!el.hasAttribute("data-text")) el.setAttribute("data-text", el.textContent);
      el.textContent = el.getAttribute("data-text") + " (" + ago(el.getAttribute("data-fetched")) + ")";
    }
  }
  ages();
  window.setInterval(ages, 30000);

  // Print on the share page.
  var print = document.getElementById("print");
  if (print) {
    print.hidden = false;
    var hint = document.getElementById("print-hint");
    if (hint) hint.hidden = true;
    print.addEventListener("click", function () { window.print(); });
  }

  // Offline and back.
  if (!navigator.onLine) say(t("offline"));
  window.addEventListener("offline", function () { say(t("offline")); });
  window.addEventListener("online", function () {
    say(t("online"));
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("field");
      if (!fresh) return;
      var keep = status;
      root.innerHTML = fresh.innerHTML;
      status = document.getElementById("field-status") || keep;
      words = document.getElementById("field-words") || root;
      ages();
      say(t("refreshed"));
      keepOffline();
    }).catch(function () { /* still out of date; the notice says so */ });
  });

  // The service worker: keep this page (its results) and the essentials.
  function keepOffline() {
    if (!("serviceWorker" in navigator) || !navigator.onLine) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (!reg.active) return;
      reg.active.postMessage({ keep: [window.location.href, root.getAttribute("data-essentials") || ""] });
    });
  }
  if ("serviceWorker" in navigator && root.getAttribute("data-worker")) {
    navigator.serviceWorker.register(root.getAttribute("data-worker"), { scope: root.getAttribute("data-scope") })
      .then(keepOffline, function () { /* no worker: the page still works online */ });
  }
})();
