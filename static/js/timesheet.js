// The weekly timesheet: Enter in "Add a row" adds the row (elsewhere Enter saves the week);
// a cell's content is selected when Tab reaches it, so typing replaces it.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.id !== "add-ticket") {
      return;
    }
    var form = event.target.form;
    var add = form && form.querySelector('button[name="add"]');
    if (add) {
      event.preventDefault();
      add.click();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("timesheet__input")) {
      event.target.select();
    }
  });
})();
