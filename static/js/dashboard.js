// The dashboard's charts, drawn with Chart.js (vendored) from data the server wrote into the
// page: sparklines carry theirs in data-sparkline; bar charts name the id of a json_script
// element in data-chart. Figures in tooltips are the server's texts (the person's language);
// axes format theirs with Intl in the page's language. Every chart has a text alternative in
// the page (its aria-label, or the table of figures beside it), so nothing is lost without
// script.
(function () {
  "use strict";

  if (!window.Chart) {
    return;
  }

  var style = getComputedStyle(document.documentElement);
  var lang = document.documentElement.lang || "en";

  // Tabler's colours as "r,g,b" triplets (its other variables may hold oklch() or
  // light-dark(), which a canvas cannot always read).
  function rgb(name, fallback, alpha) {
    var triplet = style.getPropertyValue("--tblr-" + name + "-rgb").trim() || fallback;
    return alpha === undefined ? "rgb(" + triplet + ")" : "rgba(" + triplet + "," + alpha + ")";
  }

  // One colour per series key (roadmap/dashboard/views.py names them).
  var COLOURS = {
    delivered: rgb("primary", "6,111,209"),
    accepted: rgb("green", "47,179,68"),
    rejected: rgb("red", "214,57,57"),
    pending: rgb("secondary", "102,115,130", 0.45),
    client: rgb("red", "214,57,57"),
    agency_qa: rgb("blue", "6,111,209"),
    monitoring: rgb("purple", "174,62,201"),
    estimated: rgb("secondary", "115,115,115", 0.55),
    realised: rgb("primary", "6,111,209"),
  };
  var GRID = rgb("secondary", "102,115,130", 0.15);
  var TEXT = rgb("secondary", "102,115,130");

  Chart.defaults.font.family = style.getPropertyValue("--tblr-font-sans-serif").trim() || undefined;
  Chart.defaults.color = TEXT;

  function axisFormatter(currency) {
    var options = { notation: "compact", maximumFractionDigits: 1 };
    if (currency) {
      options.style = "currency";
      options.currency = currency;
    }
    var format = new Intl.NumberFormat(lang, options);
    return function (value) {
      return format.format(value);
    };
  }

  function sparkline(canvas) {
    var data;
    try {
      data = JSON.parse(canvas.dataset.sparkline);
    } catch (ignored) {
      return;
    }
    var colour = COLOURS.delivered;
    var fill = rgb("primary", "6,111,209", 0.12);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            data: data.values,
            borderColor: colour,
            backgroundColor: fill,
            borderWidth: 2,
            fill: true,
            tension: 0.3,
            pointRadius: 0,
            pointHoverRadius: 3,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: 2 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: {
            displayColors: false,
            callbacks: {
              label: function (item) {
                return data.texts[item.dataIndex];
              },
            },
          },
        },
        scales: {
          x: { display: false },
          y: { display: false, beginAtZero: true, grace: "10%" },
        },
      },
    });
  }

  // "2027-Q1" on two lines ("Q1", "2027"), so that eight quarters fit without slanting.
  function quarterLabel(label) {
    var match = /^(\d{4})-(Q\d)$/.exec(label);
    return match ? [match[2], match[1]] : label;
  }

  function barChart(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var format = axisFormatter(data.currency);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map(quarterLabel),
        datasets: data.series.map(function (series) {
          return {
            label: series.label,
            data: series.values,
            texts: series.texts,
            backgroundColor: COLOURS[series.key] || COLOURS.delivered,
            borderRadius: 3,
            maxBarThickness: 36,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: data.legend, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + item.dataset.texts[item.dataIndex];
              },
            },
          },
        },
        scales: {
          x: { stacked: data.stacked, grid: { display: false }, ticks: { maxRotation: 0 } },
          y: {
            stacked: data.stacked,
            beginAtZero: true,
            grid: { color: GRID },
            ticks: { callback: format, precision: data.currency ? undefined : 0, maxTicksLimit: 6 },
          },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-sparkline]").forEach(sparkline);
    document.querySelectorAll("canvas[data-chart]").forEach(barChart);
  });
})();
