// After a refused form: give its error summary focus, which brings it into view and has a
// screen reader read it. Without JavaScript the summary is still the first thing on the page.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.scrollIntoView({ block: "start" });
  // A link to a question lands in it: on its input, or a group's first choice.
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var input = target.matches("input, select, textarea")
      ? target
      : target.querySelector("input, select, textarea");
    event.preventDefault();
    target.scrollIntoView({ block: "start" });
    if (input) input.focus({ preventScroll: true });
  });
})();
