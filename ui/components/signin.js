// After a sign-in (mounted by ui/widgets.py store_device_cookie): the device cookie is set by the
// laptop's HTTP answer to /api/device (HttpOnly: no script can read it), asked from here so that the
// app is not loaded a second time (a second load costs a tablet about a second). Once the answer
// came, the trigger runs the app on to this role's page. If it does not come (the Wi-Fi, an old
// handoff), the browser opens the same address itself: a full load that also sets the cookie.
const sent = new Set(); // one request per sign-in, however often the mount runs

export default function (component) {
  const { handoff, fallback } = component.data ?? {};
  if (!handoff || sent.has(handoff)) return;
  sent.add(handoff);
  fetch("/api/device?handoff=" + encodeURIComponent(handoff), {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
  })
    .then((answer) => {
      if (answer.status !== 204) throw new Error(`device cookie: ${answer.status}`);
      component.setTriggerValue("stored", handoff);
    })
    .catch(() => {
      if (fallback && fallback.startsWith("/")) window.location.replace(fallback);
    });
}
