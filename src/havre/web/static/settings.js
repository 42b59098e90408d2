// Settings: "Download my data" and "Move my data", each with live progress.
(() => {
  "use strict";
  const S = JSON.parse(document.getElementById("settings-strings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, k) => String(values[k] ?? "")).replace("%%", "%");
  // A size in the reader's language and its unit: "840 kB", "1.2 GB".
  const bytes = (n) => {
    const [value, unit] = n >= 1e9 ? [n / 1e9, "gigabyte"] : n >= 1e6 ? [n / 1e6, "megabyte"] : [n / 1e3, "kilobyte"];
    return new Intl.NumberFormat(document.documentElement.lang, { style: "unit", unit, maximumFractionDigits: 1 })
      .format(value);
  };
  // A moment in the reader's own time zone and language: "8 Dec 2026, 13:08".
  const when = (iso) => new Intl.DateTimeFormat(document.documentElement.lang, {
    dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  const errorOf = async (res) => {
    try { return (await res.json()).detail || res.statusText; } catch { return res.statusText; }
  };

  // -- Download my data --------------------------------------------------------------------
  const start = $("export-start");
  const box = $("export-status");
  const bar = $("export-progress");
  const message = $("export-message");
  const link = $("export-link");

  function showExport(e) {
    box.hidden = false;
    link.hidden = true;
    if (e.status === "ready") {
      bar.value = 100;
      message.textContent = fill(S.ready, { size: bytes(e.size_bytes),
        date: new Date(e.expires_at).toLocaleDateString(document.documentElement.lang) });
      link.href = e.download_url;
      link.hidden = false;
      return true;
    }
    if (e.status === "failed") { bar.value = 0; message.textContent = `${S.failed} ${e.error || ""}`; return true; }
    if (e.status === "expired") { box.hidden = true; return true; }
    // Until the build has counted its files, "0 of 0" would say nothing: "Starting…".
    if (e.total) bar.value = Math.round((100 * e.done) / e.total); else bar.removeAttribute("value");
    message.textContent = e.total ? fill(S.running, e) : S.starting;
    return false;
  }

  async function followExport() {
    for (;;) {
      const res = await fetch("/api/me/exports/latest", { credentials: "same-origin" });
      const e = res.ok ? await res.json() : null;
      if (!e || showExport(e)) return;
      await wait(1000);
    }
  }

  start.addEventListener("click", async () => {
    start.disabled = true;
    const res = await fetch("/api/me/exports", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
    if (!res.ok) {
      const refusal = await res.clone().json().catch(() => ({}));
      box.hidden = false;
      message.textContent = refusal.retry_at ? fill(S.tooSoon, { when: when(refusal.retry_at) })
        : `${S.error} ${await errorOf(res)}`;
      start.disabled = false;
      return;
    }
    showExport(await res.json());
    await followExport();
    start.disabled = false;
  });
  followExport();  // an archive asked for earlier: its state, or its link

  // -- Move my data ------------------------------------------------------------------------
  const form = $("move-form");
  if (!form) return;
  const moveBox = $("move-status");
  const moveBar = $("move-progress");
  const moveMessage = $("move-message");

  async function followMove(url) {
    moveBox.hidden = false;
    for (;;) {
      const res = await fetch(url, { credentials: "same-origin" });
      if (res.ok) {
        const m = await res.json();
        const region = S.regions[m.target] || m.target;
        moveBar.value = Math.round(100 * m.progress);
        if (m.state === "done") {
          // The move ended the session and changed the home region: nothing on this page is true
          // any more (nav, region, archive link). The login page says it is done and brings the
          // person back to Settings, which then shows the new home.
          moveBar.value = 100;
          moveMessage.textContent = fill(S.moved, { region });
          location.replace(`/login?next=/settings&moved=${encodeURIComponent(m.target)}`);
          return;
        }
        if (m.state === "failed") { moveMessage.textContent = m.error; return; }
        moveMessage.textContent = m.state === "waiting" ? S.moveWaiting :
          fill(S.moving, { region, percent: moveBar.value });
      }
      await wait(1000);
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    const res = await fetch("/api/me/move", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
      body: JSON.stringify({ region: form.region.value, password: form.password.value }) });
    if (!res.ok) {
      moveBox.hidden = false;
      moveMessage.textContent = `${S.error} ${await errorOf(res)}`;
      button.disabled = false;
      return;
    }
    form.hidden = true;
    await followMove((await res.json()).status_url);
  });
})();
