// Playback for the feed (feed.js builds the slides): which slide plays, its sources, its controls.
//
// A swipe starts the next video at once: the target is known from the first scroll movement (or
// the key that asked for it), not when the slide is 60% visible, and the slide was preloaded.
// Work that would compete with that first frame (the view beacon, preloading one more video,
// fetching the next page) waits until the new video has shown a frame.
(() => {
  "use strict";
  const PRELOAD_AHEAD = 2, KEEP = 4;
  const DOUBLE_TAP_MS = 260;
  const MOVED = 0.02;  // of a screen: less than this is a tap's jitter, not a swipe
  // Cover the screen when the picture's shape is close to it (crops at most ~23%), else letterbox.
  const COVER_WITHIN = 1.3;
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // hooks.onLeave(slide): the viewer moved away from a slide (send its view); hooks.onNear(left):
  // so many slides remain after the one on screen (fetch the next page); hooks.onShow(slide): a
  // slide became the one on screen and showed a frame; hooks.onLoop(slide): it played to the end
  // and started again; hooks.endPage(): the page after the last slide ("You're all caught up"),
  // once the feed has ended, else null.
  window.HavrePlayer = function createPlayer(feedEl, hooks) {
    const slides = [];
    let current = -1, settled = 0, steering = false, muted = true, settleTimer = null;
    // The end page is on screen: the last video is paused, and starts again on the way back.
    let atEnd = false;
    // Playback speed: the same for every video, remembered for this tab's session.
    const SPEEDS = [0.5, 1, 1.5, 2];
    let speed = 1;
    try { speed = SPEEDS.includes(Number(sessionStorage.getItem("havre.speed"))) ? Number(sessionStorage.getItem("havre.speed")) : 1; }
    catch (_) { /* storage refused: 1× */ }

    function attach(slide) {
      if (slide.attached) return;
      slide.attached = true;
      const v = slide.data, video = slide.video;
      video.preload = "auto";
      if (v.hls_url && window.Hls && window.Hls.isSupported()) {
        slide.hls = new window.Hls({ capLevelToPlayerSize: true, maxBufferLength: 10 });
        slide.hls.loadSource(v.hls_url);
        slide.hls.attachMedia(video);
        slide.hls.on(window.Hls.Events.ERROR, (_event, data) => { if (data.fatal) recover(slide); });
      } else if (v.hls_url && video.canPlayType("application/vnd.apple.mpegurl")) {
        video.src = v.hls_url;
      } else {
        video.src = v.mp4_url;
      }
    }

    function detach(slide) {
      if (!slide.attached) return;
      slide.attached = false;
      if (slide.hls) { slide.hls.destroy(); slide.hls = null; }
      slide.video.removeAttribute("src");
      slide.video.load();
    }

    // Media URLs can change under a loaded page (the ladder replaces the first remux) or the file can
    // be briefly unreachable: fetch the video again and re-attach, at most once every 10 seconds.
    async function recover(slide) {
      const now = Date.now();
      if (!slide.attached || now - (slide.recoveredAt || 0) < 10000) return;
      slide.recoveredAt = now;
      try {
        const response = await fetch(`/api/videos/${slide.data.id}`, { credentials: "same-origin" });
        if (!response.ok) return;
        slide.data = Object.assign(slide.data, await response.json());
      } catch (_) { return; }
      detach(slide);
      attach(slide);
      if (slides[current] === slide && !atEnd) start(slide);
    }

    // In HLS segments the first frame comes after the B-frame delay (hls.js buffers from ~0.07-0.1 s),
    // and playback from 0 shows nothing new until the clock gets there. Start where the picture starts.
    function skipLeadingGap(video) {
      if (!video.buffered.length) return;
      const first = video.buffered.start(0);
      if (first - video.currentTime > 0.001 && first < 0.5) video.currentTime = first;  // (no seek loop on rounding)
    }

    function start(slide) {
      skipLeadingGap(slide.video);
      slide.video.muted = muted;
      applySpeed(slide.video);
      slide.el.classList.remove("paused");
      slide.video.play().catch(() => {
        // Refused (autoplay with sound, a gone file): show the play sign, a tap starts it.
        if (slides[current] === slide && slide.video.paused) slide.el.classList.add("paused");
      });
    }

    // After the new video's first frame (or 1.5 s, if it never shows one), when the page is idle.
    function afterFirstFrame(slide, work) {
      let done = false;
      const run = () => {
        if (done) return;
        done = true;
        if (window.requestIdleCallback) window.requestIdleCallback(work, { timeout: 500 });
        else setTimeout(work, 50);
      };
      if (slide.video.requestVideoFrameCallback) slide.video.requestVideoFrameCallback(run);
      setTimeout(run, 1500);
    }

    function applySpeed(video) {
      video.defaultPlaybackRate = speed;  // a new source starts at this one
      video.playbackRate = speed;
    }

    // The end page came on screen: the viewer left the last video.
    function toEnd() {
      if (atEnd) return;
      atEnd = true;
      const slide = slides[current];
      if (!slide) return;
      slide.video.pause();
      slide.el.classList.remove("paused");
      hooks.onLeave(slide);
    }

    function setCurrent(index) {
      if (index === slides.length && slides.length && hooks.endPage && hooks.endPage()) { toEnd(); return; }
      if (atEnd && index === current && slides[index]) { atEnd = false; start(slides[index]); return; }
      if (index === current || index < 0 || index >= slides.length) return;
      const previous = atEnd ? null : slides[current];  // (left already, when the end page came)
      atEnd = false;
      current = index;
      const slide = slides[index];
      attach(slide);  // already done when it was preloaded
      start(slide);
      if (previous) { previous.video.pause(); previous.el.classList.remove("paused"); }
      afterFirstFrame(slide, () => {
        if (hooks.onShow && slides[current] === slide) hooks.onShow(slide);
        if (previous && slides[current] !== previous) hooks.onLeave(previous);
        preload();
        hooks.onNear(slides.length - 1 - current);
      });
    }

    function preload() {
      slides.forEach((s, i) => {
        if (i >= current && i <= current + PRELOAD_AHEAD) attach(s);
        else if (Math.abs(i - current) > KEEP) detach(s);
      });
    }

    const position = () => feedEl.scrollTop / feedEl.clientHeight;

    // A scroll under way already says where it goes: one slide per swipe (scroll-snap-stop), in the
    // direction it moves. Start that video now; settle() corrects a swipe that snapped back.
    feedEl.addEventListener("scroll", () => {
      if (!("onscrollend" in window)) { clearTimeout(settleTimer); settleTimer = setTimeout(settle, 150); }
      if (steering) return;
      const at = position();
      setCurrent(at > settled + MOVED ? Math.ceil(at - MOVED) : at < settled - MOVED ? Math.floor(at + MOVED) : settled);
    }, { passive: true });
    feedEl.addEventListener("scrollend", settle);

    function settle() {
      steering = false;
      const end = hooks.endPage && hooks.endPage() && slides.length ? slides.length : slides.length - 1;
      settled = Math.min(Math.round(position()), end);
      setCurrent(settled);
    }

    // Keys and buttons: the video starts with the scroll, not after it.
    function go(delta) {
      const index = (atEnd ? slides.length : current) + delta;
      const target = index === slides.length && hooks.endPage ? hooks.endPage() : slides[index] && slides[index].el;
      if (!target) return;
      settled = index;
      setCurrent(index);
      const top = target.offsetTop;
      if (Math.abs(feedEl.scrollTop - top) < 1) return;
      steering = true;
      feedEl.scrollTo({ top, behavior: reduceMotion.matches ? "instant" : "smooth" });
    }

    function setMuted(value) {
      muted = value;
      for (const s of slides) {
        s.video.muted = muted;
        s.muteBtn.setAttribute("aria-pressed", String(muted));
      }
    }

    function togglePlay(slide) {
      if (slide.video.paused) {
        if (slides[current] !== slide) setCurrent(slides.indexOf(slide));
        else start(slide);
      } else {
        slide.video.pause();
        slide.el.classList.add("paused");
      }
    }

    function fit(slide) {
      const w = slide.video.videoWidth || slide.data.width, h = slide.video.videoHeight || slide.data.height;
      if (!w || !h || !feedEl.clientWidth) return;
      const ratio = (w / h) / (feedEl.clientWidth / feedEl.clientHeight);
      slide.el.classList.toggle("letterbox", Math.max(ratio, 1 / ratio) > COVER_WITHIN);
    }
    window.addEventListener("resize", () => slides.forEach(fit));

    function showTime(slide) {
      const video = slide.video, d = video.duration || slide.data.duration_s || 0;
      const t = Math.min(video.currentTime, d);
      slide.bar.style.transform = `scaleX(${d ? t / d : 0})`;
      slide.progress.setAttribute("aria-valuemax", String(Math.round(d)));
      slide.progress.setAttribute("aria-valuenow", String(Math.round(t)));
      slide.progress.setAttribute("aria-valuetext", `${clock(t)} / ${clock(d)}`);
    }

    function setSpeed(value) {
      if (!SPEEDS.includes(value)) return;
      speed = value;
      try { sessionStorage.setItem("havre.speed", String(value)); } catch (_) { /* for this page only */ }
      for (const s of slides) applySpeed(s.video);
    }

    // One step slower or faster (keys "<" and ">"); returns the new speed.
    function stepSpeed(delta) {
      setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, SPEEDS.indexOf(speed) + delta))]);
      return speed;
    }

    function seek(slide, seconds) {
      const d = slide.video.duration;
      if (!d) return;
      slide.video.currentTime = Math.max(0, Math.min(d - 0.05, seconds));
      showTime(slide);
    }

    // The progress bar is a slider: drag it (finger or mouse), or focus it and use the arrow keys.
    function wireProgress(slide) {
      const bar = slide.progress;
      const seekTo = (e) => {
        const r = bar.getBoundingClientRect();
        seek(slide, Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * slide.video.duration);
      };
      bar.addEventListener("pointerdown", (e) => {
        if (!slide.video.duration) return;
        e.preventDefault();
        bar.setPointerCapture(e.pointerId);
        slide.el.classList.add("scrubbing");
        seekTo(e);
      });
      bar.addEventListener("pointermove", (e) => { if (bar.hasPointerCapture(e.pointerId)) seekTo(e); });
      bar.addEventListener("lostpointercapture", () => slide.el.classList.remove("scrubbing"));
      bar.addEventListener("keydown", (e) => {
        const t = slide.video.currentTime, step = { ArrowLeft: -1, ArrowRight: 1, PageDown: -5, PageUp: 5 }[e.key];
        if (step) seek(slide, t + step);
        else if (e.key === "Home") seek(slide, 0);
        else if (e.key === "End") seek(slide, slide.video.duration);
        else return;
        e.preventDefault();
        e.stopPropagation();
      });
    }

    function wire(slide, onDoubleTap) {
      const video = slide.video;
      let tapTimer = null;
      video.addEventListener("click", () => {
        // One tap pauses or resumes; two quick taps like the video (with a heart).
        if (tapTimer) { clearTimeout(tapTimer); tapTimer = null; onDoubleTap(); return; }
        tapTimer = setTimeout(() => { tapTimer = null; togglePlay(slide); }, DOUBLE_TAP_MS);
      });
      slide.muteBtn.addEventListener("click", () => setMuted(!muted));
      video.addEventListener("canplay", () => skipLeadingGap(video));
      video.addEventListener("seeked", () => skipLeadingGap(video));  // a loop back to 0 lands in the gap too
      video.addEventListener("playing", () => slide.el.classList.remove("paused"));
      video.addEventListener("loadedmetadata", () => { fit(slide); showTime(slide); });
      video.addEventListener("error", () => recover(slide));
      video.addEventListener("timeupdate", () => {
        const t = video.currentTime, delta = t - slide.lastTime;
        if (delta > 0 && delta < 1.5) slide.watchedMs += delta * 1000;
        else if (delta < -0.5 && slide.lastTime > video.duration - 1) {  // looped
          slide.completed = true;
          if (hooks.onLoop) hooks.onLoop(slide);
        }
        slide.lastTime = t;
        showTime(slide);
      });
      wireProgress(slide);
    }

    return {
      slides,
      speeds: SPEEDS,
      current: () => (atEnd ? undefined : slides[current]),
      speed: () => speed,
      setSpeed, stepSpeed,
      muted: () => muted,
      add(slide, onDoubleTap) {
        slides.push(slide);
        slide.muteBtn.setAttribute("aria-pressed", String(muted));
        wire(slide, onDoubleTap);
        applySpeed(slide.video);
        fit(slide);
        showTime(slide);
      },
      // After slides were added: start the first, or preload the ones that are now near.
      refresh() { if (current < 0) settle(); else preload(); },
      remove(slide) {
        const i = slides.indexOf(slide);
        if (i < 0) return;
        slide.video.pause();
        detach(slide);
        slides.splice(i, 1);
        if (i < current) current -= 1;
        else if (i === current) { current = -1; settle(); }
      },
      go, setMuted, togglePlay, seek,
    };
  };

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
})();
