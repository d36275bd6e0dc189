// Every page's connection watch (part of the page component, ui/components/page.js, mounted by
// ui/widgets.py page_context from navigation.py).
//
// Streamlit's own answer to a lost connection is an English developer dialog ("Is
// Streamlit still running? ... streamlit run yourscript.py") over the page. Here the
// laptop is asked every few seconds whether it is reachable (/api/ping); while it is
// not, the page shows the app's own calm message in its language (the projector: a
// small mark in a corner, keeping the last picture), Streamlit's dialog and status
// badge are hidden, and everything comes back by itself when the laptop answers again
// (Streamlit reconnects its own connection).

const PING_MS = 2000;
const TIMEOUT_MS = 2500;
const STREAMLIT_WORDS = ["Is Streamlit still running", "streamlit run", "Streamlit server is not responding",
  "Connection error", "Cannot connect to Streamlit"];

function createWatch() {
  const watch = { texts: {}, discreet: false, offline: false, failures: 0 };

  const banner = document.createElement("div");
  banner.setAttribute("role", "status");
  banner.setAttribute("aria-live", "polite");
  banner.dataset.testid = "forum-offline";
  banner.className = "forum-offline-banner";
  banner.hidden = true;
  document.body.appendChild(banner); // outside Streamlit's tree: stays while it is disconnected

  watch.show = () => {
    document.documentElement.classList.toggle("forum-offline", watch.offline);
    banner.hidden = !watch.offline;
    banner.classList.toggle("forum-discreet", watch.discreet);
    banner.textContent = watch.discreet ? "⚠" : watch.texts.offline || "";
    banner.title = watch.texts.offline || "";
  };

  watch.ping = async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch("/api/ping", { cache: "no-store", signal: abort.signal });
      if (!response.ok) throw new Error(String(response.status));
      watch.failures = 0;
      if (watch.offline) { watch.offline = false; watch.show(); }
    } catch {
      watch.failures += 1;
      if (watch.failures >= 2 && !watch.offline) { watch.offline = true; watch.show(); }
    } finally {
      clearTimeout(timer);
    }
  };

  // The page stays usable under the hidden dialog. Streamlit's dialog is modal: as it opens (about
  // 3 s into a drop) everything else is made `inert` and loses the focus, so what a facilitator
  // types on would go nowhere. While a hidden one is open, `inert` is taken off the page again and
  // the focus goes back where it was. (The app's own dialogs, never hidden, stay modal.)
  let lastFocus = null;
  document.addEventListener("focusin", (event) => {
    if (!event.target.closest?.('[data-baseweb="layer"], [role="dialog"]')) lastFocus = event.target;
    // the hidden dialog's focus trap taking the focus a moment after it opened (no change of the page
    // for the observer below to see): given back at once, before the next key is typed (a test once
    // lost the five keys typed in that moment)
    else if (event.target.closest?.(".forum-hidden-dialog")) giveBackPage();
  }, true);
  const giveBackPage = () => {
    if (!document.querySelector(".forum-hidden-dialog")) return;
    for (const el of document.querySelectorAll("[inert]")) {
      if (!el.closest('[data-baseweb="layer"]')) el.removeAttribute("inert");
    }
    const here = document.activeElement;
    const lost = !here || here === document.body || here.closest?.(".forum-hidden-dialog");
    if (lost && lastFocus?.isConnected && !lastFocus.disabled) lastFocus.focus({ preventScroll: true });
  };

  // Streamlit's connection dialog: hidden whenever it appears (its words are English only)
  const hideDialogs = () => {
    for (const dialog of document.querySelectorAll('[role="dialog"], [data-testid="stDialog"]')) {
      const text = dialog.textContent || "";
      if (STREAMLIT_WORDS.some((w) => text.includes(w))) {
        const layer = dialog.closest('[data-baseweb="layer"]') || dialog;
        layer.classList.add("forum-hidden-dialog");
        if (!watch.offline) { watch.offline = true; watch.show(); }
      }
    }
  };
  new MutationObserver(() => { hideDialogs(); giveBackPage(); }).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["inert"],
  });

  setInterval(watch.ping, PING_MS);
  window.addEventListener("offline", () => { watch.offline = true; watch.show(); });
  window.addEventListener("online", watch.ping);
  return watch;
}

// Called by page.js on every run with the page's data: the message's words and whether this
// page (the projector) shows only a small mark.
function updateConnection(data) {
  const watch = window.forumConnection || (window.forumConnection = createWatch());
  watch.texts = { offline: data.offline || "" };
  watch.discreet = Boolean(data.discreet);
  watch.show();
}
