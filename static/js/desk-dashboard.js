// SLA dashboard charts, drawn from the JSON the page embeds (json_script, not executable).
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("sla-chart-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var gettext = window.gettext || function (s) { return s; }; // the catalogue base.html loads (/jsi18n/)
  var pct = {min: 0, max: 100, ticks: {callback: function (v) { return v + "%"; }}};
  function compliance(id, labels, fr, res) {
    new Chart(document.getElementById(id), {type: "bar", data: {labels: labels, datasets: [
      {label: gettext("First response"), data: fr, backgroundColor: "#2563eb"},
      {label: gettext("Resolution"), data: res, backgroundColor: "#059669"}]},
      options: {animation: false, responsive: true, datasets: {bar: {maxBarThickness: 56}}, scales: {y: pct}}});
  }
  compliance("chart-week", data.weeks, data.fr_by_week, data.res_by_week);
  compliance("chart-priority", data.priorities, data.fr_by_priority, data.res_by_priority);
  new Chart(document.getElementById("chart-backlog"), {type: "bar", data: {labels: data.age_buckets,
    datasets: data.backlog.map(function (b) { return {label: b.label, data: b.data, backgroundColor: b.colour}; })},
    options: {animation: false, responsive: true, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}}});
  new Chart(document.getElementById("chart-csat"), {type: "bar", data: {labels: ["1", "2", "3", "4", "5"],
    datasets: [{label: gettext("Answers"), data: data.csat, backgroundColor: "#d97706"}]},
    options: {animation: false, responsive: true, plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});
  document.body.dataset.chartsReady = "yes";
});
