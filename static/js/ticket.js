// The ticket page: a property saved in place (htmx) bumps the ticket's version; every form of
// the page that carries the version follows (the highest one shown), so the next edit or
// workflow step is not refused as stale. An opened property's form takes the focus; Escape
// cancels it.
(function () {
  "use strict";

  function syncVersions() {
    var version = 0;
    document.querySelectorAll("[data-version]").forEach(function (element) {
      version = Math.max(version, parseInt(element.getAttribute("data-version"), 10) || 0);
    });
    if (!version) {
      return;
    }
    document.querySelectorAll("[data-version]").forEach(function (element) {
      element.setAttribute("data-version", String(version));
    });
    document.querySelectorAll("input[name=version]").forEach(function (input) {
      // A form showing a refusal keeps the version it was given with it.
      if (!input.closest("form").querySelector("[role=alert]")) {
        input.value = String(version);
      }
    });
  }

  document.addEventListener("htmx:afterSwap", syncVersions);

  document.addEventListener("htmx:afterSettle", function (event) {
    var opened = event.detail.elt;
    var form = opened && opened.matches && opened.matches(".ticket-prop, .ticket-value")
      ? opened.querySelector(".ticket-prop__form, .value-form")
      : null;
    if (!form || form.contains(document.activeElement)) {
      return;
    }
    var control = form.querySelector(
      "[aria-invalid=true], input:not([type=hidden]), select, textarea"
    );
    if (control) {
      control.focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) {
      return;
    }
    var form = event.target.closest(".ticket-prop__form, .value-form");
    var cancel = form && form.querySelector("button[hx-get]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });
})();
