/* A refused form: highlight the field the error names and repeat the message under it. */
(function () {
  "use strict";
  var alert = document.querySelector(".flash-error[data-field]");
  if (!alert || !alert.dataset.field || alert.dataset.field === "action" || alert.dataset.field === "version") { return; }
  var names = alert.dataset.field === "lon" ? ["lon", "lat"] : [alert.dataset.field];
  var first = null;
  names.forEach(function (name) {
    document.querySelectorAll("form [name='" + name.replace(/[^A-Za-z0-9_\[\]]/g, "") + "']").forEach(function (f) {
      f.classList.add("field-error");
      f.setAttribute("aria-invalid", "true");
      first = first || f;
    });
  });
  if (!first) { return; }
  var msg = document.createElement("p");
  msg.className = "error-text field-message";
  msg.textContent = (alert.querySelector(".error-message") || alert).textContent;   // text, never HTML
  var anchor = first.closest("label") || first;
  anchor.parentNode.insertBefore(msg, anchor.nextSibling);
  if (first.focus) { first.focus({preventScroll: false}); }
})();
