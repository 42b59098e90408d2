// Small behaviours of server-rendered forms (inline handlers are refused by the page's CSP).
(() => {
  "use strict";
  // A choice that applies at once, like the language: send the form when it changes.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
})();
