// Streamlit's own words in the page's language, and the focus and contrast styles (part of the
// page component, ui/components/page.js, mounted on every page by ui/widgets.py page_context).
//
// Streamlit 1.67 has no setting for a few texts it draws itself: the "Skip to main content"
// link, the file uploader's "Upload" button and "20MB per file" line, and the "Press Enter to
// apply" hint under text fields. Each such text node is replaced by the catalog's words as it
// appears (a MutationObserver: Streamlit draws them again when a widget mounts). Everything
// else of Streamlit's that shows words is set through its API in the pages (labels, placeholders).

function replaceIn(root, words) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  if (root.nodeType === Node.TEXT_NODE) nodes.push(root);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
  for (const node of nodes) {
    const text = node.nodeValue;
    if (!text || text.length > 60) continue;
    let wanted = words.exact[text.trim()];
    const limit = /^(\d+(?:\.\d+)?)\s*([KMG]B) per file$/.exec(text.trim()); // the uploader's size line
    if (wanted === undefined && limit && words.limit) wanted = words.limit.replace("{size}", `${limit[1]} ${limit[2]}`);
    // only a change: writing the same text would be a mutation of its own, observed again, for ever
    if (wanted !== undefined && wanted !== text) node.nodeValue = wanted;
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
  const state = { words: { exact: {}, limit: "" } };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "characterData") replaceIn(record.target, state.words);
      for (const node of record.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE || node.nodeType === Node.TEXT_NODE) replaceIn(node, state.words);
      }
    }
    nameToasts();
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  return state;
}

// Called by page.js on every run with the page's data (``exact``, ``limit``: the words of its language).
// A11Y_CSS is ui/components/a11y.css, put before these files once by ui/widgets.py (a constant of
// the component's code, not data sent and hashed on every run).
function updateWords(data) {
  const state = window.forumWords || (window.forumWords = createWords());
  state.words = { exact: data.exact || {}, limit: data.limit || "" };
  // the focus ring and contrast styles in the document's head, once: a component's own styles stay
  // inside its element and do not reach all of Streamlit's
  let style = document.getElementById("forum-a11y");
  if (!style) {
    style = document.createElement("style");
    style.id = "forum-a11y";
    document.head.appendChild(style);
  }
  if (style.textContent !== A11Y_CSS) style.textContent = A11Y_CSS;
  replaceIn(document.body, state.words); // what is already on the page
}
