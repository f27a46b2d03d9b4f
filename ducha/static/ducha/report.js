// The report form never loses what was typed: warn before leaving it with unsaved changes,
// and after a refused save bring the list of what to fix into view. (No inline script: CSP.)
(function () {
  var form = document.querySelector("form[data-keep]");
  if (!form) return;
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
  var errors = document.getElementById("errors");
  if (errors) errors.focus();
})();
