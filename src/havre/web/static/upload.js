// Upload with a progress bar, then follow processing until the video is live or has failed.
(() => {
  "use strict";
  const S = JSON.parse(document.getElementById("upload-strings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("upload-form");
  const status = document.getElementById("upload-status");
  const bar = document.getElementById("upload-progress");
  const message = document.getElementById("upload-message");

  function say(text, link) {
    message.replaceChildren(document.createTextNode(text));
    if (link) {
      const a = document.createElement("a");
      a.href = link; a.textContent = " " + S.view;
      message.append(a);
    }
  }

  async function follow(id) {
    for (;;) {
      const res = await fetch(`/api/videos/${id}`, { credentials: "same-origin" });
      const v = await res.json();
      if (v.status === "ready") { bar.value = 100; say(S.ready, v.url); return; }
      if (v.status === "failed") { say(`${S.failed} ${v.error || ""}`); return; }
      say(S.processing);
      bar.removeAttribute("value");  // indeterminate while the server works
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/videos");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (ev) => {
      if (!ev.lengthComputable) return;
      const pct = Math.round((100 * ev.loaded) / ev.total);
      bar.value = pct;
      say(S.uploading.replace("%(percent)s%%", pct + "%"));
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status === 201) { form.reset(); follow(body.id); }
      else { say(`${S.error} ${body.detail || xhr.statusText}`); form.querySelector("button").disabled = false; }
    });
    xhr.addEventListener("error", () => { say(S.error); form.querySelector("button").disabled = false; });
    status.hidden = false;
    form.querySelector("button").disabled = true;
    xhr.send(new FormData(form));
  });
})();
