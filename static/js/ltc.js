/* Behaviour the templates ask for with data attributes, so that no page needs an inline script
   or handler (the Content-Security-Policy allows scripts from our own files only):
   - <form data-confirm="question">: asks before submitting (the text is translated and escaped
     by the template; it is read as text here, never as markup);
   - <select data-autosubmit>: submits its form when the choice changes (the language switch);
   - <button data-print>: prints the page (the printable quote). */
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
  });
})();
