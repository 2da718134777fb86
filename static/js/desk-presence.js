// Collision detection on the desk's ticket page: every few seconds, tell the server "I am here" (and
// whether I am typing a reply), then show who else has the ticket open and whether a new message arrived.
// The server stops a send over an unread newer message anyway; this only warns earlier.
(function () {
  "use strict";
  // Words from the translation catalogue (/jsi18n/, loaded by base.html); English if it did not load.
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (f, o) { return f.replace(/%\((\w+)\)s/g, function (_, k) { return o[k]; }); };
  var banner = document.getElementById("presence");
  if (!banner || !window.fetch) return;
  var url = banner.getAttribute("data-url");
  var every = parseInt(banner.getAttribute("data-poll"), 10) || 10000;
  var form = document.querySelector("form.reply-form");
  var body = document.getElementById("id_body");
  var seen = form ? form.querySelector("input[name=seen_message]") : null;
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  var lastKey = 0;
  if (body) {
    body.addEventListener("input", function () { lastKey = Date.now(); });
  }

  function say(others, arrived) {
    var parts = others.map(function (o) {
      var words = o.typing ? gettext("%(name)s is typing a reply") : gettext("%(name)s is viewing");
      return interpolate(words, {name: o.name}, true);
    });
    if (arrived) parts.push(gettext("a new message arrived: reload to read it before you send"));
    banner.textContent = parts.join(" · ");
    banner.hidden = parts.length === 0;
  }

  function poll() {
    var data = new FormData();
    data.append("typing", body && Date.now() - lastKey < every ? "1" : "0");
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) return;
        var mine = seen ? parseInt(seen.value || "0", 10) : 0;
        say(state.others, mine && state.last_message > mine);
      })
      .catch(function () {});
  }
  poll();
  setInterval(poll, every);
})();
