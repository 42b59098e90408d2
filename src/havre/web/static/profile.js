// A profile page: the follow button, follow buttons of a follower/following list, pinning one's
// own video, and making one's Liked tab public or private.
(() => {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const send = (method, url, body) => fetch(url, {
    method, credentials: "same-origin",
    headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json", "Accept": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });

  async function toggleFollow(btn) {
    const on = btn.dataset.following !== "true";
    const res = await send(on ? "POST" : "DELETE", `/api/users/${btn.dataset.handle}/follow`);
    if (!res.ok) return null;
    const data = await res.json();
    btn.dataset.following = String(data.following);
    btn.textContent = data.following ? btn.dataset.labelFollowing : btn.dataset.labelFollow;
    return data;
  }

  const btn = document.getElementById("follow-btn");
  if (btn) btn.addEventListener("click", async () => {
    const data = await toggleFollow(btn);
    if (!data) return;
    // The whole phrase, in the plural form the new count takes ("1 follower", "2 followers").
    const lang = document.documentElement.lang;
    const stat = document.getElementById("follower-stat");
    const forms = JSON.parse(stat.dataset.forms);
    const [before, after] = (forms[new Intl.PluralRules(lang).select(data.follower_count)] || forms.other).split("%(num)s");
    const strong = document.getElementById("follower-count");
    strong.textContent = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 })
      .format(data.follower_count);
    stat.replaceChildren(before, strong, after || "");
  });

  for (const b of document.querySelectorAll(".follow-person")) b.addEventListener("click", () => toggleFollow(b));

  for (const b of document.querySelectorAll(".pin-btn")) {
    b.addEventListener("click", async () => {
      const pinned = b.dataset.pinned === "true";
      const res = await send(pinned ? "DELETE" : "PUT", "/api/me/pinned", pinned ? undefined : { video_id: b.dataset.video });
      if (res.ok) window.location.reload();  // the pinned video goes first, with its badge
    });
  }

  const likes = document.getElementById("likes-public-btn");
  if (likes) likes.addEventListener("click", async () => {
    const res = await send("PATCH", "/api/me", { likes_public: likes.dataset.public !== "true" });
    if (res.ok) window.location.reload();
  });
})();
