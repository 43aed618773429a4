/* A referral's page: ask every few seconds whether the referral changed (a conditional GET
   of its state: 304 while nothing changed) and, when it did, say so in the live region with
   a link to reload, and show the new status. Without JavaScript a reload shows it. */
(function () {
  "use strict";
  var live = document.getElementById("referral-live");
  if (!live || !window.fetch) { return; }
  var url = live.getAttribute("data-state-url");
  var etag = live.getAttribute("data-etag");
  var seconds = parseFloat(live.getAttribute("data-seconds")) || 15;
  var status = document.getElementById("referral-status");
  var timer = null;

  function changed(state) {
    if (status && state.status_text) {
      status.textContent = state.status_text;
      status.className = "badge status-" + state.status;
    }
    live.textContent = "";
    var line = document.createElement("p");
    line.className = "notice";
    line.appendChild(document.createTextNode(
      (live.getAttribute("data-changed") || "").replace("{status}", state.status_text || state.status) + " "
    ));
    var link = document.createElement("a");
    link.href = live.getAttribute("data-reload-url") || window.location.pathname;
    link.textContent = live.getAttribute("data-reload") || "Reload";
    line.appendChild(link);
    live.appendChild(line);
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = '"' + etag + '"'; }
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (resp) {
        if (resp.status === 200 && (resp.headers.get("Content-Type") || "").indexOf("json") !== -1) {
          var tag = resp.headers.get("ETag");
          if (tag) { etag = tag.replace(/^W\//, "").replace(/"/g, ""); }
          return resp.json().then(changed);
        }
        if (resp.status === 401 || resp.status === 403 || resp.status === 404) {
          window.clearInterval(timer);  // signed out or gone: a reload says why
        }
        return null;
      })
      .catch(function () { /* no signal for now: the next poll tries again */ });
  }

  timer = window.setInterval(poll, seconds * 1000);
})();
