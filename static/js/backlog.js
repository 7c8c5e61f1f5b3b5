// Backlog pages: keyboard submit, the bug template, and htmx refusals shown in place.
// Progressive enhancements only: every form works without this file.
(function () {
  "use strict";

  // Ctrl+Enter (Cmd+Enter on a Mac) submits forms marked data-submit-shortcut.
  function enableSubmitShortcut(root) {
    root.querySelectorAll("form[data-submit-shortcut]").forEach(function (form) {
      if (form.dataset.shortcutReady) {
        return;
      }
      form.dataset.shortcutReady = "1";
      form.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          if (typeof form.requestSubmit === "function") {
            form.requestSubmit();
          } else {
            form.submit();
          }
        }
      });
    });
  }

  // The bug template shows only while the kind "bug" is chosen.
  function enableBugTemplate(root) {
    root.querySelectorAll("form").forEach(function (form) {
      var template = form.querySelector("[data-bug-template]");
      if (!template) {
        return;
      }
      var kindInputs = form.querySelectorAll("[name='kind']");
      function currentKind() {
        var value = "";
        kindInputs.forEach(function (input) {
          if (input.type === "radio") {
            if (input.checked) {
              value = input.value;
            }
          } else {
            value = input.value;
          }
        });
        return value;
      }
      function update() {
        template.hidden = currentKind() !== "bug";
      }
      kindInputs.forEach(function (input) {
        input.addEventListener("change", update);
      });
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enableSubmitShortcut(document);
    enableBugTemplate(document);
  });

  // A refused step (409) or an invalid form (400) carries its reasons: show them in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    enableSubmitShortcut(event.detail.target);
    var alert = event.detail.target.querySelector("[role='alert']");
    if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  });
})();
