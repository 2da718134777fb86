// The ticket page's knowledge-base panel: articles the ticket's requester can open (matching the
// subject, or what the technician searches), each with "Insert" to put its link into the reply.
(function () {
  // Words from the translation catalogue (/jsi18n/, loaded by base.html); English if it did not load.
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (f, o) { return f.replace(/%\((\w+)\)s/g, function (_, k) { return o[k]; }); };
  var panel = document.getElementById("kb-panel");
  if (!panel) return;
  var list = panel.querySelector("ul");
  var search = document.getElementById("kb-panel-q");
  var timer = null, asked = 0;

  function insert(text) {
    var area = document.getElementById("id_body");
    if (!area) return;
    var start = area.selectionStart, end = area.selectionEnd;
    var before = area.value.slice(0, start);
    var piece = (before && !/\s$/.test(before) ? "\n" : "") + text + "\n";
    area.value = before + piece + area.value.slice(end);
    area.focus();
    area.selectionStart = area.selectionEnd = start + piece.length;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function show(articles) {
    list.replaceChildren();
    if (!articles.length) {
      var none = document.createElement("li");
      none.className = "small muted";
      none.textContent = gettext("No article matches.");
      list.append(none);
    }
    articles.forEach(function (a) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = a.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = a.title;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary button-small";
      button.textContent = gettext("Insert");
      button.setAttribute("aria-label", interpolate(gettext("Insert a link to %(title)s"), {title: a.title}, true));
      button.addEventListener("click", function () { insert(a.title + ": " + a.url); });
      li.append(link, " ", button);
      list.append(li);
    });
  }

  function ask() {
    var mine = ++asked;
    var q = search.value.trim();
    fetch(panel.dataset.url + (q ? "?q=" + encodeURIComponent(q) : ""), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    })
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (data) { if (mine === asked) show(data.articles || []); })
      .catch(function () {});
  }

  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 300); });
  ask();
})();
