// Follow button on a profile page.
(() => {
  "use strict";
  const btn = document.getElementById("follow-btn");
  if (!btn) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  btn.addEventListener("click", async () => {
    const on = btn.dataset.following !== "true";
    const res = await fetch(`/api/users/${btn.dataset.handle}/follow`, {
      method: on ? "POST" : "DELETE", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
    if (!res.ok) return;
    const data = await res.json();
    btn.dataset.following = String(data.following);
    btn.textContent = data.following ? btn.dataset.labelFollowing : btn.dataset.labelFollow;
    document.getElementById("follower-count").textContent =
      new Intl.NumberFormat(document.documentElement.lang, { notation: "compact", maximumFractionDigits: 1 })
        .format(data.follower_count);
  });
})();
