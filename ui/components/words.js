// Streamlit's own words in the page's language, and the focus and contrast styles (part of the
// page component, ui/components/page.js, mounted on every page by ui/widgets.py page_context).
//
// Streamlit 1.67 has no setting for a few texts it draws itself: the "Skip to main content"
// link, the file uploader's "Upload" button and "20MB per file" line, and the "Press Enter to
// apply" hint under text fields. Each such text node is replaced by the catalog's words as it
// appears (a MutationObserver: Streamlit draws them again when a widget mounts). So are the
// English names a screen reader reads (aria-label: "Open", "Help for ...") and what a select box
// announces ("6 options available.": its combobox library has no Georgian), and the messages it
// shows in a file uploader or a number field ("Number is outside the allowed range. ..."), whose
// patterns ui/widgets.py gives with the catalog's words. Everything else of
// Streamlit's that shows words is set through its API in the pages (labels, placeholders).

// The first pattern that applies where ``el`` is and matches, its replacement (``$1``: what the
// pattern's group found), or undefined. Each pattern names the controls Streamlit says it in (a CSS
// selector): a person's text elsewhere ("Remove ..." as a name) keeps its words.
function byPattern(text, patterns, el) {
  const inside = {}; // where -> whether el is there (one lookup per place, not per pattern)
  for (const [source, wanted, where] of patterns) {
    if (!(inside[where] ??= Boolean(el?.closest(where)))) continue;
    const re = new RegExp(source);
    if (re.test(text)) return text.replace(re, wanted);
  }
  return undefined;
}

function replaceIn(root, words) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  if (root.nodeType === Node.TEXT_NODE) nodes.push(root);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
  for (const node of nodes) {
    const text = node.nodeValue;
    const core = text.trim();
    if (!core) continue;
    const el = node.parentElement;
    // Streamlit's hidden words for an icon in a button ("add icon" in the uploader's "+"): the button's
    // own name (in the page's language) says what it does, so the icon's English name is hidden
    if (/^[a-z0-9_]+ icon$/.test(core) && el?.closest("button[aria-label]")) {
      el.setAttribute("aria-hidden", "true");
      continue;
    }
    // Streamlit's own short texts by their words; an announcement ("6 options available.") and a
    // refused file's message (with its type), of any length, by their patterns where they are said
    let wanted = core.length <= 60 ? words.exact[core] : undefined;
    const limit = /^(\d+(?:\.\d+)?)\s*([KMG]B) per file$/.exec(core); // the uploader's size line
    if (wanted === undefined && limit && words.limit) wanted = words.limit.replace("{size}", `${limit[1]} ${limit[2]}`);
    if (wanted === undefined) {
      const announced = el?.closest("[data-live-announcer]");
      wanted = announced ? byPattern(core, words.patterns, el) : byPattern(core, words.messages, el);
    }
    if (wanted === undefined) continue;
    // the spaces around the words stay ("Error: " stands before the message's own text)
    const at = text.indexOf(core);
    wanted = text.slice(0, at) + wanted + text.slice(at + core.length);
    // only a change: writing the same text would be a mutation of its own, observed again, for ever
    if (wanted !== text) {
      drawn.set(node, text); // Streamlit's own words, put back if the person switches language
      node.nodeValue = wanted;
    }
  }
  if (root.nodeType === Node.ELEMENT_NODE) {
    for (const el of [root, ...root.querySelectorAll("[aria-label], [aria-valuetext], [placeholder]")]) nameIn(el, words);
  }
}

