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
})();
