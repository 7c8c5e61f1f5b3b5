// Tandem's shell behaviours: toasts, failed htmx requests, the command palette, keyboard
// shortcuts and a few progressive enhancements. Every page works without them; the Bootstrap
// components come from Tabler's bundle (window.tabler).
(function () {
  "use strict";

  var ui = window.tabler || window.bootstrap || {};

  // --- Toasts ---------------------------------------------------------------------------------
  var TONES = { error: "danger", danger: "danger", warning: "warning", success: "success", info: "info" };

  function showToast(element) {
    if (ui.Toast) {
      ui.Toast.getOrCreateInstance(element, { delay: 6000 }).show();
    } else {
      element.classList.add("show");
    }
  }

  // A toast made in the page (an htmx answer, an undo): `action` is an optional
  // {label, onClick} button.
  function toast(message, tone, action) {
    var container = document.getElementById("toasts");
    if (!container) {
      return null;
    }
    tone = TONES[tone] || "info";
    var element = document.createElement("div");
    var urgent = tone === "danger";
    element.className = "toast align-items-center border-0 toast--" + tone;
    element.setAttribute("role", urgent ? "alert" : "status");
    element.setAttribute("aria-live", urgent ? "assertive" : "polite");
    element.setAttribute("aria-atomic", "true");
    if (urgent) {
      element.dataset.bsAutohide = "false";
    }
    var row = document.createElement("div");
    row.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;
    row.appendChild(body);
    if (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-link toast__action";
      button.textContent = action.label;
      button.addEventListener("click", function () {
        action.onClick();
        element.remove();
      });
      row.appendChild(button);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", document.body.dataset.msgClose || "Close");
    row.appendChild(close);
    element.appendChild(row);
    container.appendChild(element);
    element.addEventListener("hidden.bs.toast", function () {
      element.remove();
    });
    showToast(element);
    return element;
  }

  // --- Failed htmx requests: never silent -------------------------------------------------------
  // The server's own words when it sent some (a problem+json title, or an HX-Trigger toast),
  // otherwise a translated sentence by kind of failure. Nothing is swapped, so what was typed
  // stays in the form (see the htmx-config meta of base.html).
  function failureMessage(xhr) {
    var data = document.body.dataset;
    var type = (xhr.getResponseHeader("Content-Type") || "").split(";")[0];
    if (type === "application/problem+json" || type === "application/json") {
      try {
        var problem = JSON.parse(xhr.responseText);
        if (problem && (problem.detail || problem.title)) {
          return problem.detail || problem.title;
        }
      } catch (ignored) {
        // Not JSON after all: fall back to the sentence of its status.
      }
    }
    var message = xhr.getResponseHeader("X-Tandem-Message");
    if (message) {
      return decodeURIComponent(message);
    }
    if (xhr.status === 403) {
      return data.msgForbidden;
    }
    if (xhr.status === 404) {
      return data.msgMissing;
    }
    if (xhr.status >= 500) {
      return data.msgServer;
    }
    return data.msgFailed;
  }

  document.addEventListener("htmx:responseError", function (event) {
    toast(failureMessage(event.detail.xhr), "danger");
  });
  document.addEventListener("htmx:sendError", function () {
    toast(document.body.dataset.msgOffline, "danger");
  });
  document.addEventListener("htmx:timeout", function () {
    toast(document.body.dataset.msgOffline, "danger");
  });
  // A view may ask for a toast with the HX-Trigger header: {"toast": {"message": ..., "tone": ...}}.
  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    if (detail.message) {
      toast(detail.message, detail.tone || "success");
    }
  });

  // --- The command palette --------------------------------------------------------------------
  function paletteElement() {
    return document.getElementById("palette");
  }

  function openPalette() {
    var element = paletteElement();
    if (!element || !ui.Modal) {
      return;
    }
    ui.Modal.getOrCreateInstance(element).show();
  }

  function paletteItems() {
    return Array.prototype.slice.call(document.querySelectorAll("#palette-results .palette__item"));
  }

  function highlight(items, index) {
    items.forEach(function (item, i) {
      var active = i === index;
      item.classList.toggle("active", active);
      item.setAttribute("aria-selected", active ? "true" : "false");
      if (active) {
        item.scrollIntoView({ block: "nearest" });
      }
    });
  }

  // Leave the page once its own htmx requests are answered (at most 3 s): a save in flight is
  // not cut off, and nothing is aborted behind the person's back.
  function navigateWhenSettled(url) {
    var waited = 0;
    (function go() {
      if (!document.querySelector(".htmx-request") || waited >= 3000) {
        window.location.assign(url);
        return;
      }
      waited += 50;
      window.setTimeout(go, 50);
    })();
  }

  function wirePalette() {
    var element = paletteElement();
    if (!element) {
      return;
    }
    var input = element.querySelector(".palette__input");
    element.addEventListener("shown.bs.modal", function () {
      input.focus();
      input.select();
      if (!document.querySelector("#palette-results .palette__item, #palette-results p")) {
        window.htmx && window.htmx.trigger(input, "search");
      }
    });
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target.id === "palette-results") {
        // Only results of what the field holds now may be opened with Enter.
        var meta = event.detail.target.querySelector("[data-query]");
        var current = input.value.trim().slice(0, 200);
        highlight(paletteItems(), meta && meta.dataset.query === current ? 0 : -1);
      }
    });
    // Results of an earlier query are stale as soon as the query changes: Enter must not open
    // one of them while the new results are on their way.
    input.addEventListener("input", function () {
      highlight(paletteItems(), -1);
    });
    input.addEventListener("keydown", function (event) {
      var items = paletteItems();
      var index = items.findIndex(function (item) {
        return item.classList.contains("active");
      });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!items.length) {
          return;
        }
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(items, (index + step + items.length) % items.length);
      } else if (event.key === "Enter" && index >= 0) {
        event.preventDefault();
        navigateWhenSettled(items[index].href);
      }
    });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-palette-open]")) {
      openPalette();
    }
  });

  // --- Keyboard shortcuts -----------------------------------------------------------------------
  // Ctrl-K / Cmd-K anywhere; single keys (c, j, k, ...) only when no field has the focus. Pages
  // add theirs with Tandem.shortcut(key, handler).
  var shortcuts = {};

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable='true'], .modal.show");
  }

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      openPalette();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var handler = shortcuts[event.key];
    if (handler) {
      handler(event);
    }
  });

  // Ctrl-Enter (Cmd-Enter) submits the form being typed in.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = event.target.closest && event.target.closest("form");
      if (form && form.requestSubmit) {
        event.preventDefault();
        form.requestSubmit();
      }
    }
  });

  // --- Small enhancements -----------------------------------------------------------------------
  function enableCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (!navigator.clipboard) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copyTarget);
        if (!source) {
          return;
        }
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = button.dataset.copiedLabel || button.textContent;
        });
      });
    });
  }

  // Bars and meters sized from data-width (a percentage): the CSP forbids style attributes.
  function sizeBars(root) {
    root.querySelectorAll("[data-width]").forEach(function (bar) {
      var value = parseFloat(bar.dataset.width);
      if (!isNaN(value)) {
        bar.style.width = Math.max(0, Math.min(100, value)) + "%";
      }
    });
  }

  // A GET form of filters submits as soon as one of its checkboxes or selects changes.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form && event.target.matches("input[type=checkbox], input[type=radio], select")) {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });

  // A table that scrolls inside its box is reachable by keyboard (and named by its caption).
  function focusableScrollers(root) {
    root.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (box) {
      var caption = box.querySelector("caption");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
    });
  }

  // A row of tabs wider than a phone scrolls sideways: the current tab starts in view.
  function currentTabInView(root) {
    root.querySelectorAll(".tabs-nav .nav-tabs").forEach(function (row) {
      var current = row.querySelector(".nav-link.active, [aria-current=page]");
      if (!current || row.scrollWidth <= row.clientWidth) {
        return;
      }
      var left = current.offsetLeft - row.offsetLeft;
      var right = left + current.offsetWidth;
      if (left < row.scrollLeft || right > row.scrollLeft + row.clientWidth) {
        row.scrollLeft = Math.max(0, right - row.clientWidth + 16);
      }
    });
  }

  function enhance(root) {
    enableCopyButtons(root);
    sizeBars(root);
    focusableScrollers(root);
    currentTabInView(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    wirePalette();
    document.querySelectorAll("#toasts .toast").forEach(showToast);
  });

  // A form carrying data-confirm asks before it sends (deleting a budget, cancelling a
  // meeting, a new calendar feed address); captured first, so no other handler sends it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.detail.target);
    // Content swapped in by htmx: move focus to the first error so that it is announced.
    var invalid = event.detail.target.querySelector("[aria-invalid='true']");
    if (invalid) {
      invalid.focus();
    }
  });

  window.Tandem = {
    toast: toast,
    openPalette: openPalette,
    shortcut: function (key, handler) {
      shortcuts[key] = handler;
    },
  };
})();
