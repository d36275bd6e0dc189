"""The projector's fit, measured in Chromium: for each screen (welcome, wall, presenting with five
270-character goals, summary), language and screen size, the type size the browser chose, the
number of pages, the smallest priority text, whether anything is outside the window, and how
long one fit takes in the browser (ui/components/projector.js).

Run: python bench/projector_fit.py
The screens are the real templates and script, loaded into a plain page (no server): the demo
forum with all ten groups finalised, group 1's goals made 270 characters long.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum_core import deliberation as dl  # noqa: E402
from forum_core import demo, i18n, plenary  # noqa: E402
from forum_core import forum as forum_mod  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402
from ui import projector  # noqa: E402

ORGANIZER = Actor("organizer", "bench")
SIZES = ((1920, 1080), (1280, 720), (1024, 768))
LONG_GOAL = ("2028 წლის ბოლომდე სოფლის ყველა ქუჩაზე დამონტაჟდეს ენერგოეფექტური განათება, " * 4)[:270]
MEASURE = """() => {
  const frame = document.querySelector(".pl-frame"), w = innerWidth, h = innerHeight;
  const t0 = performance.now();
  window.dispatchEvent(new Event("resize"));  // one fit from scratch, as after a new window size
  const ms = performance.now() - t0;
  const out = [...frame.querySelectorAll("*")].filter((e) => e.getClientRects().length).some((e) => {
    const r = e.getBoundingClientRect();
    return r.left < -1 || r.top < -1 || r.right > w + 1 || r.bottom > h + 1;
  });
  const items = [...frame.querySelectorAll("li")].filter((e) => e.getClientRects().length);
  const smallest = items.length ? Math.min(...items.map((e) => parseFloat(getComputedStyle(e).fontSize))) : null;
  return {ms, size: parseFloat(frame.dataset.size), pages: +frame.dataset.pages, out, smallest};
}"""


def forum(path: Path) -> Database:
    db = Database(path)
    forum_id = demo.load_demo(db, ORGANIZER).value
    demo.simulate_group_work(db, ORGANIZER, forum_id)
    group = forum_mod.groups(db.cursor(), forum_id)[0]
    for p in dl.priorities(db.cursor(), group["id"]):
        before = dl.initiative(db.cursor(), group["id"], p["problem_id"]).get("goal")
        dl.save_initiative_field(db, ORGANIZER, group["id"], p["problem_id"], "goal", LONG_GOAL, before)
    return db


def page(html: str, state: plenary.ScreenState) -> str:
    """A plain page with the projector's stylesheet and script, mounted as Streamlit mounts it."""
    css = (ROOT / "ui" / "components" / "projector.css").read_text(encoding="utf-8")
    js = (ROOT / "ui" / "components" / "projector.js").read_text(encoding="utf-8")
    js = js.replace("export default function", "window.mount = function")
    data = {"html": html, "page": 0, "rotate_s": 0, "min_ratio": projector.MIN_RATIO}
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>body{{margin:0}}{css}</style></head>"
        f"<body><div id='root'></div><script>{js}\nmount({{parentElement: document.getElementById('root'), "
        f"data: {json.dumps(data)}}});</script></body></html>"
    )


def main() -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

    folder = Path(tempfile.mkdtemp())
    db = forum(folder / "forum.duckdb")
    snap = plenary.snapshot(db, forum_mod.current_forum_id(db.cursor()))
    print("mode        lang  screen      type px  pages  smallest priority px  outside  one fit ms")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(playwright), args=CHROMIUM_ARGS)
        view = browser.new_page(viewport={"width": 1920, "height": 1080})
        for mode in plenary.MODES:
            for lang in ("ka", "en"):
                state = dataclasses.replace(snap.state, mode=mode)
                shown = dataclasses.replace(snap, state=state)
                html = projector.screen_html(
                    shown,
                    functools.partial(i18n.t, lang),
                    datetime.now(),
                    f"http://192.168.1.10:8502/results?lang={lang}",
                )
                file = folder / f"{mode}-{lang}.html"
                file.write_text(page(html, state), encoding="utf-8")
                for width, height in SIZES:
                    view.set_viewport_size({"width": width, "height": height})
                    view.goto(file.as_uri())
                    view.wait_for_function("() => document.querySelector('.pl-frame')?.dataset.fitted")
                    runs = [view.evaluate(MEASURE) for _ in range(3)]
                    m = runs[-1]
                    fit_ms = sorted(r["ms"] for r in runs)[1]
                    smallest = f"{m['smallest']:.1f}" if m["smallest"] else "-"
                    print(
                        f"{mode:<11} {lang:<5} {width}x{height:<6} {m['size']:>7.1f}  {m['pages']:>5}"
                        f"  {smallest:>20}  {'YES' if m['out'] else 'no':>7}  {fit_ms:>10.0f}"
                    )
        browser.close()
    db.close()


if __name__ == "__main__":
    main()
