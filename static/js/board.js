/* The pipeline board: dragging a card onto a later stage asks what that stage still needs.
   Dropping never moves a deal: it loads the stage's checklist (the `move` partial) into a
   dialog, whose confirm button (shown only when nothing is missing) posts the move.
   The "Move to…" form on each card does the same without dragging, and without JavaScript
   it opens the move page. No libraries beyond htmx, which base.html loads. */
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  if (!board) {
    return;
  }
  var dialog = document.getElementById("move-dialog");
  var body = document.getElementById("move-body");
  var dragged = null;

  function openDialog() {
    if (!dialog || dialog.open) {
      return;
    }
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
  }

  function say(text) {
    var p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = text;
    body.replaceChildren(p);
    openDialog();
  }

  function loadChecklist(url) {
    if (!window.htmx) {
      window.location.href = url; // the full move page tells the same
      return;
    }
    say(board.dataset.loading);
    window.htmx.ajax("GET", url, { target: body, swap: "innerHTML" });
  }

  function columnOf(node) {
    return node && node.closest ? node.closest(".board-column") : null;
  }

  function clearTargets() {
    board.querySelectorAll(".drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".board-card") : null;
    if (!card) {
      return;
    }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.moveUrl);
  });

  board.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("dragging");
    }
    dragged = null;
    clearTargets();
  });

  board.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) {
      return;
    }
    event.preventDefault(); // accept the drop everywhere, so a wrong column gets an answer too
    var forward = Number(column.dataset.stageOrder) > Number(dragged.dataset.stageOrder);
    event.dataTransfer.dropEffect = forward ? "move" : "none";
    if (forward) {
      column.classList.add("drop-target");
    }
  });

  board.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) {
      column.classList.remove("drop-target");
    }
  });

  board.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) {
      return;
    }
    event.preventDefault();
    clearTargets();
    var from = Number(dragged.dataset.stageOrder);
    var to = Number(column.dataset.stageOrder);
    if (to === from) {
      return; // dropped back where it was: nothing asked, nothing to say
    }
    if (to < from) {
      say(board.dataset.backward);
      return;
    }
    var here = window.location.pathname + window.location.search;
    loadChecklist(dragged.dataset.moveUrl + "?to_stage=" + encodeURIComponent(column.dataset.stageCode) +
      "&next=" + encodeURIComponent(here));
  });

  // The partial arrived (from a drop or a "Move to…" form): show it.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === body) {
      openDialog();
      var focusable = body.querySelector("button, a");
      if (focusable) {
        focusable.focus();
      }
    }
  });

  function failed(event) {
    if (event.detail.target === body || (event.detail.elt && board.contains(event.detail.elt))) {
      say(board.dataset.failed);
    }
  }
  document.body.addEventListener("htmx:responseError", failed);
  document.body.addEventListener("htmx:sendError", failed);
})();
