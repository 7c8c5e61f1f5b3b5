// Boards (the sprint board and the roadmap): cards move between columns by dragging
// (SortableJS), by keyboard (a focused card moves with Alt+→ / Alt+←) or through their
// "Move to…" menu, always through the server's move endpoint and its guards. The server answers
// the board again (it replaces this one) or refuses: the card goes back where it was and the
// reason shows in a toast. Phones show one column at a time, chosen with the switcher.
//
// Markup (templates/backlog/_board.html, templates/roadmap/_board.html):
//   [data-board] root, replaced by the server's answer (same id); data-move-field names the
//     field that carries the target column, data-extra-* are sent with every move;
//   .board__cards[data-column] a column's list; .board__card[data-move-url] a movable card
//     (data-version when the server checks it);
//   form[data-board-move] a card's menu, submitted the same way; [data-board-switch] the phones'
//     column switcher.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (ignored) {
      return "";
    }
  }

  function message(response, fallback) {
    var text = response.headers.get("X-Tandem-Message");
    return text ? decodeURIComponent(text) : fallback;
  }

  // The shell's sentence for a failure the server did not explain (base.html's data-msg-*).
  function failure(response) {
    var data = document.body.dataset;
    if (response.status === 403) {
      return data.msgForbidden;
    }
    if (response.status === 404) {
      return data.msgMissing;
    }
    return response.status >= 500 ? data.msgServer : data.msgFailed;
  }

  function toast(text, tone) {
    if (window.Tandem && text) {
      window.Tandem.toast(text, tone);
    }
  }

  function columns(board) {
    return Array.prototype.slice.call(board.querySelectorAll(".board__cards[data-column]"));
  }

  function announce(board, text) {
    var status = board.querySelector("[data-board-status]");
    if (status) {
      status.textContent = text;
    }
  }

  // Put a card back where it was (a refused move).
  function putBack(card, origin) {
    if (!origin) {
      return;
    }
    var sibling = origin.list.children[origin.index] || null;
    if (sibling !== card) {
      origin.list.insertBefore(card, sibling);
    }
    refreshCounts(card.closest("[data-board]"));
  }

  function refreshCounts(board) {
    if (!board) {
      return;
    }
    columns(board).forEach(function (list) {
      var count = list.querySelectorAll(".board__card").length;
      var column = list.closest(".board__column");
      var badge = column && column.querySelector("[data-column-count]");
      if (badge) {
        badge.textContent = String(count);
      }
    });
  }

  // Send one move; on success the board is replaced by the server's, on refusal the card goes
  // back. `origin` ({list, index}) is where the card was before a drag, null for a menu move.
  function move(board, card, target, origin) {
    var data = new URLSearchParams();
    data.set(board.dataset.moveField, target);
    if (card.dataset.version) {
      data.set("version", card.dataset.version);
    }
    Object.keys(board.dataset).forEach(function (name) {
      if (name.indexOf("extra") === 0 && name.length > 5) {
        data.set(name.charAt(5).toLowerCase() + name.slice(6), board.dataset[name]);
      }
    });
    board.classList.add("board-wrap--busy");
    return fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken(),
        "HX-Request": "true",
        "X-Requested-With": "fetch",
      },
      body: data.toString(),
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.text().then(function (html) {
          return { response: response, html: html };
        });
      })
      .then(function (answer) {
        var response = answer.response;
        var template = document.createElement("template");
        template.innerHTML = answer.html.trim();
        var fresh = template.content.firstElementChild;
        if (response.ok && fresh && fresh.id === board.id) {
          board.replaceWith(fresh);
          init(fresh);
          if (window.htmx) {
            window.htmx.process(fresh);
          }
          var moved = document.getElementById(card.id);
          if (moved) {
            moved.focus();
          }
          toast(message(response, ""), "success");
          return;
        }
        if (response.ok) {
          // A card answered instead of the board (a ticket outside the sprint): reload.
          window.location.reload();
          return;
        }
        board.classList.remove("board-wrap--busy");
        putBack(card, origin);
        // The card as the server now has it (its version may have moved on).
        if (fresh && fresh.id === card.id) {
          card.dataset.version = fresh.dataset.version || card.dataset.version;
        }
        var reason = message(response, failure(response));
        toast(reason, "danger");
        announce(board, reason);
        card.focus();
      })
      .catch(function () {
        board.classList.remove("board-wrap--busy");
        putBack(card, origin);
        toast(document.body.dataset.msgOffline, "danger");
      });
  }

  function originOf(card) {
    var list = card.parentElement;
    return { list: list, index: Array.prototype.indexOf.call(list.children, card) };
  }

  // Alt+→ / Alt+←: the next column in that direction.
  function onKey(board, event) {
    var card = event.target.closest(".board__card[data-move-url]");
    if (!card || event.target !== card || !event.altKey) {
      return;
    }
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") {
      return;
    }
    event.preventDefault();
    var lists = columns(board);
    var index = lists.indexOf(card.parentElement) + (event.key === "ArrowRight" ? 1 : -1);
    if (index < 0 || index >= lists.length) {
      return;
    }
    var origin = originOf(card);
    lists[index].appendChild(card);
    card.focus();
    refreshCounts(board);
    move(board, card, lists[index].dataset.column, origin);
  }

  function onMenu(board, event) {
    var form = event.target.closest("form[data-board-move]");
    if (!form) {
      return;
    }
    event.preventDefault();
    var card = form.closest(".board__card");
    var submitter = event.submitter;
    var field = board.dataset.moveField;
    var target = submitter && submitter.name === field ? submitter.value : form.elements[field].value;
    var list = board.querySelector(".board__cards[data-column='" + target + "']");
    var origin = originOf(card);
    if (list && list !== card.parentElement) {
      list.appendChild(card);
      refreshCounts(board);
    }
    move(board, card, target, origin);
  }

  // Phones: one column at a time; the switcher chooses it.
  function showColumn(board, key) {
    board.querySelectorAll(".board__column").forEach(function (column) {
      column.classList.toggle("is-current", column.dataset.column === key);
    });
  }

  function initSwitcher(board) {
    var switcher = board.querySelector("[data-board-switch]");
    if (!switcher) {
      return;
    }
    var current = board.querySelector(".board__column.is-current");
    if (!current || !current.querySelector(".board__card")) {
      var filled = board.querySelector(".board__column .board__card");
      current = filled ? filled.closest(".board__column") : current || board.querySelector(".board__column");
    }
    if (current) {
      switcher.value = current.dataset.column;
      showColumn(board, current.dataset.column);
    }
    switcher.addEventListener("change", function () {
      showColumn(board, switcher.value);
    });
  }

  function init(board) {
    board.addEventListener("keydown", function (event) {
      onKey(board, event);
    });
    board.addEventListener("submit", function (event) {
      onMenu(board, event);
    });
    initSwitcher(board);
    if (!window.Sortable || board.dataset.readonly !== undefined) {
      return;
    }
    var origin = null;
    columns(board).forEach(function (list) {
      window.Sortable.create(list, {
        group: board.id,
        sort: false,
        draggable: ".board__card[data-move-url]",
        filter: "a, button, select, input, .dropdown-menu",
        preventOnFilter: false,
        // The fallback (pointer events rather than the browser's drag and drop) behaves the
        // same everywhere, phones included.
        forceFallback: true,
        fallbackOnBody: true,
        delay: 150,
        delayOnTouchOnly: true,
        animation: 120,
        onStart: function (event) {
          origin = { list: event.from, index: event.oldIndex };
          board.classList.add("board-wrap--dragging");
        },
        onEnd: function (event) {
          board.classList.remove("board-wrap--dragging");
          if (event.to === event.from) {
            return;
          }
          refreshCounts(board);
          move(board, event.item, event.to.dataset.column, origin);
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-board]").forEach(init);
  });
})();
