/* Charts of the report page, drawn with the app's own copy of Chart.js from the figures embedded in the page. */
(function () {
  "use strict";
  var dataEl = document.getElementById("report-data");
  if (!dataEl || typeof Chart === "undefined") { return; }
  var report = JSON.parse(dataEl.textContent);
  var t = JSON.parse(document.getElementById("report-labels").textContent);
  var colours = { on_site: "#2e7d32", by_team: "#1565c0", open: "#ef6c00", overdue: "#b71c1c", collected: "#6a1b9a" };
  var base = {
    responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
    scales: { x: { stacked: true, ticks: { autoSkip: false, maxRotation: 60 } }, y: { stacked: true, beginAtZero: true } }
  };

  function stacked(id, rows, label) {
    var el = document.getElementById(id);
    if (!el || !rows.length) { return; }
    new Chart(el, {
      type: "bar",
      data: {
        labels: rows.map(label),
        datasets: ["on_site", "by_team", "open"].map(function (k) {
          var key = k === "on_site" ? "solved_on_site" : (k === "by_team" ? "solved_by_team" : "open");
          return { label: t[k], backgroundColor: colours[k], data: rows.map(function (r) { return r[key]; }) };
        })
      },
      options: base
    });
  }

  stacked("chart-category", report.by_category, function (r) { return t.categories[r.category] || r.category; });
  stacked("chart-team", report.by_team, function (r) { return r.name || t.no_team; });

  // 报到 takes hours, 办结 days: on a linear axis the first bars vanish beside the second (50× apart), so the
  // department chart uses a logarithmic axis on which both read, each bar labelled with its hours.
  var dep = document.getElementById("chart-department");
  if (dep && report.by_department.length) {
    var positive = function (v) { return v === null || v === undefined ? null : Math.max(v, 0.1); };
    new Chart(dep, {
      type: "bar",
      data: {
        labels: report.by_department.map(function (r) { return t.departments[r.department] || r.department; }),
        datasets: [
          { label: t.ack, backgroundColor: colours.collected, data: report.by_department.map(function (r) { return positive(r.ack_median_h); }) },
          { label: t.done, backgroundColor: colours.by_team, data: report.by_department.map(function (r) { return positive(r.done_median_h); }) }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } },
                            tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.parsed.y + " " + t.hours; } } } },
                 scales: { x: { ticks: { autoSkip: false, maxRotation: 60 } },
                           y: { type: "logarithmic", min: 0.1, title: { display: true, text: t.hours } } } }
    });
  }

  // Charts drawn for the screen's width are redrawn for the page's before printing, and back after.
  function resizeAll() { Object.values(Chart.instances).forEach(function (c) { c.resize(); }); }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  var printButton = document.getElementById("print-report");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
})();
