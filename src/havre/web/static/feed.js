// The vertical feed: one video per screen, scroll-snap, autoplay muted (playback: player.js).
(() => {
  "use strict";
  const cfg = JSON.parse(document.getElementById("feed-config").textContent);
  const S = cfg.strings;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const feedEl = document.getElementById("feed");
  const toastEl = document.getElementById("toast");
  const drawer = document.getElementById("drawer");
  const compact = new Intl.NumberFormat(cfg.locale, { notation: "compact", maximumFractionDigits: 1 });
  const player = window.HavrePlayer(feedEl, {
    onLeave: (slide) => { signalLeave(slide); sendView(slide); openCaption(slide, false); },
    onNear: (left) => { if (left <= 2) loadMore(); },
    onShow: (slide) => { signal(slide, "impression"); signal(slide, "play"); },
    onLoop: (slide) => signal(slide, "loop"),
    endPage: () => (endEl.hidden ? null : endEl),
  });
  const slides = player.slides;
  let cursor = cfg.cursor || null, loading = false, exhausted = false;
  let drawerSlide = null, drawerOpener = null;

  const fmt = (n) => compact.format(n);
  const dateFmt = new Intl.DateTimeFormat(cfg.locale, { dateStyle: "medium" });
  // Inline SVG icons: emoji fonts are not everywhere (kiosks, headless, older Linux).
  const ICONS = {
    heart: "M12 21s-7.5-4.6-9.6-9.3C1 8.3 3.1 4.5 6.8 4.5c2.1 0 3.6 1.2 5.2 3 1.6-1.8 3.1-3 5.2-3 3.7 0 5.8 3.8 4.4 7.2C19.5 16.4 12 21 12 21z",
    comment: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    share: "M14 4l8 8-8 8v-5c-6 0-9.5 1.8-12 6 .8-6.5 4.5-11.5 12-12.5V4z",
    muted: "M3 9v6h4l5 5V4L7 9H3zm13.6 3l2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4-2.7-2.7z",
    sound: "M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z",
    play: "M8 5v14l11-7z",
    bookmark: "M6 3h12a1 1 0 0 1 1 1v17l-7-4.5L5 21V4a1 1 0 0 1 1-1z",
  };
  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.classList.add("icon");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  function toast(text) {
    toastEl.textContent = text;
    toastEl.classList.add("show");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => toastEl.classList.remove("show"), 2200);
  }

  function needLogin() {
    toast(S.loginNeeded);
    setTimeout(() => { location.href = "/login?next=" + encodeURIComponent(location.pathname); }, 900);
  }

  async function api(method, url, body) {
    const opts = { method, headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    const res = await fetch(url, opts);
    if (res.status === 401) { needLogin(); throw new Error("login"); }
    if (!res.ok) {
      let detail = S.error;
      try { detail = (await res.json()).detail || detail; } catch (_) { /* not JSON */ }
      toast(detail);
      throw new Error(detail);
    }
    return res.status === 204 ? null : res.json();
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  // Caption text with #hashtags as links, built from text nodes (never innerHTML: no XSS).
  function captionNodes(caption) {
    const out = [];
    const re = /#([\p{L}\p{N}_]{1,100})/gu;
    let last = 0, m;
    while ((m = re.exec(caption)) !== null) {
      if (m.index > last) out.push(document.createTextNode(caption.slice(last, m.index)));
      out.push(el("a", { class: "tag", href: "/tag/" + encodeURIComponent(m[1].toLowerCase()), text: m[0] }));
      last = m.index + m[0].length;
    }
    if (last < caption.length) out.push(document.createTextNode(caption.slice(last)));
    return out;
  }

  // What an imported video brings along: its sound (linked to the sound's page) and its TikTok counts.
  function extras(v) {
    const out = [];
    if (v.sound) {
      out.push(el("a", { class: "sound", href: "/sound/" + encodeURIComponent(v.sound), "aria-label": S.sound + ": " + v.sound },
        el("span", { "aria-hidden": "true", text: "♫ " }), document.createTextNode(v.sound)));
    }
    if (v.on_tiktok && v.on_tiktok.likes) {
      out.push(el("p", { class: "on-tiktok", text: (S.onTiktok[new Intl.PluralRules(cfg.locale).select(v.on_tiktok.likes)] || S.onTiktok.other)
        .replace("%(likes)s", fmt(v.on_tiktok.likes)) }));
    }
    return out;
  }

  // A long caption is cut to four lines with an ellipsis (CSS line-clamp) and a "more" button;
  // "more" opens it over the video on a dark backing (scrolling inside when taller than the
  // screen), "less" closes it. Whether it is cut is known only once laid out: measured when its
  // box changes size (first layout, rotation) and after an edit.
  const captionSlides = new WeakMap();
  const captionSizes = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const slide = captionSlides.get(entry.target);
      if (slide) fitCaption(slide);
    }
  });
  function fitCaption(slide) {
    if (slide.captionOpen) return;  // open, it is never cut: the button stays, saying "less"
    slide.moreBtn.hidden = slide.caption.scrollHeight <= slide.caption.clientHeight + 1;
  }
  function openCaption(slide, open) {
    if (slide.captionOpen === open) return;
    slide.captionOpen = open;
    slide.caption.closest(".meta").classList.toggle("expanded", open);
    slide.moreBtn.setAttribute("aria-expanded", String(open));
    slide.moreBtn.textContent = open ? S.captionLess : S.captionMore;
    if (open) slide.caption.setAttribute("tabindex", "0");  // its own scroll, by keyboard too
    else { slide.caption.removeAttribute("tabindex"); slide.caption.scrollTop = 0; fitCaption(slide); }
  }

  function build(v) {
    const video = el("video", { playsinline: "", muted: "", loop: "", preload: "none", "aria-label": v.caption || v.owner.handle });
    video.muted = true;
    if (v.poster_url) video.poster = v.poster_url;
    // Subtitles that came with the video: shown in the reader's language when there is one, else the first.
    const shown = (v.subtitles || []).find((s) => s.lang.startsWith(cfg.locale)) || (v.subtitles || [])[0];
    for (const s of v.subtitles || []) {
      const track = el("track", { kind: "subtitles", srclang: s.lang, label: s.lang, src: s.url });
      if (s === shown) track.default = true;
      video.append(track);
    }
    const likeBtn = el("button", { type: "button", class: "act like", "aria-pressed": String(v.liked_by_me), "aria-label": S.like },
      icon("heart"), el("span", { class: "n", text: fmt(v.like_count) }));
    const commentBtn = el("button", { type: "button", class: "act comment", "aria-label": S.comments },
      icon("comment"), el("span", { class: "n", text: fmt(v.comment_count) }));
    const shareBtn = el("button", { type: "button", class: "act share", "aria-label": S.share },
      icon("share"), el("span", { class: "n", text: fmt(v.share_count) }));
    const saveBtn = el("button", { type: "button", class: "act save", "aria-pressed": String(!!v.saved_by_me),
      "aria-label": v.saved_by_me ? S.unsave : S.save }, icon("bookmark"));
    const followBtn = el("button", { type: "button", class: "follow", "aria-pressed": String(v.following_owner),
      text: v.following_owner ? S.followingButton : S.follow });
    if (v.is_mine) followBtn.hidden = true;
    const editBtn = el("button", { type: "button", class: "act edit", "aria-label": v.is_mine ? S.edit : S.more },
      el("span", { class: "dots", "aria-hidden": "true", text: "•••" }));
    const avatar = v.owner.avatar_url ? el("img", { class: "avatar", src: v.owner.avatar_url, alt: "" })
      : el("span", { class: "avatar placeholder", "aria-hidden": "true", text: (v.owner.display_name || v.owner.handle).slice(0, 1).toUpperCase() });
    const muteBtn = el("button", { type: "button", class: "mute", "aria-label": S.mute, "aria-pressed": "true" },
      icon("muted"), icon("sound"));
    const caption = el("p", { class: "caption", id: "caption-" + v.id }, ...captionNodes(v.caption || ""));
    // Shown only when the caption is cut (fitCaption); a real button, so keys and readers reach it.
    const moreBtn = el("button", { type: "button", class: "caption-more", "aria-expanded": "false",
      "aria-controls": caption.id, hidden: "", text: S.captionMore });
    // A slider (role, value, arrow keys) drawn as a thin bar with a taller hit area for fingers.
    const progress = el("div", { class: "progress", role: "slider", tabindex: "0", "aria-label": S.position,
      "aria-valuemin": "0", "aria-valuemax": "0", "aria-valuenow": "0" }, el("div", { class: "track" }, el("div", { class: "bar" })));
    const node = el("section", { class: "slide", "data-id": v.id, "aria-roledescription": "video" },
      video,
      el("div", { class: "heart", "aria-hidden": "true" }, icon("heart")),
      el("div", { class: "state", "aria-hidden": "true" }, icon("play")),
      muteBtn,
      el("div", { class: "meta" },
        el("a", { class: "handle", href: "/@" + v.owner.handle }, avatar, document.createTextNode("@" + v.owner.handle)),
        el("time", { class: "date", datetime: v.posted_at, text: " · " + dateFmt.format(new Date(v.posted_at)) }),
        caption, moreBtn,
        ...extras(v)),
      el("div", { class: "actions" }, followBtn, likeBtn, commentBtn, saveBtn, shareBtn, editBtn),
      progress);
    const slide = { el: node, video, data: v, hls: null, attached: false, watchedMs: 0, lastTime: 0, completed: false,
      muteBtn, progress, bar: progress.querySelector(".bar"), caption, moreBtn, captionOpen: false };
    wire(slide, { likeBtn, commentBtn, shareBtn, followBtn, saveBtn });
    moreBtn.addEventListener("click", () => openCaption(slide, !slide.captionOpen));
    captionSlides.set(caption, slide);
    captionSizes.observe(caption);
    // One "•••": the creator edits their video; anyone else sees why it is shown, and can say
    // "not interested".
    editBtn.addEventListener("click", () => (v.is_mine ? openEditor(slide, editBtn) : openAbout(slide, editBtn)));
    return slide;
  }

  // What the viewer did, for the recommender (members only: kept in their home region). Sent in
  // batches, with keepalive so a batch still leaves when the page is hidden or closed.
  const pending = [];
  const SKIP_MS = 2000, BATCH = 20;
  function signal(slide, kind) {
    if (!cfg.viewer) return;
    pending.push({ video_id: slide.data.id, kind });
    if (pending.length >= BATCH) flushSignals();
  }
  function signalLeave(slide) {
    if (!slide.completed && slide.watchedMs < SKIP_MS) signal(slide, "skip");
  }
  function flushSignals() {
    if (!pending.length) return;
    const body = JSON.stringify({ events: pending.splice(0, pending.length) });
    fetch("/api/events", { method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body }).catch(() => {});
  }
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flushSignals(); });
  window.addEventListener("pagehide", flushSignals);
  setInterval(flushSignals, 10000);

  function sendView(slide) {
    if (slide.watchedMs < 300) return;
    const body = JSON.stringify({ watch_ms: Math.round(slide.watchedMs), completed: slide.completed });
    fetch(`/api/videos/${slide.data.id}/views`, { method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body }).catch(() => {});
    slide.watchedMs = 0;
    slide.completed = false;
  }

  async function toggleLike(slide, btn, forceOn = false) {
    if (!cfg.viewer) return needLogin();
    const on = forceOn || btn.getAttribute("aria-pressed") !== "true";
    if (forceOn && btn.getAttribute("aria-pressed") === "true") return;
    const res = await api(on ? "POST" : "DELETE", `/api/videos/${slide.data.id}/like`);
    btn.setAttribute("aria-pressed", String(res.liked));
    btn.setAttribute("aria-label", res.liked ? S.unlike : S.like);
    btn.querySelector(".n").textContent = fmt(res.like_count);
  }

  function wire(slide, { likeBtn, commentBtn, shareBtn, followBtn, saveBtn }) {
    // Taps, sound and the progress bar are the player's; a double tap likes (with a heart).
    player.add(slide, () => {
      slide.el.classList.remove("pop"); void slide.el.offsetWidth; slide.el.classList.add("pop");
      toggleLike(slide, likeBtn, true).catch(() => {});
    });
    likeBtn.addEventListener("click", () => toggleLike(slide, likeBtn).catch(() => {}));
    commentBtn.addEventListener("click", () => openDrawer(slide, commentBtn));
    shareBtn.addEventListener("click", async () => {
      const res = await api("POST", `/api/videos/${slide.data.id}/share`);
      shareBtn.querySelector(".n").textContent = fmt(res.share_count);
      // The phone's share sheet where there is one; else the link is copied.
      const shared = { url: res.url, title: "@" + slide.data.owner.handle, text: slide.data.caption || "" };
      if (navigator.share && (!navigator.canShare || navigator.canShare(shared))) {
        try { await navigator.share(shared); return; }
        catch (e) { if (e && e.name === "AbortError") return; }  // dismissed: nothing more to do
      }
      try { await navigator.clipboard.writeText(res.url); toast(S.copied); }
      catch (_) { window.prompt(S.copyFailed, res.url); }
    });
    saveBtn.addEventListener("click", async () => {
      if (!cfg.viewer) return needLogin();
      const on = saveBtn.getAttribute("aria-pressed") !== "true";
      const res = await api(on ? "POST" : "DELETE", `/api/videos/${slide.data.id}/save`);
      saveBtn.setAttribute("aria-pressed", String(res.saved));
      saveBtn.setAttribute("aria-label", res.saved ? S.unsave : S.save);
      slide.data.saved_by_me = res.saved;
      if (res.saved) toast(S.savedToast);
    });
    followBtn.addEventListener("click", async () => {
      if (!cfg.viewer) return needLogin();
      const on = followBtn.getAttribute("aria-pressed") !== "true";
      const res = await api(on ? "POST" : "DELETE", `/api/users/${slide.data.owner.handle}/follow`);
      for (const s of slides) {
        if (s.data.owner.handle !== slide.data.owner.handle) continue;
        const b = s.el.querySelector(".follow");
        b.setAttribute("aria-pressed", String(res.following));
        b.textContent = res.following ? S.followingButton : S.follow;
      }
    });
  }

  async function openDrawer(slide, opener) {
    drawerSlide = slide; drawerOpener = opener;
    drawer.hidden = false;
    const list = document.getElementById("comment-list");
    list.replaceChildren();
    // Off is off for everyone, the creator included (they turn it back on in "Edit video"); the
    // comments written before stay hidden until then, as the API keeps them.
    const open = slide.data.allow_comments !== false;
    document.getElementById("comment-form").hidden = !open;
    if (!open) {
      list.append(el("li", { class: "none comments-off", text: S.commentsOff }));
      document.getElementById("drawer-close").focus();
      return;
    }
    document.getElementById("comment-body").focus();
    const res = await api("GET", `/api/videos/${slide.data.id}/comments`);
    if (!res.items.length) list.append(el("li", { class: "none", text: S.noComments }));
    for (const c of res.items) list.append(commentNode(c));
  }

  function commentNode(c) {
    return el("li", {}, el("a", { class: "who", href: "/@" + c.author.handle, text: "@" + c.author.handle }),
      el("p", { text: c.body }));
  }

  function closeDrawer() {
    drawer.hidden = true;
    if (drawerOpener) drawerOpener.focus();
    drawerSlide = null;
  }

  // The owner's controls: caption, who can watch, delete.
  const editor = document.getElementById("editor");
  let editorSlide = null, editorOpener = null;

  function openEditor(slide, opener) {
    editorSlide = slide; editorOpener = opener;
    document.getElementById("edit-caption").value = slide.data.caption;
    document.getElementById("edit-visibility").value = slide.data.visibility;
    document.getElementById("edit-comments").checked = slide.data.allow_comments !== false;
    editor.hidden = false;
    document.getElementById("edit-caption").focus();
  }

  const about = document.getElementById("about");
  let aboutSlide = null, aboutOpener = null;
  function openAbout(slide, opener) {
    aboutSlide = slide; aboutOpener = opener;
    document.getElementById("about-why").textContent = slide.data.why || S.whyGeneral;
    document.getElementById("about-not-interested").hidden = !cfg.viewer;
    about.hidden = false;
    document.getElementById("about-close").focus();
  }
  function closeAbout() {
    about.hidden = true;
    if (aboutOpener && aboutOpener.isConnected) aboutOpener.focus();
    aboutSlide = null;
  }
  document.getElementById("about-close").addEventListener("click", closeAbout);
  document.getElementById("about-not-interested").addEventListener("click", () => {
    const slide = aboutSlide;
    signal(slide, "not_interested");
    flushSignals();  // now: the next page must already know
    closeAbout();
    const next = slides[slides.indexOf(slide) + 1];
    slide.el.remove();
    player.remove(slide);
    if (next) next.el.scrollIntoView({ block: "start" });
    toast(S.notInterestedDone);
  });

  function closeEditor() {
    editor.hidden = true;
    if (editorOpener) editorOpener.focus();
    editorSlide = null;
  }

  document.getElementById("editor-close").addEventListener("click", closeEditor);
  document.getElementById("editor-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = await api("PATCH", `/api/videos/${editorSlide.data.id}`, {
      caption: document.getElementById("edit-caption").value,
      visibility: document.getElementById("edit-visibility").value,
      allow_comments: document.getElementById("edit-comments").checked });
    editorSlide.data = { ...editorSlide.data, ...v };
    editorSlide.caption.replaceChildren(...captionNodes(v.caption));
    fitCaption(editorSlide);
    toast(S.saved);
    closeEditor();
  });
  document.getElementById("edit-delete").addEventListener("click", async () => {
    if (!window.confirm(S.confirmDelete)) return;
    await api("DELETE", `/api/videos/${editorSlide.data.id}`);
    editorSlide.el.remove();
    player.remove(editorSlide);
    toast(S.deleted);
    editor.hidden = true;
    editorSlide = null;
  });

  // Playback speed, in each "•••" panel: the same for every video, kept for the session (player.js).
  const speedFmt = new Intl.NumberFormat(cfg.locale, { maximumFractionDigits: 1 });
  const speedLabel = (rate) => speedFmt.format(rate) + "×";
  const speedButtons = [...document.querySelectorAll("[data-speed]")];
  function showSpeed() {
    for (const b of speedButtons) b.setAttribute("aria-pressed", String(Number(b.dataset.speed) === player.speed()));
  }
  for (const b of speedButtons) {
    b.textContent = speedLabel(Number(b.dataset.speed));
    b.addEventListener("click", () => { player.setSpeed(Number(b.dataset.speed)); showSpeed(); });
  }
  showSpeed();

  // The list of keys, opened by "?" (or from the "•••" panel); focus goes into it and comes back.
  const keys = document.getElementById("keys");
  let keysOpener = null;
  function openKeys() {
    keysOpener = document.activeElement;
    if (!about.hidden) closeAbout();
    keys.hidden = false;
    document.getElementById("keys-close").focus();
  }
  function closeKeys() {
    keys.hidden = true;
    if (keysOpener && keysOpener.isConnected && keysOpener !== document.body) keysOpener.focus();
    else feedEl.focus();
    keysOpener = null;
  }
  document.getElementById("keys-close").addEventListener("click", closeKeys);
  // Nothing else can take the focus while it is open (its close button is the one thing to reach).
  keys.addEventListener("keydown", (e) => { if (e.key === "Tab") { e.preventDefault(); document.getElementById("keys-close").focus(); } });
  for (const b of document.querySelectorAll(".keys-open")) {
    b.addEventListener("click", () => { const opener = aboutOpener; openKeys(); keysOpener = opener; });
  }

  document.getElementById("drawer-close").addEventListener("click", closeDrawer);
  document.getElementById("comment-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!cfg.viewer) return needLogin();
    const input = document.getElementById("comment-body");
    const body = input.value.trim();
    if (!body || !drawerSlide) return;
    const c = await api("POST", `/api/videos/${drawerSlide.data.id}/comments`, { body });
    input.value = "";
    const list = document.getElementById("comment-list");
    list.querySelector(".none")?.remove();
    list.prepend(commentNode(c));
    const n = drawerSlide.el.querySelector(".comment .n");
    n.textContent = fmt(++drawerSlide.data.comment_count);
  });

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !keys.hidden) { closeKeys(); return; }
    if (e.key === "Escape" && !drawer.hidden) { closeDrawer(); return; }
    if (e.key === "Escape" && !editor.hidden) { closeEditor(); return; }
    if (e.key === "Escape" && !about.hidden) { closeAbout(); return; }
    if (!keys.hidden || !drawer.hidden || !editor.hidden || !about.hidden || e.target.closest("input, textarea, select")) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;  // the browser's own (Ctrl+L is not "like")
    const slide = player.current();
    if (slide && slide.captionOpen && e.target.closest(".meta")) {
      if (e.key === "Escape") { openCaption(slide, false); slide.moreBtn.focus(); }
      if (e.key === "Escape" || e.target === slide.caption) return;  // the caption's own scrolling
    }
    if (["ArrowDown", "j", "PageDown"].includes(e.key)) { e.preventDefault(); player.go(1); }
    else if (["ArrowUp", "k", "PageUp"].includes(e.key)) { e.preventDefault(); player.go(-1); }
    else if (e.key === "m") player.setMuted(!player.muted());
    else if (e.key === " " && slide && !e.target.closest("button, a, [role=slider]")) {
      e.preventDefault();
      player.togglePlay(slide);
    } else if (e.key === "l" && slide) slide.el.querySelector(".like").click();
    else if (e.key === "c" && slide) slide.el.querySelector(".comment").click();
    else if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && slide && !e.target.closest("[role=slider]")) {
      e.preventDefault();
      player.seek(slide, slide.video.currentTime + (e.key === "ArrowLeft" ? -5 : 5));
    } else if (e.key === "<" || e.key === ">") {
      toast(S.speedNow.replace("%(speed)s", speedLabel(player.stepSpeed(e.key === "<" ? -1 : 1))));
      showSpeed();
    } else if (e.key === "?") { e.preventDefault(); openKeys(); }
  });

  function add(videos) {
    const known = new Set(slides.map((s) => s.data.id));
    for (const v of videos) {
      if (!known.has(v.id)) feedEl.insertBefore(build(v).el, endEl);
    }
    document.getElementById("feed-empty").hidden = slides.length > 0;
    player.refresh();
  }

  // The end of a feed says so, instead of a last video that seems to refuse the swipe.
  const endEl = el("p", { class: "feed-end", role: "status", hidden: "" }, el("span", { text: S.caughtUp }));
  feedEl.append(endEl);

  async function loadMore() {
    if (loading || exhausted) return;
    loading = true;
    try {
      const sep = cfg.api.includes("?") ? "&" : "?";
      const res = await api("GET", cfg.api + (cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ""));
      cursor = res.next_cursor;
      exhausted = !cursor;
      add(res.items);
      endEl.hidden = !exhausted || !slides.length;
    } catch (_) { /* toast already shown */ } finally { loading = false; }
  }

  window.addEventListener("pagehide", () => { if (player.current()) sendView(player.current()); });
  add(cfg.initial);
  loadMore();
})();
