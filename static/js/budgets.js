// The Budget page's burn-downs, drawn with Chart.js (vendored) from the data the server wrote
// into the page (a json_script element named by each canvas's data-burndown): what is left
// each day, the even pace from the allowance to zero, and the forecast at the current pace.
// The same figures are in the table of periods beside each chart.
(function () {
  "use strict";

  if (!window.Chart) {
    return;
  }

  var style = getComputedStyle(document.documentElement);
  var lang = document.documentElement.lang || "en";

  function rgb(name, fallback, alpha) {
    var triplet = style.getPropertyValue("--tblr-" + name + "-rgb").trim() || fallback;
    return alpha === undefined ? "rgb(" + triplet + ")" : "rgba(" + triplet + "," + alpha + ")";
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.burndown);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var options = { maximumFractionDigits: 1 };
    if (data.currency) {
      options.style = "currency";
      options.currency = data.currency;
      options.notation = "compact";
    }
    var number = new Intl.NumberFormat(lang, options);
    var day = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" });
    var labels = data.labels.map(function (iso) {
      return day.format(new Date(iso + "T12:00:00"));
    });
    var datasets = [
      {
        label: canvas.dataset.left,
        data: data.left,
        borderColor: rgb("primary", "6,111,209"),
        backgroundColor: rgb("primary", "6,111,209", 0.12),
        fill: true,
        borderWidth: 2,
        pointRadius: 0,
      },
      {
        label: canvas.dataset.ideal,
        data: data.ideal,
        borderColor: rgb("secondary", "102,115,130", 0.6),
        borderDash: [4, 4],
        borderWidth: 1.5,
        pointRadius: 0,
      },
    ];
    if (data.forecast.length) {
      datasets.push({
        label: canvas.dataset.forecast,
        data: data.forecast,
        borderColor: rgb("orange", "247,103,7"),
        borderDash: [2, 3],
        borderWidth: 2,
        pointRadius: 0,
      });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + number.format(item.parsed.y);
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
          y: {
            ticks: {
              callback: function (value) {
                return number.format(value);
              },
            },
            grid: { color: rgb("secondary", "102,115,130", 0.15) },
          },
        },
      },
    });
  }

  document.querySelectorAll("canvas[data-burndown]").forEach(draw);
})();
