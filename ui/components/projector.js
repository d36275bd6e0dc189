// The projector's screen, sized to the screen it is shown on (mounted by ui/projector.py:
// full screen on /plenary, small previews on /control).
//
// The server sends the screen as HTML (from the templates in ui/templates/plenary/, people's
// text escaped there). Every size in it is in `em` of one CSS variable, --pl-size, the size of
// a priority's text. Here the largest --pl-size is found at which nothing leaves the frame
// (binary search: the content's scrollHeight/scrollWidth against the frame), trying each
// column count a screen offers. When even the smallest readable size (a fraction of the
// frame's height) is too large, the screen's units (cards, initiatives) are cut into pages
// that each fit; the moderator turns them from /control, and screens with nobody speaking
// (the wall, the summary) also turn them by themselves. Nothing is ever cut off.

const FEED_MS = 1000; // how often a screen with a feed asks the laptop what to show
const MIN_PX = 6; // a last resort: one unit alone that does not fit a readable size still fits
const STEPS = 12; // binary search: within a few hundredths of a pixel
const TIMER = /(data-testid="plenary-timer">)[^<]*/;

function overflows(el) {
  return el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
}

function fits(frame) {
  // the frame itself, and every box that must keep its content inside (e.g. the multi-column body)
  if (overflows(frame)) return false;
  for (const el of frame.querySelectorAll("[data-fit]")) if (overflows(el)) return false;
  // every word whole: words do not break (projector.css), so a word wider than its card sticks out
  // of it, and the type must be smaller or the cards wider ("ინფრასტრუქ / ტურა" reads as two words)
  for (const el of frame.querySelectorAll("[data-unit]")) if (el.scrollWidth > el.clientWidth + 1) return false;
  return true;
}

function setSize(frame, px) {
  frame.style.setProperty("--pl-size", `${px}px`);
}

function layouts(frame) {
  // the layouts a screen offers: each column count (data-columns="3,4,5" on its body), first with
  // every card whole, then with cards allowed to continue in the next column (pl-split)
  const body = frame.querySelector("[data-columns]");
  if (!body) return { body, options: [null] };
  const counts = body.dataset.columns.split(",").map(Number);
  return { body, options: [...counts.map((c) => [c, false]), ...counts.map((c) => [c, true])] };
}

function apply(body, option) {
  if (!body || !option) return;
  body.style.columnCount = String(option[0]);
  body.classList.toggle("pl-split", option[1]);
}

function fitsAt(frame, px) {
  // at this size, in one of the offered layouts (left in place)
  const { body, options } = layouts(frame);
  setSize(frame, px);
  for (const option of options) {
    apply(body, option);
    if (fits(frame)) return true;
  }
  return false;
}

