// Attachments on the ticket page: files dropped on the attachments card, or pasted (a
// screenshot in the clipboard) anywhere on the page but a text field, are sent at once; a
// screenshot pasted into the comment box joins the comment. Before anything is sent, each file
// is checked against the limits the server gave the input (data-max-bytes, data-max-files): a
// file too large is refused here with the server's own words, and nothing is sent. The server
// checks everything again from the files' bytes.
(function () {
  "use strict";

  function refuse(message) {
    if (window.Tandem && window.Tandem.toast) {
      window.Tandem.toast(message, "danger");
    }
  }

  function withinLimits(input, files) {
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
    var maxFiles = parseInt(input.getAttribute("data-max-files"), 10) || 0;
    if (maxFiles && files.length > maxFiles) {
      refuse(input.getAttribute("data-too-many"));
      return false;
    }
    for (var i = 0; i < files.length; i += 1) {
      if (maxBytes && files[i].size > maxBytes) {
        refuse(input.getAttribute("data-too-large").replace("NAME", files[i].name));
        return false;
      }
    }
    return true;
  }

  function place(input, files) {
    var transfer = new DataTransfer();
    for (var i = 0; i < files.length; i += 1) {
      transfer.items.add(files[i]);
    }
    input.files = transfer.files;
  }

  function send(form, files) {
    var input = form.querySelector("input[type=file]");
    if (!input || !files.length || !withinLimits(input, files)) {
      return;
    }
    place(input, files);
    form.requestSubmit();
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) {
      if (!withinLimits(input, input.files)) {
        input.value = "";
      }
    }
  });

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var form = event.target.closest && event.target.closest("[data-attachment-drop]");
      if (form && event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        form.classList.add("is-dragging");
      }
    });
  });

  ["dragleave", "drop"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var form = event.target.closest && event.target.closest("[data-attachment-drop]");
      if (form) {
        form.classList.remove("is-dragging");
      }
    });
  });

  document.addEventListener("drop", function (event) {
    var form = event.target.closest && event.target.closest("[data-attachment-drop]");
    if (form && event.dataTransfer && event.dataTransfer.files.length) {
      event.preventDefault();
      send(form, event.dataTransfer.files);
    }
  });

  document.addEventListener("paste", function (event) {
    var files = event.clipboardData && event.clipboardData.files;
    if (!files || !files.length) {
      return;
    }
    var comment = event.target.closest && event.target.closest("#comments");
    if (comment) {
      var input = comment.querySelector("input[type=file]");
      if (input && withinLimits(input, files)) {
        event.preventDefault();
        place(input, files);
      }
      return;
    }
    if (event.target.closest && event.target.closest("input, textarea, [contenteditable]")) {
      return;
    }
    var form = document.querySelector("[data-attachment-drop]");
    if (form) {
      event.preventDefault();
      send(form, files);
    }
  });
})();
