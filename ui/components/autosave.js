// A text field of the group tablets that never loses what is typed (mounted by ui/autosave.py
// on pages/facilitator.py, one instance per field).
//
// 1. The field is this component's own <input> or <textarea>, not Streamlit's widget (which
//    Streamlit disables while its connection is away): typing goes on during a Wi-Fi drop.
// 2. Every keystroke is kept in localStorage, per device and field id, as a draft: the text
//    and the stored text it started from ("expected").
// 3. A short pause in typing, or leaving the field, sends it to /api/text (ui/api.py ->
//    forum_core.deliberation.save_text). Without an answer it is sent again every 1.5 s and
//    the status line says "not saved yet – no connection". Only the laptop's answer removes
//    the draft.
//    Every text sent without an answer is kept too ("unconfirmed": any of them may have reached the
//    laptop before the Wi-Fi went) and sent along, so the laptop does not take this tablet's own
//    earlier save for another device's change.
// 4. If the stored text changed meanwhile (another device, a merge) the laptop refuses it
//    ("stale") and both versions are shown: keep mine (sent again over theirs) or take theirs.
// 5. After a reload, a sleep or a reconnect, a draft that differs from the stored text is put
//    back and sent with the text it started from, so the laptop decides: saved, or a conflict.
// 6. A new stored value from Python (a rerun) never replaces what is being typed: only a
//    field without a draft takes it.
// People's text is only ever set as .value or .textContent.

const PAUSE_MS = 600;    // a pause in typing this long saves
const RETRY_MS = 1500;   // without a connection, tried again this often
const TIMEOUT_MS = 6000; // a request not answered by then counts as no connection
const MAX_UNCONFIRMED = 50; // texts kept that were sent without an answer (forum_core/deliberation.py)

function storageKey(device, field) {
  return `forum.autosave.${device}.${field}`;
}

function loadDraft(key) {
  try { return JSON.parse(localStorage.getItem(key)); } catch { return null; }
}

function keepDraft(key, value, expected, unconfirmed = []) {
  // unconfirmed: the texts sent whose answers never came back (any may be stored already)
  try {
    localStorage.setItem(key, JSON.stringify({ value, expected, unconfirmed, at: Date.now() }));
  } catch { /* storage full */ }
}

function dropDraft(key) {
  try { localStorage.removeItem(key); } catch { /* nothing to do */ }
}

function asList(unconfirmed) {
  // a draft kept by an earlier version held one text, or null
  if (Array.isArray(unconfirmed)) return unconfirmed.filter((text) => typeof text === "string");
  return typeof unconfirmed === "string" ? [unconfirmed] : [];
}

function remember(unconfirmed, sent) {
  // each text once; past the limit the first ten stay (sent as the Wi-Fi went, the likeliest to
  // have arrived) and the newest others
  const texts = unconfirmed.includes(sent) ? unconfirmed : [...unconfirmed, sent];
  return texts.length > MAX_UNCONFIRMED ? [...texts.slice(0, 10), ...texts.slice(10 - MAX_UNCONFIRMED)] : texts;
}

function squeeze(text) {
  return String(text ?? "").replace(/\s+/g, " ").trim();
}