function largest(frame, lo, hi) {
  // the largest size in [lo, hi] that fits, or 0 when even lo does not
  setSize(frame, lo);
  if (!fits(frame)) return 0;
  for (let i = 0; i < STEPS; i += 1) {
    const mid = (lo + hi) / 2;
    setSize(frame, mid);
    if (fits(frame)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function bestLayout(frame, lo, hi, readable) {
  // the layout with the largest type; whole cards win whenever they reach the readable size.
  // A layout is searched only if it beats the best so far (one reflow to tell): each reflow of
  // a multi-column screen costs milliseconds.
  const { body, options } = layouts(frame);
  let best = { size: 0, option: options[0] };
  for (const option of options) {
    if (option && option[1] && best.size >= readable) break;
    apply(body, option);
    const from = best.size ? best.size + 0.25 : lo;
    if (best.size) {
      setSize(frame, from);
      if (!fits(frame)) continue;
    }
    const size = largest(frame, from, hi);
    if (size > best.size) best = { size, option };
  }
  apply(body, best.option);
  setSize(frame, best.size || lo);
  return best;
}

function showUnits(units, from, to) {
  units.forEach((u, i) => { u.hidden = i < from || i >= to; });
}

function paginate(frame, units, minPx) {
  // consecutive units that fit together at the readable size, greedily (at least one a page) ...
  const pages = [];
  let from = 0;
  while (from < units.length) {
    let to = from + 1;
    while (to < units.length) {
      showUnits(units, from, to + 1);
      if (!fitsAt(frame, minPx)) break;
      to += 1;
    }
    pages.push([from, to]);
    from = to;
  }
  // ... then as many units on each page as the others when that fits too (5 + 5, not 8 + 2)
  const even = [];
  const each = units.length / pages.length;
  for (let i = 0; i < pages.length; i += 1) even.push([Math.round(i * each), Math.round((i + 1) * each)]);
  const fitting = even.every(([a, b]) => { showUnits(units, a, b); return fitsAt(frame, minPx); });
  return fitting ? even : pages;
}

// The width of the nearest box around ``element`` that has one (some of Streamlit's wrappers have none).
function roomFor(element) {
  for (let node = element.parentElement; node; node = node.parentElement) if (node.clientWidth) return node.clientWidth;
  return 0;
}

function createScreen(root) {
  const screen = { root, frame: null, data: {}, key: "", pages: [[0, 0]], shown: -1, size: 0 };

  screen.frame = document.createElement("div");
  screen.frame.className = "pl-frame";
  root.appendChild(screen.frame);

  screen.readable = () => Math.max(MIN_PX, screen.frame.clientHeight * (screen.data.min_ratio || 0));

  screen.pageIndex = () => {
    // the pages turn by themselves until the moderator turns one (then the moderator leads)
    const turns = screen.data.page || 0;
    const rotate = screen.data.rotate_s && !turns ? Math.floor(Date.now() / 1000 / screen.data.rotate_s) : 0;
    return (turns + rotate) % screen.pages.length;
  };

  screen.fit = () => {
    // the whole screen at once when it fits at a readable size, otherwise pages
    const frame = screen.frame;
    const minPx = screen.readable();
    const units = [...frame.querySelectorAll("[data-unit]")];
    showUnits(units, 0, units.length);
    screen.pages = [[0, units.length]];
    if (units.length > 1 && !fitsAt(frame, minPx)) screen.pages = paginate(frame, units, minPx);
    screen.shown = -1;
    screen.show();
  };

  screen.show = () => {
    // the page due now, at its own largest size
    const index = screen.pageIndex();
    if (index === screen.shown) return;
    const frame = screen.frame;
    const units = [...frame.querySelectorAll("[data-unit]")];
    const [from, to] = screen.pages[index] || [0, units.length];
    showUnits(units, from, to);
    const marker = frame.querySelector(".pl-page");
    if (marker) {
      marker.hidden = screen.pages.length < 2;
      marker.textContent = `${index + 1} / ${screen.pages.length}`;
    }
    const hi = Math.max(12, frame.clientHeight / 5);
    frame.classList.remove("pl-break-words");
    let best = bestLayout(frame, MIN_PX, hi, screen.readable());
    if (!best.size) {
      // a last resort: a word too long for its card even in the smallest type may break
      frame.classList.add("pl-break-words");
      best = bestLayout(frame, MIN_PX, hi, screen.readable());
    }
    screen.size = best.size || MIN_PX;
    frame.dataset.page = String(index + 1);
    frame.dataset.pages = String(screen.pages.length);
    frame.dataset.size = screen.size.toFixed(2);
    frame.dataset.turns = String(screen.data.page || 0);
    frame.dataset.fitted = `${frame.clientWidth}x${frame.clientHeight}`; // for tests: fitted to this frame
    screen.shown = index;
  };

  screen.tick = (html) => {
    // only the timer's figures and colour changed: keep the size and the pages unless it no longer fits
    const fresh = document.createElement("template");
    fresh.innerHTML = html;
    const now = fresh.content.querySelector('[data-testid="plenary-timer"]');
    const timer = screen.frame.querySelector('[data-testid="plenary-timer"]');
    if (now && timer) {
      timer.className = now.className;
      timer.textContent = now.textContent;
    }
    if (!fits(screen.frame)) screen.fit();
  };

  screen.update = (data) => {
    screen.data = data;
    const frame = screen.frame;
    frame.classList.toggle("pl-full", !data.box_width);
    if (data.box_width) {
      // a preview: laid out as a projector of box_width x box_height, drawn smaller
      // no wider than the column it stands in: two 400-px previews side by side overlapped on a
      // 1024-px laptop with the sidebar open (each column about 300 px)
      const shown = Math.min(data.shown_width || 320, roomFor(root) || Infinity);
      const scale = shown / data.box_width;
      frame.style.width = `${data.box_width}px`;
      frame.style.height = `${data.box_height}px`;
      frame.style.transform = `scale(${scale})`;
      root.style.width = `${shown}px`;
      root.style.height = `${data.box_height * scale}px`;
    }
    const html = data.html || "";
    const key = `${html.replace(TIMER, "$1")}|${frame.clientWidth}x${frame.clientHeight}|${data.min_ratio}`;
    if (key === screen.key) {
      screen.tick(html);
      if (String(data.page || 0) !== frame.dataset.turns) screen.shown = -1; // the moderator turned a page
      screen.show();
      return;
    }
    screen.key = key;
    frame.innerHTML = html; // made by the server's autoescaping templates
    screen.fit();
  };

  // a new window size (a projector plugged in, F11) fits again; self-turning pages are checked each second
  screen.onResize = () => { screen.key = ""; screen.update(screen.data); };
  window.addEventListener("resize", screen.onResize);
  screen.interval = setInterval(() => { if (screen.data.rotate_s) screen.show(); }, 1000);
  return screen;
}

function follow(screen) {
  // A screen with a feed (the projector's page, the moderator's preview of what it shows now) asks
  // the laptop every second what to show (GET data.feed, ui/api.py screen) instead of a page run
  // per second: "304 Not Modified" while nothing changed, the screen's data
  // when something did (a vote finalised, the moderator's command, the timer's clock). While the
  // laptop cannot be reached the screen stays as it is; signed out (403), the page is loaded again
  // and shows the sign-in.
  let etag = null;
  const ask = async () => {
    try {
      const response = await fetch(screen.data.feed, {
        cache: "no-store", // this script sees the 304 itself, the browser adds no validator of its own
        credentials: "same-origin",
        headers: etag ? { "If-None-Match": etag } : {},
      });
      if (response.status === 200) {
        const data = await response.json();
        etag = response.headers.get("ETag");
        if (!screen.stopped) screen.update({ ...screen.data, ...data });
      } else if (response.status === 403) {
        window.location.reload();
        return;
      }
    } catch {
      // no connection: keep the screen, ask again in a second
    }
    if (!screen.stopped) screen.poll = setTimeout(ask, FEED_MS);
  };
  screen.poll = setTimeout(ask, FEED_MS);
}

const screens = new WeakMap();

export default function (component) {
  const root = component.parentElement;
  if (!screens.has(root)) screens.set(root, createScreen(root));
  const screen = screens.get(root);
  screen.update(component.data || {});
  if (screen.data.feed && !screen.poll) follow(screen);
  return () => {
    // unmounted (another page): stop listening
    if (root.isConnected) return;
    const screen = screens.get(root);
    if (screen) {
      screen.stopped = true;
      clearInterval(screen.interval);
      clearTimeout(screen.poll);
      window.removeEventListener("resize", screen.onResize);
      screens.delete(root);
    }
  };
}
