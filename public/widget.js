/* Switchboard widget loader. Paste on any page:
 *   <script src="https://chat.example.com/widget.js" data-inbox="KEY" async></script>
 * Draws a launcher button and adds a hidden tracker frame (/track/KEY: plain JavaScript, no
 * WASM) that reports each page the visitor opens, again on every in-page navigation. On first
 * open it creates the chat iframe (/widget/KEY, served by Switchboard, so the chat is isolated
 * from this page's CSS and JS). The tracker opens the chat when an agent writes. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__switchboard) return;
  window.__switchboard = true;
  var key = script.getAttribute("data-inbox");
  if (!key) return;
  var origin = new URL(script.src, location.href).origin;
  var es = /^es\b/i.test(navigator.language || "");
  var text = es
    ? { open: "Abrir el chat", close: "Cerrar el chat", title: "Chat" }
    : { open: "Open chat", close: "Close chat", title: "Chat" };
  var frame = null;
  var open = false;
  var tracker = document.createElement("iframe");
  tracker.src = origin + "/track/" + encodeURIComponent(key);
  tracker.title = "Switchboard";
  tracker.setAttribute("aria-hidden", "true");
  tracker.tabIndex = -1;
  tracker.style.cssText = "position:absolute;width:0;height:0;border:0;visibility:hidden";

  var css = document.createElement("style");
  css.textContent =
    ".sb-launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;" +
    "background:#2f5bea;color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;font:600 24px/56px system-ui,sans-serif}" +
    ".sb-launch:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".sb-frame{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:370px;height:560px;max-width:calc(100vw - 40px);" +
    "max-height:calc(100vh - 108px);border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);background:#fff}";
  document.head.appendChild(css);

  var button = document.createElement("button");
  button.type = "button";
  button.className = "sb-launch";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-label", text.open);
  button.textContent = "\u2709";
  document.body.appendChild(button);

  function page() {
    // Never the fragment (tokens travel there); the tracker keeps only the query the inbox allows.
    return { type: "switchboard:page", url: location.href.split("#")[0], title: document.title, referrer: document.referrer };
  }
  function tell() {
    var p = page();
    if (tracker.contentWindow) tracker.contentWindow.postMessage(p, origin);
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(p, origin);
  }
  tracker.addEventListener("load", tell);
  document.body.appendChild(tracker);
  function show(on) {
    open = on;
    if (on && !frame) {
      frame = document.createElement("iframe");
      var p = page();
      frame.src = origin + "/widget/" + encodeURIComponent(key) + "?url=" + encodeURIComponent(p.url.split("?")[0]) +
        "&title=" + encodeURIComponent(p.title) + "&referrer=" + encodeURIComponent(p.referrer);
      frame.title = text.title;
      frame.className = "sb-frame";
      frame.setAttribute("allow", "clipboard-write");
      frame.addEventListener("load", tell);
      document.body.appendChild(frame);
    }
    if (frame) {
      frame.style.display = on ? "block" : "none";
      if (frame.contentWindow) frame.contentWindow.postMessage({ type: on ? "switchboard:shown" : "switchboard:hidden" }, origin);
    }
    button.setAttribute("aria-expanded", String(on));
    button.setAttribute("aria-label", on ? text.close : text.open);
    button.textContent = on ? "\u00d7" : "\u2709";
  }
  button.addEventListener("click", function () { show(!open); });

  window.addEventListener("message", function (e) {
    if (e.origin !== origin || !e.data) return;
    if (e.data.type === "switchboard:minimize") { show(false); button.focus(); }
    if (e.data.type === "switchboard:open") show(true);
  });

  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      setTimeout(tell, 0);
      return result;
    };
  });
  window.addEventListener("popstate", tell);
  window.addEventListener("hashchange", tell);
})();
