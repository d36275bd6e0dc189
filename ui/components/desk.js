// The registration desk's scanner (mounted by ui/desk.py on pages/registration.py).
//
// 1. A handheld scanner "types" a code and Enter far faster than a person. Its keys are
//    caught wherever the focus is: outside a form field they go to the scan box; inside
//    one (a name search), a fast burst ending in Enter is taken out of that field and
//    treated as a scan, while a person typing by hand is left alone.
// 2. Every scan gets an id made here and waits in localStorage until the laptop has
//    answered it, so it survives a Wi-Fi drop, a reload, a sleeping tablet or a server
//    restart. Waiting scans are sent in order to /api/scans (ui/api.py), which applies
//    each id once; while the laptop cannot be reached a banner says how many wait.
// 3. The answer's card (HTML made by the server's template, people's text escaped there)
//    is shown here, so it appears even when Streamlit's own connection is down.

const BURST_GAP_MS = 150;    // a scanner's keys never wait this long for each other
const BURST_AVERAGE_MS = 60; // and come this fast on average (a fast typist: ~100 ms a key)
const MIN_CODE = 6;
const CARRY_MS = 1000;       // a key in the scan box this recent belongs to the scan that follows
const RETRY_MS = 1000;
const QUEUE_KEY = "forum.desk.queue";
const LAST_KEY = "forum.desk.last";

function load(key, fallback) {
  try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
}

function save(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* storage full: kept in memory */ }
}

function plural(forms, count) {
  // a catalog entry: a string, or {"one": ..., "other": ...} (see forum_core/i18n.py)
  const text = typeof forms === "string" ? forms : (count === 1 && forms?.one) || forms?.other || "";
  return text.replaceAll("{count}", String(count));
}

