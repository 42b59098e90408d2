// Upload with a progress bar, then follow processing until the video is live, saved as a draft,
// or has failed. Trim, cover and when to post go with the file; drafts are listed below the form.
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
  const fileInput = document.getElementById("file");
  const preview = document.getElementById("preview");
  const previewButtons = document.getElementById("preview-buttons");
  const trimStart = document.getElementById("trim-start");
  const trimEnd = document.getElementById("trim-end");
  const cover = document.getElementById("cover");
  const publishLocal = document.getElementById("publish-local");
  const scheduleLabel = document.getElementById("schedule-label");
  const drafts = document.getElementById("drafts");
  const draftsList = document.getElementById("drafts-list");
  let latest = 0;  // the newest upload: an older one's processing stops updating the page
  let previewUrl = null;

  function say(text, link) {
    message.replaceChildren(document.createTextNode(text));
    if (link) {
      const a = document.createElement("a");
      a.href = link; a.textContent = " " + S.view;
      message.append(a);
    }
  }

  function when() { return form.querySelector("input[name=when]:checked").value; }

  const pad = (n) => String(n).padStart(2, "0");
  function localValue(d) {  // what a datetime-local input holds: the reader's own wall clock
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  const formatTime = (iso) => new Date(iso).toLocaleString(document.documentElement.lang || undefined,
    { dateStyle: "medium", timeStyle: "short" });

  function showWhen() {
    const choice = when();
    const scheduling = choice === "schedule";
    publishLocal.hidden = scheduleLabel.hidden = !scheduling;
    publishLocal.required = scheduling;
    if (scheduling) {
      const now = new Date();
      publishLocal.min = localValue(now);
      publishLocal.max = localValue(new Date(now.getTime() + Number(publishLocal.dataset.maxDays) * 864e5));
      if (!publishLocal.value) publishLocal.value = localValue(new Date(now.getTime() + 3600e3));
    }
    button.textContent = { now: S.postVerb, draft: S.saveVerb, schedule: S.scheduleVerb }[choice];
  }
  for (const radio of form.querySelectorAll("input[name=when]")) radio.addEventListener("change", showWhen);

  // A preview of the chosen file, to set the start, end and cover from the frame on screen.
  fileInput.addEventListener("change", () => {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    const file = fileInput.files[0];
    previewUrl = file ? URL.createObjectURL(file) : null;
    preview.hidden = previewButtons.hidden = !file;
    if (file) preview.src = previewUrl; else preview.removeAttribute("src");
  });
  preview.addEventListener("loadedmetadata", () => {
    if (Number.isFinite(preview.duration)) trimEnd.placeholder = preview.duration.toFixed(1);
  });
  previewButtons.addEventListener("click", (e) => {
    const target = e.target.closest("button[data-set]");
    if (!target) return;
    let t = preview.currentTime;
    if (target.dataset.set === "cover") t = Math.max(0, t - (Number(trimStart.value) || 0));
    document.getElementById(target.dataset.set).value = t.toFixed(1);
  });
  form.addEventListener("reset", () => {
    setTimeout(() => { preview.hidden = previewButtons.hidden = true; preview.removeAttribute("src"); showWhen(); });
  });

  function draftItem(v) {
    const li = document.createElement("li");
    li.className = "draft";
    li.dataset.id = v.id;
    if (v.poster_url) {
      const img = document.createElement("img");
      img.src = v.poster_url; img.alt = ""; img.width = 54; img.height = 96;
      li.append(img);
    }
    const text = document.createElement("div");
    text.className = "draft-text";
    const caption = document.createElement("p");
    caption.textContent = v.caption || S.noCaption;
    const state = document.createElement("p");
    state.className = "hint";
    state.textContent = v.publish_at ? S.scheduled.replace("%(time)s", formatTime(v.publish_at))
      : v.status === "processing" ? S.draftProcessing : S.draft;
    text.append(caption, state);
    const post = document.createElement("button");
    post.type = "button"; post.className = "button"; post.textContent = S.postNow;
    post.addEventListener("click", () => publish(v.id, li, post));
    li.append(text, post);
    return li;
  }

  async function loadDrafts() {
    const response = await fetch("/api/me/drafts", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { items } = await response.json();
    draftsList.replaceChildren(...items.map(draftItem));
    drafts.hidden = items.length === 0;
  }

  async function publish(id, li, post) {
    post.disabled = true;
    const response = await fetch(`/api/videos/${id}/publish`, {
      method: "POST", headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
    });
    let body = {};
    try { body = await response.json(); } catch (_) { /* not JSON */ }
    status.hidden = false;
    if (!response.ok) { post.disabled = false; say(`${S.error} ${body.detail || response.statusText}`); return; }
    li.remove();
    drafts.hidden = draftsList.children.length === 0;
    if (body.status === "processing") follow(id); else { bar.value = 100; say(S.posted, body.url); }
  }

  function follow(id) {
    const mine = ++latest;
    return Havre.follow(`/api/videos/${id}`, {
      notice: reconnecting, text: S.reconnecting, wanted: () => mine === latest,
      onError: (detail) => say(`${S.failed} ${detail}`),
      onData: (v) => {
        if (v.status === "ready") { bar.value = 100; say(S.ready, v.url); return true; }
        if (v.status === "draft") {
          bar.value = 100;
          loadDrafts().then(() => {
            const listed = [...draftsList.children].find((li) => li.dataset.id === id);
            const scheduled = listed && listed.querySelector(".hint").textContent;
            say(scheduled && scheduled !== S.draft ? scheduled : S.drafted);
          });
          return true;
        }
        if (v.status === "failed") { say(`${S.failed} ${v.error || ""}`); return true; }
        say(S.processing);
        bar.removeAttribute("value");  // indeterminate while the server works
        return false;
      },
    });
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    data.delete("when");
    for (const name of ["trim_start_s", "trim_end_s", "cover_s"]) {
      if (!String(data.get(name) || "").trim()) data.delete(name);  // empty: the whole video, the usual cover
    }
    const choice = when();
    if (choice === "draft") data.set("draft", "true");
    if (choice === "schedule") {
      const at = new Date(publishLocal.value);  // read in the reader's time zone, sent in UTC
      if (!publishLocal.value || Number.isNaN(at.getTime())) {
        status.hidden = false; say(S.pickTime); publishLocal.focus(); return;
      }
      data.set("publish_at", at.toISOString());
    }
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
    xhr.send(data);
  });

  showWhen();
  loadDrafts();
})();
