// Desk ticket page: "Insert" puts the chosen canned reply into the reply box at the cursor.
// A static file rather than an inline script, so the Content-Security-Policy needs no 'unsafe-inline'.
(function () {
  var button = document.getElementById("canned-insert");
  if (!button) return;
  button.addEventListener("click", function () {
    var choice = document.getElementById("canned-select").value;
    var tpl = document.querySelector('template[data-canned="' + choice + '"]');
    var area = document.getElementById("id_body");
    if (!tpl || !area) return;
    var text = tpl.content.textContent;
    var start = area.selectionStart, end = area.selectionEnd;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.focus();
    area.selectionStart = area.selectionEnd = start + text.length;
  });
})();
