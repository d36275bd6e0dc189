// After a sign-in (mounted last in the sidebar by ui/session.py on every page until the cookie is
// stored): the device cookie is set by the laptop's HTTP answer to /api/device (HttpOnly: no
// script can read it), asked from here while the role's page is already open, so the app is not
// loaded a second time (that costs a tablet about a second) and nobody waits on a blank page.
// - 204: the cookie is stored; the trigger tells the app, which stops mounting this.
// - no answer (the Wi-Fi): asked again every few seconds while the one-time id lives (``lifetime_s``,
//   from the laptop); the page stays usable, and the page component shows that the laptop is away.
// - 404 (the id was used or is too old: an answer lost on the way back, a tablet asleep): the
//   browser opens the same address itself, which brings the sign-in back with a message saying why.
const TIMEOUT_MS = 8000;
const RETRY_MS = 3000;
const asked = new Map(); // one-time id -> the request's promise: one request per sign-in, however often it is mounted

function askForCookie(handoff, lifetimeMs) {
  const started = Date.now();
  const attempt = () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    return fetch("/api/device?handoff=" + encodeURIComponent(handoff), {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
    })
      .then((answer) => answer.status === 204)
      .catch(() =>
        Date.now() - started > lifetimeMs
          ? false
          : new Promise((resolve) => setTimeout(resolve, RETRY_MS)).then(attempt),
      )
      .finally(() => clearTimeout(timer));
  };
  return attempt();
}

export default function (component) {
  const { handoff, lifetime_s: lifetime, fallback } = component.data ?? {};
  if (!handoff) return;
  if (!asked.has(handoff)) asked.set(handoff, askForCookie(handoff, lifetime * 1000));
  asked.get(handoff).then((stored) => {
    if (stored) component.setTriggerValue("stored", handoff);
    else if (fallback && fallback.startsWith("/")) window.location.replace(fallback);
  });
}
