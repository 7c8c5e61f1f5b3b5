// Roadmap board: a refused move (400) carries its reason; show it in place of the board.
// Progressive enhancement only: every form works without this file.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && event.detail.target.id === "roadmap-board") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var alert = document.querySelector("#roadmap-board [role='alert']");
    if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  });
})();
