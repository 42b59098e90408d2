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
      const li = el("li", {}, el("strong", { text: item.label }));
      if (item.caption) li.append(" ", el("span", { class: "caption", text: item.caption }));
      if (item.reason) li.append(document.createTextNode(" — " + item.reason));
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

  function render(r) {
    if (r.status === "failed") { bar.value = 100; say(`${S.failed} ${r.error || ""}`); return true; }
    if (!r.total && r.status !== "done") { bar.removeAttribute("value"); say(S.planning); return false; }
    bar.value = r.total ? Math.round((100 * r.done) / r.total) : 100;
    say(r.status === "done" ? S.done : S.running.replace("%(done)s", r.done).replace("%(total)s", r.total));
    report.replaceChildren(...[section(S.imported, r.imported, true), section(S.skipped, r.skipped, true),
      section(S.notImported, r.failed, false), friends(r.following_here || []),
      r.followers_kept ? el("p", { class: "hint", text: plural(S.followersKept, r.followers_kept) }) : null,
      archived(r.archived_comments || []),
    ].filter(Boolean));
    return r.status === "done";
  }

  async function follow(id) {
    status.hidden = false;
    for (;;) {
      const res = await fetch(`/api/imports/${id}`, { credentials: "same-origin" });
      if (res.ok && render(await res.json())) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
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
