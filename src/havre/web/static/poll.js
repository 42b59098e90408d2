// Following a long task's JSON status until it settles, in a way that survives a brief outage.
// A network error, a 5xx or a 429 (a server restarting, a proxy without its upstream) does not end
// the polling: each try waits twice as long as the last, up to a cap, and the page says it is
// reconnecting; the first good answer clears that and polling goes back to its pace. Other answers
// (404, 403) end it: asking again would get the same.
(() => {
  "use strict";
  const CAP_MS = 10000;  // a restarted server is seen within 10 s of answering again
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // ±20 %: pages that lost the server together do not all come back in the same instant.
  const jitter = (ms) => ms * (0.8 + 0.4 * Math.random());

  const retryable = (res) => res.status >= 500 || res.status === 429 || res.status === 408;

  async function detailOf(res) {
    try { return (await res.json()).detail || res.statusText; } catch (_) { return res.statusText; }
  }

  // url: what to poll. onData(json): true once the task is settled (polling stops).
  // notice: the element that says "reconnecting" (inside an aria-live region), text: what it says.
  // onError(detail): an answer that retrying cannot change. wanted(): false stops a superseded poll.
  async function follow(url, { onData, notice, text, onError = () => {}, wanted = () => true, every = 1000 }) {
    let delay = every;
    const reconnecting = (on) => { notice.textContent = on ? text : ""; notice.hidden = !on; };
    while (wanted()) {
      let body = null;
      try {
        const res = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!res.ok && !retryable(res)) { reconnecting(false); onError(await detailOf(res)); return; }
        if (res.ok) body = await res.json();  // a body cut short throws: counted as an outage too
      } catch (_) { /* offline, refused, reset: an outage */ }
      if (!wanted()) return;
      if (body === null) {
        reconnecting(true);
        await sleep(jitter(delay));
        delay = Math.min(delay * 2, CAP_MS);
        continue;
      }
      reconnecting(false);
      delay = every;
      if (onData(body)) return;
      await sleep(every);
    }
  }

  window.Havre = Object.assign(window.Havre || {}, { follow });
})();
