/* The referral form: show the phone or the e-mail field only when the contact preference
   uses it (a hidden field is also disabled, so nothing the preference does not use is sent).
   A field holding a refusal stays shown. Without JavaScript both are shown and the server
   says which one to leave empty. */
(function () {
  "use strict";
  var form = document.querySelector("form.referral-form");
  if (!form) { return; }
  var fields = form.querySelectorAll("[data-for-preference]");
  var radios = form.querySelectorAll('input[name="contact_preference"]');
  if (!fields.length || !radios.length) { return; }

  function chosen() {
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].checked) { return radios[i].value; }
    }
    return "";
  }

  function update() {
    var preference = chosen();
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      var input = field.querySelector("input");
      var wanted = (" " + field.getAttribute("data-for-preference") + " ").indexOf(" " + preference + " ") !== -1;
      var refused = input && input.getAttribute("aria-invalid") === "true";
      var show = wanted || refused;
      field.hidden = !show;
      if (input) { input.disabled = !show; }
    }
  }

  for (var i = 0; i < radios.length; i++) { radios[i].addEventListener("change", update); }
  update();
})();
