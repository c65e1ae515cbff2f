/* Switchboard widget loader. Paste on any page:
 *   <script src="https://chat.example.com/widget.js" data-inbox="KEY" async></script>
 * Draws a launcher button and adds a hidden tracker frame (/track/KEY: plain JavaScript, no
 * WASM) that reports each page the visitor opens, again on every in-page navigation. On first
 * open it creates the chat iframe (/widget/KEY, served by Switchboard, so the chat is isolated
 * from this page's CSS and JS). The tracker tells it the inbox's look (colour, side, label)
 * and when an agent writes: the first message opens the chat, later ones while the visitor
 * keeps it closed count on an unread badge. */
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
    ? { open: "Abrir el chat", close: "Cerrar el chat", title: "Chat", unread: "sin leer" }
    : { open: "Open chat", close: "Close chat", title: "Chat", unread: "unread" };
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
    ".sb-launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;min-width:56px;height:56px;padding:0 16px;border:0;border-radius:28px;" +
    "background:#2f5bea;color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;font:600 16px/56px system-ui,sans-serif;visibility:hidden}" +
    ".sb-launch:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}.sb-icon{font-size:24px;vertical-align:top}" +
    ".sb-text{margin-left:8px}.sb-launch[aria-expanded=true] .sb-text{display:none}" +
    ".sb-badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 5px;box-sizing:border-box;border-radius:11px;" +
    "background:#1f2933;color:#fff;box-shadow:0 0 0 2px #fff;font:700 13px/22px system-ui,sans-serif}" +
    ".sb-frame{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:370px;height:560px;max-width:calc(100vw - 40px);" +
    "max-height:calc(100vh - 108px);border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);background:#fff}" +
    ".sb-left{right:auto;left:20px}";
  document.head.appendChild(css);

  var button = document.createElement("button");
  button.type = "button";
  button.className = "sb-launch";
  button.setAttribute("aria-expanded", "false");
  button.innerHTML = '<span class="sb-icon" aria-hidden="true"></span><span class="sb-text" hidden></span><span class="sb-badge" aria-hidden="true" hidden></span>';
  var icon = button.children[0], label = button.children[1], badge = button.children[2];
  var side = "right";
  var unread = 0;
  document.body.appendChild(button);
  // Drawn once the inbox's look arrives from the tracker (or after two seconds as it is).
  function reveal() { button.style.visibility = "visible"; }
  setTimeout(reveal, 2000);
  function look(l) {
    button.style.background = l.color;
    button.style.color = l.ink;
    side = l.side;
    if (side === "left") button.classList.add("sb-left");
    if (frame && side === "left") frame.classList.add("sb-left");
    label.textContent = l.label || "";
    label.hidden = !l.label;
    reveal();
  }
  function name() {
    var n = open ? text.close : text.open;
    // The visible label is part of the name (WCAG 2.5.3).
    if (!label.hidden && !open) n = label.textContent + ": " + n;
    if (unread && !open) n += ", " + unread + " " + text.unread;
    button.setAttribute("aria-label", n);
    badge.textContent = String(unread);
    badge.hidden = !unread || open;
  }

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
      frame.className = side === "left" ? "sb-frame sb-left" : "sb-frame";
      frame.setAttribute("allow", "clipboard-write");
      frame.addEventListener("load", tell);
      document.body.appendChild(frame);
    }
    if (frame) {
      frame.style.display = on ? "block" : "none";
      if (frame.contentWindow) frame.contentWindow.postMessage({ type: on ? "switchboard:shown" : "switchboard:hidden" }, origin);
    }
    if (on) unread = 0;
    button.setAttribute("aria-expanded", String(on));
    icon.textContent = on ? "\u00d7" : "\u2709";
    name();
  }
  show(false);
  button.addEventListener("click", function () { show(!open); });

  window.addEventListener("message", function (e) {
    if (e.origin !== origin || !e.data) return;
    if (e.data.type === "switchboard:minimize") { show(false); button.focus(); }
    if (e.data.type === "switchboard:look") look(e.data.look);
    // An agent wrote: a first (proactive) message opens the chat; later ones, while the
    // visitor keeps it closed, count on the launcher's badge.
    if (e.data.type === "switchboard:open") {
      if (!frame) show(true);
      else if (!open) { unread += 1; name(); }
    }
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
