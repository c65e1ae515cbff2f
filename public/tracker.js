/* Switchboard tracker: runs in the hidden /track/KEY frame the loader (widget.js) adds to
 * every page of the host site. It keeps the visitor's token in Switchboard's own storage
 * (the chat widget reads it there), reports every page the loader tells it about over
 * /ws/visitor, and asks the loader to open the chat when an agent writes. */
(function () {
  "use strict";
  var script = document.currentScript;
  var key = script && script.getAttribute("data-inbox");
  // The query parameters the inbox keeps (`utm_*, ref`); the rest of the query, and the
  // fragment, never leave the visitor's browser.
  var keep = ((script && script.getAttribute("data-keep")) || "").split(",")
    .map(function (name) { return name.trim(); })
    .filter(function (name) { return name.length > 0; });
  if (!key || window.parent === window) return;
  // The inbox's look, for the loader's launcher (written by the server, checked on saving).
  try { window.parent.postMessage({ type: "switchboard:look", look: JSON.parse(script.getAttribute("data-look")) }, "*"); } catch (e) { /* no look: the launcher as it is */ }
  var storageKey = "switchboard.visitor." + key;
  var socket = null;
  var backoff = 500;
  var ready = false;
  var latest = null;
  var toldEnvironment = false;

  function token() {
    try { return localStorage.getItem(storageKey); } catch (e) { return null; }
  }
  function remember(value) {
    try { localStorage.setItem(storageKey, value); } catch (e) { /* private mode: one page only */ }
  }
  function send(frame) {
    if (!socket || socket.readyState !== 1 || !ready) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }
  function kept(url) {
    var bare = url.split("#")[0];
    var at = bare.indexOf("?");
    if (at < 0) return bare;
    var pairs = bare.slice(at + 1).split("&").filter(function (pair) {
      var name = pair.split("=")[0];
      return keep.some(function (pattern) {
        return pattern.slice(-1) === "*" ? name.indexOf(pattern.slice(0, -1)) === 0 : name === pattern;
      });
    });
    return bare.slice(0, at) + (pairs.length ? "?" + pairs.join("&") : "");
  }
  function report() {
    if (!latest) return;
    var frame = { type: "page_view", url: kept(latest.url), title: latest.title, referrer: latest.referrer || "" };
    if (!toldEnvironment) {
      frame.screen = screen.width + "x" + screen.height;
      frame.language = navigator.language || null;
      try { frame.time_zone = Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { /* old browser */ }
    }
    if (send(frame)) toldEnvironment = true;
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/visitor");
    ready = false;
    toldEnvironment = false;
    socket.onopen = function () {
      backoff = 500;
      socket.send(JSON.stringify({ type: "hello", token: token(), inbox: key }));
    };
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (frame.type === "welcome") {
        remember(frame.token);
      } else if (frame.type === "ready") {
        ready = true;
        report();
      } else if (frame.type === "event" && frame.event.type === "message_posted" &&
                 frame.event.message.author.kind === "agent") {
        window.parent.postMessage({ type: "switchboard:open" }, "*");
      }
    };
    socket.onclose = function () {
      socket = null;
      ready = false;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || event.data.type !== "switchboard:page") return;
    latest = { url: String(event.data.url), title: String(event.data.title || ""), referrer: String(event.data.referrer || "") };
    report();
  });
  setInterval(function () { send({ type: "ping" }); }, 25000);
  connect();
})();
