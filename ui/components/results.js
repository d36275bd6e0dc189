// Public results on a phone (served inline by /results, ui/public_results.py).
// Every few seconds: ask the laptop whether the results changed, naming the version this page
// shows (If-None-Match with the page's ETag). "304 Not Modified" costs no body; a 200 brings the
// new page, of which only <main> is swapped in, so the phone keeps its scroll position and
// nothing blinks. A failed request (Wi-Fi drop) leaves the last results on screen and is tried
// again next time; a hidden tab does not ask until it is shown again.
(function () {
  "use strict";
  const root = document.documentElement;
  const period = (Number(root.dataset.refresh) || 10) * 1000;
  let etag = root.dataset.etag;
  let busy = false;

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      // no-store: the browser must neither answer from its cache nor add its own validator,
      // so this script sees the 304 itself.
      const answer = await fetch(location.href, { headers: { "If-None-Match": etag }, cache: "no-store" });
      if (answer.status === 200) {
        const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
        const main = fresh.querySelector("main");
        if (main) {
          document.querySelector("main").replaceWith(document.adoptNode(main));
          etag = answer.headers.get("ETag") || fresh.documentElement.dataset.etag || etag;
        }
      }
    } catch (e) {
      // no connection: keep what is shown, ask again at the next tick
    } finally {
      busy = false;
    }
  }

  // A small random offset: a hall of phones opened by the same QR code does not ask in step.
  setTimeout(function () {
    refresh();
    setInterval(refresh, period);
  }, Math.random() * period);
  document.addEventListener("visibilitychange", refresh);
})();
