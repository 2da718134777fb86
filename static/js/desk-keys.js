// Keyboard shortcuts for the desk: j/k next/previous ticket in the queue, o open it, r reply, n note,
// a assign to me, / search, ? this list. Off while typing in a field, and with Ctrl/Alt/Meta held.
(function () {
  "use strict";
  var help = document.getElementById("keys-help");

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-live tbody tr[data-ticket]"));
  }

  var current = -1;
  function move(step) {
    var list = rows();
    if (!list.length) return;
    var at = list.findIndex(function (row) { return row.getAttribute("aria-current") === "true"; });
    current = Math.min(list.length - 1, Math.max(0, (at < 0 ? -1 : at) + step));
    list.forEach(function (row, i) {
      if (i === current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    var link = list[current].querySelector("a");
    if (link) link.focus(); // the screen reader reads the ticket; Enter opens it as well as o
  }

  function reply(kind) {
    var radio = document.querySelector('input[name="kind"][value="' + kind + '"]');
    var body = document.getElementById("id_body");
    if (!body) return false;
    if (radio) radio.checked = true;
    body.focus();
    return true;
  }

  var keys = {
    j: function () { move(1); return rows().length > 0; },
    k: function () { move(-1); return rows().length > 0; },
    o: function () {
      var row = document.querySelector('#queue-live tbody tr[aria-current="true"] a');
      if (row) { window.location.href = row.href; return true; }
      return false;
    },
    r: function () { return reply("public"); },
    n: function () { return reply("internal"); },
    a: function () {
      var button = document.querySelector('button[name="to"][value="me"]');
      if (button) { button.click(); return true; }
      return false;
    },
    "/": function () {
      var box = document.getElementById("q");
      if (box) { box.focus(); return true; }
      return false;
    },
    "?": function () {
      if (!help) return false;
      if (help.open) help.close(); else help.showModal();
      return true;
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    var action = keys[event.key];
    if (action && action()) event.preventDefault();
  });
  document.querySelectorAll("[data-keys-help]").forEach(function (button) {
    button.addEventListener("click", function () { keys["?"](); });
  });
  if (help) {
    help.querySelector("[data-close]").addEventListener("click", function () { help.close(); });
  }
})();