function createField(fieldId) {
  const f = {
    field: fieldId,
    key: "",
    data: {},
    texts: {},
    root: null,
    control: null,
    base: "",              // the stored text this device's text started from (sent as "expected")
    value: "",             // what the person has typed
    lastStored: undefined, // the stored text Python sent last
    state: "",             // "", "saving", "saved", "offline", "conflict", "error"
    theirs: null,          // the stored text of a conflict
    message: "",
    timer: null,
    sending: false,
    again: false,          // asked to send while a request was on its way: send once it is back
    dirty: false,          // typed here and not yet stored (also kept in localStorage)
    unconfirmed: [],       // sent, answer lost: perhaps stored already (the laptop checks)
  };

  f.el = (selector) => f.root?.querySelector(selector);

  f.build = () => {
    const existing = f.el(".forum-autosave-control");
    if (existing) {
      f.control = existing;
    } else {
      const control = document.createElement(f.data.multiline ? "textarea" : "input");
      if (!f.data.multiline) control.type = "text";
      else control.rows = f.data.rows || 3;
      control.id = "forum-autosave-" + f.field.replace(/[^A-Za-z0-9_-]/g, "-");
      control.className = "forum-autosave-control";
      control.dataset.field = f.field;
      control.autocomplete = "off";
      control.addEventListener("input", f.typed);
      control.addEventListener("blur", () => f.send());
      f.el(".forum-autosave-label").after(control);
      f.el(".forum-autosave-label").htmlFor = control.id;
      f.control = control;
    }
    f.el(".forum-autosave-label").textContent = f.data.label || "";
    // No maxLength from max_chars: the browser would cut a longer paste to it without a word, and the
    // cut text would be saved. The laptop refuses a text that is too long, saying how long it may be
    // (the "error" state below), and the text stays here to be shortened.
    f.control.placeholder = f.data.placeholder || "";
    f.control.disabled = Boolean(f.data.disabled);
    f.el(".forum-autosave-keep-mine").textContent = f.texts.keep_mine || "";
    f.el(".forum-autosave-take-theirs").textContent = f.texts.take_theirs || "";
    f.el(".forum-autosave-keep-mine").onclick = f.keepMine;
    f.el(".forum-autosave-take-theirs").onclick = f.takeTheirs;
  };

  f.attach = (component) => {
    f.data = component.data || {};
    f.texts = f.data.texts || {};
    f.key = storageKey(f.data.device || "device", f.field);
    f.root = component.parentElement;
    f.build();
    const stored = f.data.stored ?? "";
    if (stored !== f.lastStored) { // news from the laptop (first mount, another device, a merge)
      f.lastStored = stored;
      const draft = f.dirty ? { value: f.value, expected: f.base, unconfirmed: f.unconfirmed } : loadDraft(f.key);
      if (draft && draft.value !== stored) {
        f.value = draft.value; // put back what was typed here, and let the laptop decide
        f.base = draft.expected ?? "";
        f.unconfirmed = asList(draft.unconfirmed);
        f.dirty = true;
        if (!f.data.disabled) f.schedule(0);
      } else {
        if (draft) dropDraft(f.key);
        f.dirty = false;
        f.value = stored;
        f.base = stored;
        if (f.state === "conflict" || f.state === "offline") f.state = "";
      }
    }
    f.showValue();
    f.render();
  };

  f.showValue = () => {
    const control = f.control;
    if (!control || control.value === f.value) return;
    // the laptop may store "word " as "word": never take the space away from someone typing
    if (document.activeElement === control && squeeze(control.value) === squeeze(f.value)) return;
    control.value = f.value;
  };

  f.typed = () => {
    f.value = f.control.value;
    f.dirty = true;
    keepDraft(f.key, f.value, f.base, f.unconfirmed);
    if (f.state !== "offline" && f.state !== "conflict") f.state = "saving";
    if (f.state === "conflict") f.el(".forum-autosave-mine").textContent = f.value;
    f.render();
    f.schedule(PAUSE_MS);
  };

  f.schedule = (ms) => {
    clearTimeout(f.timer);
    f.timer = setTimeout(f.send, ms);
  };

  f.send = async () => {
    clearTimeout(f.timer);
    if (f.sending) { f.again = true; return; }
    if (f.data.disabled || !f.dirty) return; // only typed text waits to be saved
    f.sending = true;
    f.again = false;
    const sent = f.value;
    const expected = f.base;
    let again = 0;
    f.problem = null;
    try {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
      const response = await fetch("/api/text", {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ field: f.field, value: sent, expected, unconfirmed: f.unconfirmed, lang: f.data.lang }),
        signal: abort.signal,
      });
      clearTimeout(timer);
      // 503 with a message: the laptop could not store it (disk full); kept and sent again, like offline
      f.problem = response.status === 503 ? (await response.json().catch(() => ({}))).message || null : null;
      if (response.status >= 500) throw new Error(`HTTP ${response.status}`); // the laptop restarting
      const answer = await response.json();
      if (response.status === 403) answer.message = f.texts.not_allowed; // signed out meanwhile
      if (answer.reason === "stale" && f.base !== expected) {
        again = 1; // "keep mine" was chosen while this one was on its way: the newer request decides
      } else {
        f.answered(answer, sent);
        if (answer.ok && f.value !== sent) again = PAUSE_MS; // typed on while it was on its way
      }
    } catch {
      // No answer: the text may or may not be stored (the Wi-Fi can drop on the way back).
      // Kept in the draft, sent again in a moment, and the laptop told it may be ours.
      f.unconfirmed = remember(f.unconfirmed, sent);
      keepDraft(f.key, f.value, f.base, f.unconfirmed);
      f.state = "offline";
      again = RETRY_MS;
    } finally {
      f.sending = false;
      if (f.again && !again) again = 1;
      if (again) f.schedule(again);
      f.render();
    }
  };

  f.answered = (answer, sent) => {
    if (answer.ok) {
      f.base = answer.current ?? sent;
      f.theirs = null;
      f.unconfirmed = [];
      if (f.value === sent) {
        f.dirty = false;
        dropDraft(f.key);
        f.state = "saved";
      } else {
        keepDraft(f.key, f.value, f.base);
      }
    } else if (answer.reason === "stale") {
      f.theirs = answer.current ?? "";
      f.state = "conflict";
    } else {
      f.state = "error"; // invalid, locked, not found, signed out: the draft stays on this device
      f.message = answer.message || answer.error || "";
    }
  };

  f.keepMine = () => {
    f.base = f.theirs ?? f.base; // sent again over their text, which the person has now seen
    keepDraft(f.key, f.value, f.base);
    f.theirs = null;
    f.state = "saving";
    f.render();
    f.send();
  };

  f.takeTheirs = () => {
    f.value = f.theirs ?? f.base;
    f.base = f.value;
    f.theirs = null;
    f.dirty = false;
    dropDraft(f.key);
    if (f.control) f.control.value = f.value;
    f.state = "saved";
    f.render();
  };

  f.retry = () => {
    if (!f.sending && f.dirty && f.state !== "conflict") f.send();
  };

  f.render = () => {
    const status = f.el(".forum-autosave-status");
    if (!status) return;
    const words = { saving: f.texts.saving, saved: f.texts.saved, offline: f.problem || f.texts.offline,
                    conflict: f.texts.conflict, error: f.message };
    status.dataset.state = f.state;
    status.textContent = words[f.state] || "";
    const box = f.el(".forum-autosave-conflict");
    box.hidden = f.state !== "conflict";
    if (f.state === "conflict") {
      f.el(".forum-autosave-conflict-text").textContent = f.texts.conflict_help || "";
      f.el(".forum-autosave-theirs-label").textContent = f.texts.theirs || "";
      f.el(".forum-autosave-mine-label").textContent = f.texts.mine || "";
      f.el(".forum-autosave-theirs").textContent = f.theirs ?? "";
      f.el(".forum-autosave-mine").textContent = f.value;
    }
  };

  return f;
}

function createRegistry() {
  const fields = new Map(); // field id -> its state, which outlives reruns and remounts
  const registry = {
    field(fieldId) {
      if (!fields.has(fieldId)) fields.set(fieldId, createField(fieldId));
      return fields.get(fieldId);
    },
  };
  const retryAll = () => fields.forEach((f) => f.retry());
  window.addEventListener("online", retryAll);
  window.addEventListener("pageshow", retryAll);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) retryAll(); });
  return registry;
}

export default function (component) {
  const registry = window.forumAutosave || (window.forumAutosave = createRegistry());
  const fieldId = component.data?.field;
  if (!fieldId) return undefined;
  registry.field(fieldId).attach(component);
  return undefined; // nothing to clean up: a draft still waiting keeps being sent after the field is gone
}
