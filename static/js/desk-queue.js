// The queue's bulk bar: show the chosen action's inputs, count the ticked rows, "select all N
// matching", and hold the 20-second refresh while a selection is being made (a refresh would
// clear the ticks). Works without this file too: every input is then shown and sent.
(function () {
  "use strict";
  // Words from the translation catalogue (/jsi18n/, loaded by base.html); English if it did not load.
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var interpolate = window.interpolate || function (f, o) { return f.replace(/%\((\w+)\)s/g, function (_, k) { return o[k]; }); };
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var action = document.getElementById("bulk-action");
  var all = document.getElementById("bulk-all");
  var count = document.getElementById("bulk-count");
  var total = form.querySelector("[data-testid=bulk-total]");

  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-live input.bulk-pick-row"));
  }

  function showAction() {
    form.querySelectorAll("fieldset[data-bulk-for]").forEach(function (set) {
      var on = set.getAttribute("data-bulk-for") === action.value;
      set.hidden = !on;
      set.disabled = !on; // a hidden action's inputs are not sent
    });
  }

  function update() {
    var ticked = picks().filter(function (box) { return box.checked; }).length;
    var words;
    if (all.checked) {
      words = interpolate(gettext("All %(total)s matching selected"), {total: total.textContent.trim()}, true);
    } else if (ticked) {
      words = interpolate(ngettext("%(n)s selected", "%(n)s selected", ticked), {n: ticked}, true);
    } else {
      words = gettext("None selected");
    }
    count.textContent = words;
    document.body.classList.toggle("bulk-selecting", all.checked || ticked > 0);
    var page = document.getElementById("pick-page");
    if (page) {
      var boxes = picks();
      page.checked = boxes.length > 0 && ticked === boxes.length;
      page.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "pick-page") {
      picks().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.id === "pick-page" || target.classList.contains("bulk-pick-row") || target === all) {
      update();
    }
  });
  action.addEventListener("change", showAction);
  form.addEventListener("submit", function (event) {
    if (!all.checked && !picks().some(function (box) { return box.checked; })) {
      event.preventDefault();
      count.textContent = gettext("Select tickets first (tick rows, or select all matching).");
    }
  });
  document.body.addEventListener("htmx:afterSwap", update);
  showAction();
  update();
})();
