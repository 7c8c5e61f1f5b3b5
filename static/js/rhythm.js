// The rhythm pages' behaviours, progressive enhancements only: every form works without them.
(function () {
  "use strict";

  // An outcome's owner and due date matter only for a follow-up: hide them otherwise.
  function syncOutcomeForm(form) {
    var kind = form.querySelector("select[name$='kind']");
    if (!kind) {
      return;
    }
    var followUp = kind.value === "follow_up";
    form.querySelectorAll("[name$='owner'], [name$='due_date']").forEach(function (field) {
      var wrapper = field.closest("div") || field;
      wrapper.hidden = !followUp;
    });
  }

  function enableOutcomeForms(root) {
    root.querySelectorAll("form[data-outcome-form]").forEach(function (form) {
      syncOutcomeForm(form);
      form.addEventListener("change", function () {
        syncOutcomeForm(form);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enableOutcomeForms(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enableOutcomeForms(event.detail.target.parentNode || document);
  });
})();
