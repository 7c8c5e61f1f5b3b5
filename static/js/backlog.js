// The backlog pages: the bug template of the "log a ticket" form, and on the ranked list the
// keyboard (j/k, Enter, c), the side panel, bulk selection and re-ranking by drag and drop or
// Alt+Up/Down with an undo toast. Progressive enhancements: every link and form works without
// this file (tandem.js gives the shortcuts, toasts and Ctrl-Enter).
(function () {
  "use strict";

  var ui = window.tabler || window.bootstrap || {};
  // htmx "settles" the style attribute of swapped elements by writing it back, which the CSP
  // (style-src 'self') refuses once a drag has left inline styles on a row: settle classes only.
  if (window.htmx) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }
  var text = function (name, fallback) {
    var list = document.getElementById("backlog");
    return (list && list.dataset[name]) || document.body.dataset[name] || fallback;
  };

  // --- The bug template shows only while the kind "bug" is chosen ----------------------------
  function enableBugTemplate(root) {
    root.querySelectorAll("form").forEach(function (form) {
      var template = form.querySelector("[data-bug-template]");
      if (!template || form.dataset.bugReady) {
        return;
      }
      form.dataset.bugReady = "1";
      function update() {
        var chosen = form.querySelector("[name='kind']:checked") || form.querySelector("select[name='kind']");
        template.hidden = !chosen || chosen.value !== "bug";
      }
      form.addEventListener("change", function (event) {
        if (event.target.name === "kind") {
          update();
        }
      });
      update();
    });
  }

  // --- The ranked list -----------------------------------------------------------------------
  function list() {
    return document.getElementById("backlog");
  }

  function rows() {
    var body = document.querySelector("#backlog tbody[data-rows]");
    return body ? Array.prototype.slice.call(body.querySelectorAll("tr[data-key]")) : [];
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (ignored) {
      return "";
    }
  }

  function detailUrl(row) {
    return row.querySelector(".bl-title > a").getAttribute("href");
  }

  // The list again, as filtered now; resolves once it is in the page.
  function refresh() {
    var element = list();
    if (!element || !window.htmx) {
      window.location.reload();
      return Promise.resolve();
    }
    return window.htmx.ajax("GET", window.location.pathname + window.location.search, {
      target: "#backlog",
      swap: "outerHTML",
    });
  }

  function focusHandle(key) {
    var row = document.querySelector("#backlog tr[data-key='" + key + "']");
    var handle = row && row.querySelector(".drag-handle");
    if (handle) {
      handle.focus();
    }
  }

  // POST a pin: {after: key} (dropped under that ticket, "" at the top) or {rank: n or ""}.
  function pin(key, version, fields) {
    var row = document.querySelector("#backlog tr[data-key='" + key + "']");
    var url = (row ? detailUrl(row) : "") + "pin/";
    var body = new FormData();
    body.append("version", version);
    Object.keys(fields).forEach(function (name) {
      body.append(name, fields[name] === null ? "" : fields[name]);
    });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            return { ok: response.ok, data: data, status: response.status };
          });
      },
      function () {
        return { ok: false, data: { detail: document.body.dataset.msgOffline }, status: 0 };
      }
    );
  }

  function failed(answer) {
    var detail = answer.data && answer.data.detail;
    if (!detail) {
      detail = answer.status === 403 ? document.body.dataset.msgForbidden : document.body.dataset.msgFailed;
    }
    window.Tandem.toast(detail, "danger");
  }

  // Move a ticket under another (its key, "" for the top); the list is read again whatever
  // the answer, so a refused move snaps back.
  function move(key, version, after) {
    return pin(key, version, { after: after }).then(function (answer) {
      return refresh().then(function () {
        if (!answer.ok) {
          failed(answer);
          focusHandle(key);
          return;
        }
        var done = answer.data;
        window.Tandem.toast(done.detail, "success", {
          label: text("msgUndo", "Undo"),
          onClick: function () {
            pin(done.key, done.version, { rank: done.previous }).then(function (undone) {
              refresh().then(function () {
                if (undone.ok) {
                  window.Tandem.toast(undone.data.detail, "info");
                } else {
                  failed(undone);
                }
                focusHandle(done.key);
              });
            });
          },
        });
        focusHandle(key);
      });
    });
  }

  function afterKeyOf(row) {
    var previous = row.previousElementSibling;
    while (previous && !previous.dataset.key) {
      previous = previous.previousElementSibling;
    }
    return previous ? previous.dataset.key : "";
  }

  function enableDrag(root) {
    var body = root.querySelector && root.querySelector("tbody[data-rows]");
    if (!body || !window.Sortable || !body.querySelector(".drag-handle") || body.dataset.sortable) {
      return;
    }
    body.dataset.sortable = "1";
    window.Sortable.create(body, {
      handle: ".drag-handle",
      draggable: "tr[data-key]",
      animation: 120,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) {
          return;
        }
        var row = event.item;
        move(row.dataset.key, row.dataset.version, afterKeyOf(row));
      },
    });
  }

  // Alt+Up / Alt+Down on a handle: one place up or down, by the same request as a drop.
  document.addEventListener("keydown", function (event) {
    var handle = event.target.closest && event.target.closest("#backlog .drag-handle");
    if (!handle || !event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) {
      return;
    }
    event.preventDefault();
    var row = handle.closest("tr");
    var all = rows();
    var index = all.indexOf(row);
    var after;
    if (event.key === "ArrowUp") {
      if (index <= 0) {
        return;
      }
      after = index >= 2 ? all[index - 2].dataset.key : "";
    } else {
      if (index < 0 || index >= all.length - 1) {
        return;
      }
      after = all[index + 1].dataset.key;
    }
    move(row.dataset.key, row.dataset.version, after);
  });

  // --- The side panel ------------------------------------------------------------------------
  function openPanel(url) {
    var panel = document.getElementById("ticket-panel");
    var body = document.getElementById("ticket-panel-body");
    if (!panel || !body || !ui.Offcanvas || !window.htmx) {
      window.location.assign(url);
      return;
    }
    body.setAttribute("aria-busy", "true");
    ui.Offcanvas.getOrCreateInstance(panel).show();
    window.htmx.ajax("GET", url + "peek/", { target: "#ticket-panel-body", swap: "innerHTML" }).then(function () {
      body.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#backlog .bl-title > a");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return;
    }
    event.preventDefault();
    openPanel(link.getAttribute("href"));
  });

  // --- j / k move between tickets, Enter opens the focused one (its link) ---------------------
  function step(delta) {
    var all = rows();
    if (!all.length) {
      return;
    }
    var current = document.activeElement && document.activeElement.closest("#backlog tr[data-key]");
    var index = all.indexOf(current);
    var next = index < 0 ? (delta > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + delta));
    var link = all[next].querySelector(".bl-title > a");
    link.focus();
    all[next].scrollIntoView({ block: "nearest" });
  }

  // --- "Log a ticket" in a dialog: c, type, Ctrl-Enter -----------------------------------------
  function logDialog() {
    return document.getElementById("log-ticket");
  }

  function openLogDialog() {
    var dialog = logDialog();
    if (!dialog || !ui.Modal) {
      var link = document.querySelector("[data-log-ticket]");
      if (link) {
        window.location.assign(link.href);
      }
      return;
    }
    ui.Modal.getOrCreateInstance(dialog).show();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-log-ticket]");
    if (link && logDialog() && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      openLogDialog();
    }
  });

  document.addEventListener("shown.bs.modal", function (event) {
    if (event.target === logDialog()) {
      var title = event.target.querySelector("input[name='title']");
      if (title) {
        title.focus();
      }
    }
  });

  // Filed from the dialog (204 with this event): close it, empty it, show the new ticket.
  document.addEventListener("ticketCreated", function (event) {
    var dialog = logDialog();
    if (!dialog) {
      return;
    }
    var form = dialog.querySelector("form");
    if (form) {
      form.reset();
      enableBugTemplate(dialog);
      form.dispatchEvent(new Event("change"));
    }
    if (ui.Modal) {
      ui.Modal.getOrCreateInstance(dialog).hide();
    }
    var key = event.detail && event.detail.key;
    refresh().then(function () {
      var row = key && document.querySelector("#backlog tr[data-key='" + key + "']");
      if (row) {
        row.classList.add("is-new");
        row.querySelector(".bl-title > a").focus();
      }
    });
  });

  // --- Bulk selection ------------------------------------------------------------------------
  function updateBulk() {
    var form = document.getElementById("backlog-bulk");
    if (!form) {
      return;
    }
    var boxes = Array.prototype.slice.call(document.querySelectorAll("#backlog input[name='tickets']"));
    var chosen = boxes.filter(function (box) {
      return box.checked;
    }).length;
    form.hidden = chosen === 0;
    var options = form.querySelector("[data-bulk-options]");
    if (chosen && options && window.htmx) {
      window.htmx.trigger(options, "bulk-open");
    }
    var counter = form.querySelector("[data-bulk-count]");
    if (counter) {
      counter.textContent = text("msgSelected", "{n} selected").replace("{n}", chosen);
    }
    var all = document.querySelector("#backlog [data-select-all]");
    if (all) {
      all.checked = chosen > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
    rows().forEach(function (row) {
      var box = row.querySelector("input[name='tickets']");
      row.classList.toggle("is-selected", !!(box && box.checked));
    });
  }

  document.addEventListener("change", function (event) {
    if (!event.target.closest || !event.target.closest("#backlog")) {
      return;
    }
    if (event.target.matches("[data-select-all]")) {
      document.querySelectorAll("#backlog input[name='tickets']").forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.matches("[data-select-all], input[name='tickets']")) {
      updateBulk();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-bulk-clear]")) {
      document.querySelectorAll("#backlog input[name='tickets'], #backlog [data-select-all]").forEach(function (box) {
        box.checked = false;
      });
      updateBulk();
    }
  });

  // --- Wiring --------------------------------------------------------------------------------
  function enhance(root) {
    enableBugTemplate(root);
    enableDrag(root);
    updateBulk();
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    if (list() && window.Tandem) {
      window.Tandem.shortcut("j", function (event) {
        event.preventDefault();
        step(1);
      });
      window.Tandem.shortcut("k", function (event) {
        event.preventDefault();
        step(-1);
      });
      if (logDialog()) {
        window.Tandem.shortcut("c", function (event) {
          event.preventDefault();
          openLogDialog();
        });
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(document);
    // The dialog's form arrives after the page: if the dialog is already open, type into it.
    var dialog = logDialog();
    if (dialog && dialog.contains(event.detail.target) && dialog.classList.contains("show")) {
      var title = dialog.querySelector("input[name='title']");
      if (title && !dialog.querySelector("[aria-invalid='true']")) {
        title.focus();
      }
    }
  });
})();

