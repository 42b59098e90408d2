// Upload with a progress bar, then follow processing until the video is live or has failed.
(() => {
  "use strict";
  const S = JSON.parse(document.getElementById("upload-strings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("upload-form");
  const status = document.getElementById("upload-status");
  const bar = document.getElementById("upload-progress");
  const message = document.getElementById("upload-message");
  const reconnecting = document.getElementById("upload-reconnecting");
  const button = form.querySelector("button[type=submit]");
  let latest = 0;  // the newest upload: an older one's processing stops updating the page

  function say(text, link) {
    message.replaceChildren(document.createTextNode(text));
    if (link) {
      const a = document.createElement("a");
      a.href = link; a.textContent = " " + S.view;
      message.append(a);
    }
  }

  function follow(id) {
    const mine = ++latest;
    return Havre.follow(`/api/videos/${id}`, {
      notice: reconnecting, text: S.reconnecting, wanted: () => mine === latest,
      onError: (detail) => say(`${S.failed} ${detail}`),
      onData: (v) => {
        if (v.status === "ready") { bar.value = 100; say(S.ready, v.url); return true; }
        if (v.status === "failed") { say(`${S.failed} ${v.error || ""}`); return true; }
        say(S.processing);
        bar.removeAttribute("value");  // indeterminate while the server works
        return false;
      },
    });
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
      // The file is on the server once it answers: the form is free for the next post at once,
      // whatever the first one's processing does.
      button.disabled = false;
      if (xhr.status === 201) { form.reset(); follow(body.id); }
      else say(`${S.error} ${body.detail || xhr.statusText}`);
    });
    xhr.addEventListener("error", () => { say(S.error); button.disabled = false; });
    status.hidden = false;
    button.disabled = true;
    xhr.send(new FormData(form));
  });
})();
