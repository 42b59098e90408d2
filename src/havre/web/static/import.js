// Start an import (an export .zip or links), then show its live progress and the final report.
(() => {
  "use strict";
  const S = JSON.parse(document.getElementById("import-strings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("import-form");
  const status = document.getElementById("import-status");
  const bar = document.getElementById("import-progress");
  const message = document.getElementById("import-message");
  const report = document.getElementById("import-report");
  const waiting = document.getElementById("import-waiting");
  const reconnecting = document.getElementById("import-reconnecting");

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  };
  const say = (text) => message.replaceChildren(document.createTextNode(text));
  // A counted phrase: the page gives its form for each plural category of the reader's language.
  const plural = (forms, n) =>
    (forms[new Intl.PluralRules(document.documentElement.lang).select(n)] || forms.other).replace("%(num)s", n);

  function section(title, items, withLink) {
    if (!items.length) return null;
    const list = el("ul", { class: "import-list" });
    for (const item of items) {
      // A reason that already names the item (a failed link's own URL, a problem of the export)
      // is shown alone: the same URL twice on one line reads as two things.
      const named = item.reason && item.label && item.reason.includes(item.label);
      const li = el("li", {}, named ? document.createTextNode(item.reason) : el("strong", { text: item.label }));
      if (item.caption) li.append(" ", el("span", { class: "caption", text: item.caption }));
      if (item.reason && !named) li.append(document.createTextNode(" — " + item.reason));
      if (withLink && item.url) li.append(" ", el("a", { href: item.url, text: S.watch }));
      list.append(li);
    }
    return el("details", { open: "" }, el("summary", { text: `${title} (${items.length})` }), list);
  }

  function friends(handles) {
    if (!handles.length) return null;
    const box = el("p", { class: "import-friends", text: S.friends + " " });
    for (const handle of handles) {
      const button = el("button", { type: "button", class: "button small", text: `${S.follow} @${handle}` });
      button.addEventListener("click", async () => {
        const res = await fetch(`/api/users/${encodeURIComponent(handle)}/follow`, {
          method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
        if (res.ok) button.disabled = true;
      });
      box.append(button, " ");
    }
    return box;
  }

  // A Havre archive's comments by other people: shown here, read-only, never posted again.
  function archived(comments) {
    if (!comments.length) return null;
    const list = el("ul", { class: "import-list" });
    for (const c of comments) {
      list.append(el("li", {}, el("strong", { text: "@" + c.author }), document.createTextNode(" " + c.body),
        el("span", { class: "hint", text: " " + new Date(c.created_at).toLocaleDateString(document.documentElement.lang) })));
    }
    return el("details", {}, el("summary", { text: `${S.archived} (${comments.length})` }), list);
  }

  // A Havre archive's follows, likes, comments and interests: what came back, and why the rest did
  // not (each sentence already in the reader's language, counted by the server).
  function restoration(back, left) {
    if (!back.length) return null;
    const list = (entries, key) => {
      const ul = el("ul", { class: "import-list" });
      for (const e of entries) ul.append(el("li", { text: e[key] }));
      return ul;
    };
    const box = el("div", { class: "import-restored" }, el("h2", { text: S.restored }), list(back, "text"));
    if (left.length) box.append(el("h2", { text: S.notRestored }), list(left, "reason"));
    return box;
  }

  // What a finished import did, in one line: "Done." only when nothing failed.
  function finished(r) {
    const failed = Math.max(0, r.total - r.imported.length - r.skipped.length);
    if (!r.imported.length && !r.skipped.length && (failed || r.failed.length)) return S.finishedNone;
    if (!failed) return S.done;
    return S.finishedSome.replace("%(imported)s", r.imported.length).replace("%(total)s", r.total)
      .replace("%(failed)s", failed);
  }

  function render(r) {
    // What an unfinished import waits for (a runner, a retry, a restart), so it never sits silently.
    waiting.textContent = r.waiting ? S.waiting[r.waiting] || "" : "";
    if (r.status === "failed") { bar.value = 100; say(`${S.failed} ${r.error || ""}`); return true; }
    if (!r.total && r.status !== "done") { bar.removeAttribute("value"); say(S.planning); return false; }
    bar.value = r.total ? Math.round((100 * r.done) / r.total) : 100;
    say(r.status === "done" ? finished(r) : S.running.replace("%(done)s", r.done).replace("%(total)s", r.total));
    report.replaceChildren(...[section(S.imported, r.imported, true), section(S.skipped, r.skipped, true),
      section(S.notImported, r.failed, false), friends(r.following_here || []),
      r.followers_kept ? el("p", { class: "hint", text: plural(S.followersKept, r.followers_kept) }) : null,
      restoration(r.restored || [], r.not_restored || []), archived(r.archived_comments || []),
    ].filter(Boolean));
    return r.status === "done";
  }

  function follow(id) {
    status.hidden = false;
    // Through a server restart too: Havre.follow (poll.js) backs off and says it is reconnecting.
    return Havre.follow(`/api/imports/${id}`, { onData: render, notice: reconnecting, text: S.reconnecting,
      onError: (detail) => say(`${S.failed} ${detail}`) });
  }

  if (status.dataset.run) follow(status.dataset.run);
  if (!form) return;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    if (!document.getElementById("import-file").files.length) data.delete("file");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/imports");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) {
        bar.value = Math.round((100 * ev.loaded) / ev.total);
        say(S.uploading.replace("%(percent)s%%", bar.value + "%"));
      }
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status === 202) { history.replaceState(null, "", body.url); form.hidden = true; follow(body.id); }
      else { say(`${S.error} ${body.detail || xhr.statusText}`); form.querySelector("button").disabled = false; }
    });
    xhr.addEventListener("error", () => { say(S.error); form.querySelector("button").disabled = false; });
    status.hidden = false;
    form.querySelector("button").disabled = true;
    xhr.send(data);
  });
})();