// The value/effort matrix: a Chart.js scatter drawn from the page's data (json_script), one
// colour per quadrant, the medians as lines; a dot opens its ticket. The table beside it holds
// the same points for those who do not see the chart.
(function () {
  "use strict";

  var COLOURS = { quick_win: "#2fb344", big_bet: "#066fd1", fill_in: "#667382", money_pit: "#d63939", "": "#667382" };

  function medianLines(data) {
    return {
      id: "medians",
      afterDatasetsDraw: function (chart) {
        var area = chart.chartArea;
        var context = chart.ctx;
        context.save();
        context.strokeStyle = "#9aa0ac";
        context.setLineDash([6, 4]);
        context.lineWidth = 1;
        if (data.medians.effort !== null) {
          var x = chart.scales.x.getPixelForValue(data.medians.effort);
          context.beginPath();
          context.moveTo(x, area.top);
          context.lineTo(x, area.bottom);
          context.stroke();
        }
        if (data.medians.value !== null) {
          var y = chart.scales.y.getPixelForValue(data.medians.value);
          context.beginPath();
          context.moveTo(area.left, y);
          context.lineTo(area.right, y);
          context.stroke();
        }
        context.restore();
      },
    };
  }

  function drawMatrix() {
    var source = document.getElementById("matrix-data");
    var canvas = document.getElementById("matrix-chart");
    if (!source || !canvas || !window.Chart) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var locale = document.documentElement.lang || "en";
    var money = new Intl.NumberFormat(locale, { style: "currency", currency: data.currency, maximumFractionDigits: 0 });
    var compact = new Intl.NumberFormat(locale, { style: "currency", currency: data.currency, notation: "compact", maximumFractionDigits: 1 });
    var number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    var datasets = Object.keys(data.quadrants).map(function (quadrant) {
      return {
        label: data.quadrants[quadrant],
        data: data.points
          .filter(function (point) {
            return point.quadrant === quadrant;
          })
          .map(function (point) {
            return { x: point.effort, y: point.value, point: point };
          }),
        backgroundColor: COLOURS[quadrant],
        borderColor: COLOURS[quadrant],
        pointRadius: 6,
        pointHoverRadius: 8,
      };
    });
    new window.Chart(canvas, {
      type: "scatter",
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false,
        layout: { padding: { top: 8, right: 12 } },
        scales: {
          x: { beginAtZero: true, grace: "5%", title: { display: true, text: data.axes.x }, ticks: { callback: function (value) { return number.format(value); } } },
          y: { beginAtZero: true, grace: "5%", title: { display: true, text: data.axes.y }, ticks: { callback: function (value) { return compact.format(value); } } },
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var point = item.raw.point;
                return point.key + " " + point.title + ": " + money.format(point.value) + ", " + number.format(point.effort) + " " + data.unit;
              },
            },
          },
        },
        onClick: function (event, elements) {
          if (elements.length) {
            var point = datasets[elements[0].datasetIndex].data[elements[0].index].point;
            window.location.assign(point.url);
          }
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
      },
      plugins: [medianLines(data)],
    });
  }

  document.addEventListener("DOMContentLoaded", drawMatrix);
})();