// An element's accessible name (aria-label), value (a date field's month, aria-valuetext "05 – May")
// and placeholder in the page's language.
function nameIn(el, words) {
  const placeholder = el.getAttribute("placeholder"); // a select box's "Choose an option", a table's search
  if (placeholder && words.exact[placeholder] !== undefined && words.exact[placeholder] !== placeholder) {
    setName(el, "placeholder", words.exact[placeholder]);
  }
  const value = el.getAttribute("aria-valuetext");
  if (value) {
    const named = value.replace(/[A-Z][a-z]+/g, (word) => words.months[word] ?? word);
    if (named !== value) setName(el, "aria-valuetext", named);
  }
  const name = el.getAttribute("aria-label");
  if (!name) return;
  // Streamlit's material icons: its icon element, or a Markdown ":material/x:" (an img named "x icon")
  const icon = el.dataset.testid === "stIconMaterial" || (el.getAttribute("translate") === "no" && / icon$/.test(name));
  if (icon) {
    // an icon beside a text ("leaderboard icon" before the link's words) says nothing more: hidden
    // from screen readers, as a decorative picture is
    if ((el.parentElement?.textContent || "").trim() !== (el.textContent || "").trim()) {
      el.removeAttribute("aria-label");
      el.setAttribute("aria-hidden", "true");
    }
    return;
  }
  // A check box is named by its label's Markdown source: a person's name escaped for Markdown
  // (ui/text.py md: "O\'Brien", "Open\-Door") would be read out with its backslashes. Its name is
  // the label as drawn.
  if (el.type === "checkbox" && name.includes("\\")) {
    const drawn = el.closest('[data-testid="stCheckbox"]')?.querySelector('[data-testid="stMarkdownContainer"]');
    const shown = (drawn?.textContent || "").trim();
    if (shown && shown !== name) el.setAttribute("aria-label", shown);
    return;
  }
  const wanted = words.labels[name] ?? byPattern(name, words.patterns, el);
  if (wanted !== undefined && wanted !== name) setName(el, "aria-label", wanted);
}

// What Streamlit drew before its words were put in the page's language: a text node's text, an
// element's attributes. A person who switches language (the sidebar's switch, no reload) would
// otherwise keep the first language's words in Streamlit's controls ("მთავარ შინაარსზე გადასვლა"
// on an English page): they are put back, then the new language's put in.
const drawn = new WeakMap();

function setName(el, attribute, wanted) {
  const kept = drawn.get(el) || {};
  kept[attribute] = el.getAttribute(attribute);
  drawn.set(el, kept);
  el.setAttribute(attribute, wanted);
}

function putBackDrawn(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (drawn.has(node)) {
      node.nodeValue = drawn.get(node);
      drawn.delete(node);
    }
  }
  for (const el of root.querySelectorAll("[aria-label], [aria-valuetext], [placeholder]")) {
    const kept = drawn.get(el);
    if (!kept) continue;
    for (const [attribute, value] of Object.entries(kept)) el.setAttribute(attribute, value);
    drawn.delete(el);
  }
}

// Streamlit's toast is a dialog without a name (axe-core: aria-dialog-name): its own text names it.
function nameToasts() {
  for (const toast of document.querySelectorAll(".stToast:not([aria-label])")) {
    const text = (toast.textContent || "").trim().slice(0, 150);
    if (text) toast.setAttribute("aria-label", text);
  }
}

function createWords() {
  const state = { words: { exact: {}, labels: {}, patterns: [], messages: [], months: {}, limit: "" } };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "characterData") replaceIn(record.target, state.words);
      if (record.type === "attributes") nameIn(record.target, state.words); // a name or value Streamlit changed
      for (const node of record.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE || node.nodeType === Node.TEXT_NODE) replaceIn(node, state.words);
      }
    }
    nameToasts();
  }).observe(document.body, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["aria-label", "aria-valuetext", "placeholder"],
  });
  return state;
}

// Called by page.js on every run with the page's data (``exact``, ``labels``, ``patterns``, ``messages``,
// ``months``, ``limit``: the words of its language).
// A11Y_CSS is ui/components/a11y.css, put before these files once by ui/widgets.py (a constant of
// the component's code, not data sent and hashed on every run).
function updateWords(data) {
  const state = window.forumWords || (window.forumWords = createWords());
  const switched = state.lang !== undefined && state.lang !== data.lang;
  state.lang = data.lang;
  state.words = {
    exact: data.exact || {},
    labels: data.labels || {},
    patterns: data.patterns || [],
    messages: data.messages || [],
    months: data.months || {},
    limit: data.limit || "",
  };
  // the focus ring and contrast styles in the document's head, once: a component's own styles stay
  // inside its element and do not reach all of Streamlit's
  let style = document.getElementById("forum-a11y");
  if (!style) {
    style = document.createElement("style");
    style.id = "forum-a11y";
    document.head.appendChild(style);
  }
  if (style.textContent !== A11Y_CSS) style.textContent = A11Y_CSS;
  if (switched) putBackDrawn(document.body); // Streamlit's English again, before the new language's words
  replaceIn(document.body, state.words); // what is already on the page
}
