// Tandem's few behaviours: progressive enhancements only; every page works without them.
(function () {
  "use strict";

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

  // Close the engagement switcher when focus or a click leaves it.
  function closeSwitchersOutside(event) {
    document.querySelectorAll("details.switcher[open]").forEach(function (details) {
      if (!details.contains(event.target)) {
        details.open = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enableCopyButtons(document);
    document.addEventListener("click", closeSwitchersOutside);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        document.querySelectorAll("details.switcher[open]").forEach(function (details) {
          details.open = false;
          details.querySelector("summary").focus();
        });
      }
    });
  });

  // Content swapped in by htmx: move focus to the first error so that it is announced.
  document.addEventListener("htmx:afterSwap", function (event) {
    enableCopyButtons(event.detail.target);
    var invalid = event.detail.target.querySelector("[aria-invalid='true']");
    if (invalid) {
      invalid.focus();
    }
  });
})();
