// A live counter under every text area with a known limit (data-maxlength): the person sees the limit
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
      counter.textContent = n.toLocaleString("en") + " / " + limit.toLocaleString("en") + " characters" +
        (over ? " — " + (n - limit).toLocaleString("en") + " over the limit: shorten it or attach it as a file" : "");
      counter.classList.toggle("over", over);
      area.setAttribute("aria-invalid", over ? "true" : "false");
    }
    area.addEventListener("input", update);
    update();
  }
  function scan(root) {
    (root || document).querySelectorAll("textarea[data-maxlength]").forEach(attach);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(); });
  document.addEventListener("htmx:load", function (e) { scan(e.target); });
})();
