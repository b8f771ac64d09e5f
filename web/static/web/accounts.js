// Invitation page: a "Copy link" button, shown only when the browser can copy.
(function () {
  "use strict";
  var button = document.querySelector("[data-copy]");
  if (!button || !navigator.clipboard) return;
  var input = document.getElementById(button.getAttribute("data-copy"));
  var done = document.querySelector("[data-copied]");
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(input.value).then(function () {
      if (done) done.hidden = false;
    }, function () {
      input.select();
    });
  });
})();