function newId() {
  // crypto.randomUUID needs https; getRandomValues works on the venue's plain http too
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function isEditable(el) {
  if (!el || el.disabled || el.readOnly) return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA") return true;
  return el.tagName === "INPUT" && !["button", "checkbox", "radio", "submit", "file", "range"].includes(el.type);
}

function setFieldValue(el, value) {
  // React-controlled inputs (Streamlit's) only notice a change made through the native setter
  const proto = el.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value").set.call(el, value);
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

function createDesk() {
  const desk = {
    queue: load(QUEUE_KEY, []),
    last: load(LAST_KEY, null),
    component: null,
    data: {},
    texts: {},
    online: true,
    sending: false,
    retryTimer: null,
    shownPageCard: "",
    burst: { keys: "", times: [], field: null, before: null, carried: "" },
    boxKeyAt: 0, // when a key last went into the scan box
  };

  desk.el = (selector) => desk.component?.parentElement.querySelector(selector);

  desk.attach = (component) => {
    desk.component = component;
    desk.data = component.data || {};
    desk.texts = JSON.parse(desk.data.texts || "{}");
    desk.el(".forum-desk-label").textContent = desk.texts.scan_label || "";
    desk.el(".forum-desk-box").placeholder = desk.texts.scan_placeholder || "";
    desk.el(".forum-desk-box").setAttribute("aria-label", desk.texts.scan_label || "");
    desk.el(".forum-desk-undo").textContent = desk.texts.undo || "";
    desk.el(".forum-desk-undo").onclick = desk.undo;
    if (desk.data.card && desk.data.card_id !== desk.shownPageCard) {
      // a card the page made (a check-in by name): newer than anything shown before
      desk.shownPageCard = desk.data.card_id;
      desk.show({ card: desk.data.card, undo: desk.data.undo, participant_id: desk.data.participant_id });
    } else if (desk.last) {
      desk.show(desk.last);
    }
    desk.render();
    desk.focusBox();
    desk.flush();
  };

  desk.detach = (component) => {
    if (desk.component === component) desk.component = null;
  };

  desk.focusBox = () => {
    const box = desk.el(".forum-desk-box");
    if (box && !isEditable(document.activeElement)) box.focus({ preventScroll: true });
  };

  desk.show = (answer, earlier = []) => {
    desk.last = answer;
    save(LAST_KEY, answer);
    const area = desk.el(".forum-desk-card");
    if (!area) return;
    area.innerHTML = answer.card; // the server's template escaped every person's text
    // scans that waited for the connection: each gets its card, smaller, below the newest
    const list = desk.el(".forum-desk-earlier");
    list.replaceChildren(...earlier.map((result) => {
      const item = document.createElement("div");
      item.innerHTML = result.card; // escaped by the server's template, as above
      item.querySelector("[data-testid=desk-card]")?.setAttribute("data-testid", "desk-card-earlier");
      return item;
    }));
    const undo = desk.el(".forum-desk-undo");
    undo.hidden = !answer.undo;
    undo.disabled = false;
  };

  desk.render = () => {
    const box = desk.el(".forum-desk-offline");
    if (!box) return;
    const waiting = desk.queue.length;
    box.hidden = desk.online;
    const banner = plural(desk.texts.offline_banner, waiting);
    desk.el(".forum-desk-banner").textContent = desk.problem ? `${desk.problem} (${banner})` : banner;
    desk.el(".forum-desk-waiting").replaceChildren(...desk.queue.map((scan) => {
      const item = document.createElement("li");
      item.textContent = scan.code; // shown as text
      return item;
    }));
    desk.el(".forum-desk-undo").disabled = !desk.online;
  };

  desk.enqueue = (code) => {
    code = code.trim();
    if (!code) return;
    desk.queue.push({ id: newId(), code: code.slice(0, 400), at: Date.now(), desk: desk.data.desk || "" });
    save(QUEUE_KEY, desk.queue);
    desk.render();
    desk.flush();
  };

  desk.flush = async () => {
    if (desk.sending || desk.queue.length === 0) return;
    desk.sending = true;
    clearTimeout(desk.retryTimer);
    const batch = desk.queue.slice(0, 50);
    desk.problem = null;
    try {
      const response = await fetch("/api/scans", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ desk: batch[0].desk, lang: desk.data.lang, scans: batch }),
      });
      // 503 with a message: the laptop could not store the scans (disk full); they wait here, as offline
      desk.problem = response.status === 503 ? (await response.json().catch(() => ({}))).message || null : null;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const answer = await response.json();
      const done = new Set(answer.results.map((r) => r.id));
      desk.queue = desk.queue.filter((scan) => !done.has(scan.id));
      save(QUEUE_KEY, desk.queue);
      desk.online = true;
      const newest = answer.results[answer.results.length - 1];
      if (newest) desk.show(newest, answer.results.slice(0, -1).reverse());
      window.dispatchEvent(new Event("forum:desk-answered")); // the page's figures (figures.js)
    } catch (error) {
      desk.online = false; // kept in the queue: tried again in a moment
      desk.retryTimer = setTimeout(desk.flush, RETRY_MS);
    } finally {
      desk.sending = false;
      desk.render();
      if (desk.online && desk.queue.length) setTimeout(desk.flush, 0);
    }
  };

  desk.undo = async () => {
    const answer = desk.last;
    if (!answer || !answer.participant_id) return;
    const button = desk.el(".forum-desk-undo");
    button.disabled = true;
    try {
      const response = await fetch("/api/undo", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ participant_id: answer.participant_id, desk: desk.data.desk, lang: desk.data.lang }),
      });
      const result = await response.json();
      const area = desk.el(".forum-desk-card");
      const note = document.createElement("p");
      note.className = "forum-desk-note";
      note.textContent = result.message || "";
      area.replaceChildren(note);
      desk.last = null;
      save(LAST_KEY, null);
      button.hidden = true;
      window.dispatchEvent(new Event("forum:desk-answered"));
    } catch {
      button.disabled = false; // no connection: the person may try again
    }
  };

  desk.onKey = (event) => {
    if (!desk.component || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    const box = desk.el(".forum-desk-box");
    const target = event.target;
    const inBox = target === box;
    const inField = !inBox && isEditable(target);
    // when the key was pressed (the keyboard's time stamp), not when this busy page got to it: a
    // tablet in the middle of redrawing handles a scanner's keys late and in a lump, but their
    // stamps still say a scanner typed them
    const now = event.timeStamp || performance.now();
    const burst = desk.burst;
    if (event.key === "Enter") {
      const gaps = burst.times.slice(1).map((t, i) => t - burst.times[i]);
      const fast = burst.keys.length >= MIN_CODE && now - burst.times[burst.times.length - 1] < BURST_GAP_MS
        && gaps.reduce((a, b) => a + b, 0) / Math.max(gaps.length, 1) < BURST_AVERAGE_MS;
      if (fast) {
        // a scanner's burst, wherever its keys landed (a field, the page, the scan box, or a
        // field that Streamlit disabled half-way when its connection dropped): taken out of
        // the field it started in, and nothing else sees the Enter
        event.preventDefault();
        event.stopPropagation();
        if (burst.before !== null) setFieldValue(burst.field, burst.before);
        box.value = "";
        desk.boxKeyAt = 0;
        desk.enqueue(burst.carried + burst.keys);
        box.focus({ preventScroll: true }); // the next scan starts in the scan box
      } else if (inBox) {
        event.preventDefault(); // typed by hand into the scan box
        const code = box.value;
        box.value = "";
        desk.boxKeyAt = 0;
        desk.enqueue(code);
      }
      desk.burst = { keys: "", times: [], field: null, before: null, carried: "" };
      return;
    }
    if (event.key.length !== 1) return; // Shift and the like: scanners send them for capitals
    if (!burst.times.length || now - burst.times[burst.times.length - 1] > BURST_GAP_MS) {
      // a new burst (or a person's keystroke): remember the field it starts in and its text.
      // Keys already in the scan box a moment ago are this scan's first ones, which a loaded
      // tablet delivered late (CI saw a code lose its first character that way): carried over.
      const carried = inBox && now - desk.boxKeyAt < CARRY_MS ? box.value : "";
      desk.burst = { keys: "", times: [], field: target, before: inField ? target.value : null, carried };
    }
    desk.burst.keys += event.key;
    desk.burst.times.push(now);
    if (inBox) desk.boxKeyAt = now;
    if (!inBox && !inField) {
      // keys on the page itself (nothing focused, a tab, a button) belong to the scan box
      event.preventDefault();
      box.focus({ preventScroll: true });
      box.value += event.key;
      desk.boxKeyAt = now;
    }
  };

  window.addEventListener("keydown", desk.onKey, true);
  window.addEventListener("online", () => desk.flush());
  return desk;
}

export default function (component) {
  const desk = window.forumDesk || (window.forumDesk = createDesk());
  desk.attach(component);
  return () => desk.detach(component);
}
