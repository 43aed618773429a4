// The provider's page: − and + change the figure beside them in place, so the usual update is
// two taps (+, then Save) without a round trip. Without this file they are submit buttons and
// the server does the same. Nothing is saved until Save is pressed.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-step]") : null;
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute("data-for"));
    if (!input) {
      return;
    }
    event.preventDefault();
    var value = parseFloat(input.value);
    if (isNaN(value)) {
      value = parseFloat(input.defaultValue) || 0;
    }
    value = Math.max(0, value + parseInt(button.getAttribute("data-step"), 10));
    if (input.max !== "" && !isNaN(parseFloat(input.max))) {
      value = Math.min(value, parseFloat(input.max));
    }
    input.value = String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
