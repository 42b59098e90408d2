// "Choose your interests": chips that toggle (buttons, so a click, a tap, Enter and Space all do),
// then Continue saves the choice and opens For You; Skip opens it without saving.
(() => {
  "use strict";
  const S = JSON.parse(document.getElementById("welcome-strings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const lang = document.documentElement.lang;
  const chips = [...document.querySelectorAll("#interest-chips .chip")];
  const message = document.getElementById("interest-message");
  const next = document.getElementById("interest-continue");
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, k) => String(values[k] ?? ""));
  const chosen = () => chips.filter((c) => c.getAttribute("aria-pressed") === "true");

  function count() {
    const n = chosen().length;
    const form = S.chosen[new Intl.PluralRules(lang).select(n)] || S.chosen.other;
    message.textContent = n ? fill(form, { num: n.toLocaleString(lang) }) : "";
  }

  for (const chip of chips) {
    chip.addEventListener("click", () => {
      const on = chip.getAttribute("aria-pressed") !== "true";
      if (on && chosen().length >= S.max) {
        message.textContent = fill(S.tooMany, { max: S.max });
        return;
      }
      chip.setAttribute("aria-pressed", String(on));
      count();
    });
  }

  next.addEventListener("click", async () => {
    next.disabled = true;
    const res = await fetch("/api/me/interests", {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ tags: chosen().map((c) => c.dataset.tag) }),
    });
    if (res.ok) {
      location.assign("/");
      return;
    }
    let detail = res.statusText;
    try {
      const body = await res.json();
      if (typeof body.detail === "string") detail = body.detail;
    } catch { /* not JSON: the status says enough */ }
    message.textContent = `${S.error} ${detail}`;
    next.disabled = false;
  });
  count();
})();
