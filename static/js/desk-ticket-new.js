// Desk "log a ticket": the requester picker shows only the chosen organization's people.
// The requester <select> names the organization <select> it follows in data-filtered-by.
(function () {
  var req = document.querySelector("select[data-filtered-by]");
  if (!req) return;
  var org = document.getElementById(req.dataset.filteredBy);
  if (!org) return;
  function filter() {
    req.querySelectorAll("optgroup").forEach(function (g) {
      var show = !org.value || g.dataset.org === org.value;
      g.hidden = !show; g.disabled = !show;
    });
    var chosen = req.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) req.value = "";
  }
  org.addEventListener("change", filter);
  filter();
})();
