// Small behaviours on top of htmx. No inline scripts anywhere: this file is the only JS.
(function () {
  "use strict";

  function banner(text) {
    var el = document.getElementById("net-banner");
    if (!el) {
      el = document.createElement("p");
      el.id = "net-banner";
      el.className = "flash flash-error net-banner";
      el.setAttribute("role", "alert");
      document.body.appendChild(el);
    }
    el.textContent = text;
    el.hidden = false;
  }

  document.addEventListener("htmx:sendError", function () {
    banner("No connection. Nothing was sent; what you typed is still here. Try again when you have signal.");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = document.getElementById("net-banner");
    if (el && event.detail.successful) el.hidden = true;
  });
})();
