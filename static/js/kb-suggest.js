// Knowledge-base suggestions on the portal's new-ticket form: while the customer types the subject,
// ask /kb/suggest/ (debounced, newest answer wins) and list matching articles; "This answered my
// question" records a deflection (POST /kb/deflect/) and leaves the form unsent, so no ticket is filed.
(function () {
  var box = document.getElementById("kb-suggestions");
  if (!box) return;
  var form = box.closest("form") || document.querySelector("form.ticket-form");
  var subject = form && form.querySelector("input[name=subject]");
  if (!subject) return;
  var list = box.querySelector("ul");
  var timer = null, asked = 0;

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(articles) {
    list.replaceChildren();
    articles.forEach(function (a) {
      var li = document.createElement("li");
      li.className = "kb-suggestion";
      var link = document.createElement("a");
      link.href = a.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = a.title;
      var snippet = document.createElement("p");
      snippet.className = "small muted";
      snippet.innerHTML = a.snippet; // escaped by the server; only <mark> added
      var helpful = document.createElement("button");
      helpful.type = "button";
      helpful.className = "secondary button-small";
      helpful.textContent = box.dataset.textHelpful; // the words come translated from the template
      helpful.addEventListener("click", function () { deflect(a, helpful); });
      li.append(link, snippet, helpful);
      list.append(li);
    });
    box.hidden = articles.length === 0;
  }

  function ask() {
    var text = subject.value.trim();
    var mine = ++asked;
    if (text.length < 3) { show([]); return; }
    fetch(box.dataset.suggestUrl + "?q=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    })
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (data) { if (mine === asked) show(data.articles || []); })
      .catch(function () { /* suggestions are a help, never a blocker */ });
  }

  function deflect(article, button) {
    button.disabled = true;
    var body = new FormData();
    body.append("article", article.id);
    body.append("q", subject.value.trim());
    fetch(box.dataset.deflectUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
    })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (res) {
        if (!res.ok) { button.disabled = false; button.textContent = res.data.error || box.dataset.textRetry; return; }
        var done = document.createElement("div");
        done.className = "card notice";
        done.setAttribute("role", "status");
        done.dataset.testid = "kb-deflected";
        var p = document.createElement("p");
        p.textContent = res.data.message + " ";
        var back = document.createElement("a");
        back.href = res.data.next;
        back.textContent = box.dataset.textBack;
        p.append(back);
        done.append(p);
        form.replaceWith(done);
      })
      .catch(function () { button.disabled = false; });
  }

  subject.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  if (subject.value.trim()) ask();
})();
