// Form helpers for every page.
//
// 1. A live counter under every text area with a known limit (data-maxlength): the person sees the limit
// before sending, and sees when a paste goes over it. The server refuses an over-long text with the
// numbers; nothing is cut off silently.
(function () {
  function attach(area) {
    if (area.dataset.counted) return;
    area.dataset.counted = "1";
    var limit = parseInt(area.dataset.maxlength, 10);
    var counter = document.createElement("p");
    counter.className = "counter small";
    counter.id = (area.id || "text") + "-counter";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var n = area.value.length;
      var over = n > limit;
      // The words come translated from the server (data-text-*, tickets/fields.py); numbers in the page's language.
      var lang = document.documentElement.lang || "en";
      var num = function (x) { return x.toLocaleString(lang); };
      counter.textContent = area.dataset.textCounter.replace("{n}", num(n)).replace("{limit}", num(limit)) +
        (over ? " — " + area.dataset.textOver.replace("{over}", num(n - limit)) : "");
      counter.classList.toggle("over", over);
      area.setAttribute("aria-invalid", over ? "true" : "false");
    }
    area.addEventListener("input", update);
    update();
  }
  // 2. A new-ticket form's one-time token (tickets/fields.py) survives Back. Chrome fetches the form
  // again on Back (a fresh token) while restoring what was typed, so a second Submit would file a second
  // ticket. Remember the token when the form is sent; on a back/forward visit, put it back, and the
  // server answers "already filed as HD-n". A fresh visit keeps the fresh token.
  function keepToken(root) {
    var nav = (performance.getEntriesByType && performance.getEntriesByType("navigation")[0]) || {};
    (root || document).querySelectorAll("input[name=filing_token]").forEach(function (input) {
      var key = "filing_token:" + location.pathname;
      try {
        if (nav.type === "back_forward" && sessionStorage.getItem(key)) input.value = sessionStorage.getItem(key);
        input.form.addEventListener("submit", function () { sessionStorage.setItem(key, input.value); });
      } catch (e) { /* storage blocked: the server still stops a plain double submit */ }
    });
  }
  function scan(root) {
    (root || document).querySelectorAll("textarea[data-maxlength]").forEach(attach);
    keepToken(root);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(); });
  document.addEventListener("htmx:load", function (e) { scan(e.target); });
})();
