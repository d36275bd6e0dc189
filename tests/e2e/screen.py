"""What the browser tests look for on a screen, in the page's own JavaScript."""

# Words broken across two lines on the screen (a line may end after a hyphen or a slash, an address
# too): a hall reads "ინფრასტრუქ / ტურა" as two words, and "192.168.1.10:85 / 02" as another address.
# In the elements the selector given finds (default: the projector's screen).
BROKEN_WORDS = """(selector) => {
  const out = [];
  for (const root of document.querySelectorAll(selector || ".pl-frame")) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, parent = node.parentElement;
      if (!parent.getClientRects().length) continue;
      for (const m of node.textContent.matchAll(/[^\\s\\-–—\\/]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""

# Empty fields whose placeholder (the hint inside them) is wider than the field: the browser cuts it
# without a mark ("…ან ტელ"). Measured in the field's own font; returned as the cut hints.
CUT_PLACEHOLDERS = """() => {
  const ctx = document.createElement("canvas").getContext("2d"), out = [];
  for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    if (el.value || !el.checkVisibility() || el.clientWidth === 0) continue;
    const style = getComputedStyle(el);
    ctx.font = style.font;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const hint = el.getAttribute("placeholder");
    if (el.tagName === "INPUT" && ctx.measureText(hint).width > room + 1) out.push(hint);
  }
  return out;
}"""

# Fields whose typed text runs under Streamlit's "Press Enter to apply" hint, drawn inside the field at
# its right end: returned as the texts covered. Measured in the field's own font.
COVERED_BY_HINTS = """() => {
  const ctx = document.createElement("canvas").getContext("2d"), out = [];
  for (const hint of document.querySelectorAll('[data-testid="InputInstructions"]')) {
    if (!hint.checkVisibility() || !hint.textContent.trim()) continue;
    const field = hint.closest('[data-testid="stTextInput"], [data-testid="stTextArea"]')?.querySelector("input, textarea");
    if (!field || !field.value) continue;
    const style = getComputedStyle(field);
    ctx.font = style.font;
    const box = field.getBoundingClientRect(), at = hint.getBoundingClientRect();
    // the text ends where it does, or scrolls inside the field's padding
    const end = Math.min(box.left + parseFloat(style.paddingLeft) + ctx.measureText(field.value).width,
      box.right - parseFloat(style.paddingRight));
    if (end > at.left && at.top < box.bottom && at.bottom > box.top) out.push(field.value);
  }
  return out;
}"""
