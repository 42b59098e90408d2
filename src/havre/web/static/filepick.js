// A file picker in the page's language (the browser's own says "Choose File" in the browser's):
// the chosen file's name, or "No file chosen", written beside the button (app.css, .file-pick).
(() => {
  "use strict";
  for (const input of document.querySelectorAll(".file-pick input[type=file]")) {
    const shown = document.getElementById(input.dataset.fileName);
    if (!shown) continue;
    const none = shown.textContent;
    const update = () => {
      const names = [...input.files].map((f) => f.name);
      shown.textContent = names.length ? names.join(", ") : none;
      shown.classList.toggle("chosen", names.length > 0);
    };
    input.addEventListener("change", update);
    // A form reset empties the input after its event: read it once it has.
    if (input.form) input.form.addEventListener("reset", () => setTimeout(update));
    update();  // a file kept by the browser's back button
  }
})();
