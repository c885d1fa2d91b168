// ressursbank: the few behaviours pages need beyond htmx (no inline script: the CSP forbids it).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
});
// After htmx swaps in new content, move focus to an element that asks for it, so screen readers follow.
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.target && event.target.querySelector ? event.target.querySelector("[data-focus]") : null;
  if (target) { target.focus(); }
});
