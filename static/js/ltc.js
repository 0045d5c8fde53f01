/* Behaviour the templates ask for with data attributes, so that no page needs an inline script
   or handler (the Content-Security-Policy allows scripts from our own files only):
   - <form data-confirm="question">: asks before submitting (the text is translated and escaped
     by the template; it is read as text here, never as markup);
   - <select data-autosubmit>: submits its form when the choice changes (the language switch);
   - <button data-print>: prints the page (the printable quote);
   - <details data-menu-group>: a dropdown of the main menu. <details>/<summary> open and close
     it with the mouse, a tap, Enter or Space (and work without this script); here one open group
     closes the others, Escape or a click elsewhere closes it, and the arrow keys move between
     its links;
   - <details data-phone-collapsed open>: a list's filter card, closed on a phone-sized screen
     unless a filter is in use (data-active); open without this script. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) { field.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { window.print(); }
    var inside = event.target.closest ? event.target.closest("[data-menu-group]") : null;
    closeGroups(inside);
  });
  function foldFilters(phone) {
    if (!phone) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("details[data-phone-collapsed]"), function (card) {
      if (!card.hasAttribute("data-active")) { card.open = false; }
    });
  }
  if (window.matchMedia) {
    var phone = window.matchMedia("(max-width: 640px)");
    foldFilters(phone.matches);
    if (phone.addEventListener) {
      phone.addEventListener("change", function (event) { foldFilters(event.matches); });
    }
  }
  function groups() { return document.querySelectorAll("details[data-menu-group]"); }
  function closeGroups(except) {
    Array.prototype.forEach.call(groups(), function (group) {
      if (group !== except && group.open) { group.open = false; }
    });
  }
  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (group.hasAttribute && group.hasAttribute("data-menu-group") && group.open) { closeGroups(group); }
  }, true);
  document.addEventListener("keydown", function (event) {
    var group = event.target.closest ? event.target.closest("details[data-menu-group]") : null;
    if (!group) { return; }
    var links = Array.prototype.slice.call(group.querySelectorAll(".menu-panel a"));
    var at = links.indexOf(document.activeElement);
    if (event.key === "Escape" && group.open) {
      group.open = false;
      group.querySelector("summary").focus();
      event.preventDefault();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!group.open) { group.open = true; }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = at < 0 ? (step > 0 ? 0 : links.length - 1) : (at + step + links.length) % links.length;
      if (links[next]) { links[next].focus(); }
      event.preventDefault();
    }
  });
})();
