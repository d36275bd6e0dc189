"""Representation on the organizer's overview (issue 19): the table's computation and the
overview page's script run, on the demo forum with 8 groups finalised, a photo of the pebble
board for each of them and the population figures given.

Run: python bench/representation.py      Target (issue 19): overview script run < 50 ms.

Four cases: the table computed from the database (what a refresh after any check-in costs),
the overview page with data unchanged between runs (its fragment refreshes every 10 s), the
same without the representation table (a baseline taken at the same moment), and the overview
page with a check-in committed before every run (every cached read model of the
table recomputed: the morning's worst case).
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import page_timing  # noqa: E402
from PIL import Image  # noqa: E402

from forum_core import checkin, demo, representation  # noqa: E402
from forum_core import deliberation as dl  # noqa: E402
from forum_core import forum as forum_mod  # noqa: E402
from forum_core import participants as people  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ORGANIZER = Actor("organizer", "bench")


def board_photo() -> bytes:
    """A phone-sized photo (4000 × 3000) of a board, as a tablet would send it."""
    image = Image.new("RGB", (4000, 3000), (200, 190, 170))
    for i in range(0, 4000, 250):
        image.paste((40, 40, 40), (i, 0, i + 20, 3000))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def build(path: Path) -> int:
    db = Database(path)
    forum_id = demo.load_demo(db, ORGANIZER).value
    assert demo.simulate_group_work(db, ORGANIZER, forum_id, group_numbers=list(range(1, 9))) == 8
    photo = board_photo()
    timings = []
    for group in forum_mod.groups(db.cursor(), forum_id)[:8]:
        started = time.perf_counter()
        assert dl.save_photo(db, ORGANIZER, group["id"], photo).ok
        timings.append(time.perf_counter() - started)
    print(
        f"photo of the board kept ({len(photo) / 2**20:.1f} MiB, 4000×3000 JPEG -> 1600 px, no EXIF): "
        f"{statistics.median(timings) * 1000:.0f} ms median over {len(timings)}"
    )
    figures = {"gender": {"f": 30200, "m": 27400}, "age": {"under_25": 16000, "25_34": 8000, "65_plus": 11000}}
    assert representation.save_population(db, ORGANIZER, forum_id, figures).ok
    db.close()
    return forum_id


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "representation.duckdb"
    forum_id = build(path)

    db = Database(path)
    samples = []
    for public in (False, True) * 25:
        cur = db.cursor()
        started = time.perf_counter()
        representation.table(cur, forum_id, public=public)
        samples.append((time.perf_counter() - started) * 1000)
        cur.close()
    print(
        f"representation.table computed from the database (117 on the list, 8 groups voted): "
        f"median {statistics.median(samples):.1f} ms, p95 {page_timing.pct(samples, 95):.1f} ms over {len(samples)}"
    )
    db.close()

    marks = page_timing.install()
    from ui import runtime

    figures = page_timing.time_page(path, "pages/overview.py", marks, runs=40)
    print(f"overview page with representation, data unchanged: {figures}   (target < 50 ms)")

    # The same page at the same moment without the representation table: what the table adds
    # on a machine whose load moves the absolute figures by a factor of two or more.
    from ui import representation as rep_ui

    table, show = representation.table, rep_ui.show
    representation.table, rep_ui.show = (lambda *a, **k: []), (lambda *a, **k: None)
    try:
        figures = page_timing.time_page(path, "pages/overview.py", marks, runs=40)
    finally:
        representation.table, rep_ui.show = table, show
    print(f"overview page without the representation table (baseline), data unchanged: {figures}")

    app_db = runtime.database(str(path))
    waiting = [
        p["id"]
        for p in people.all_active(app_db.cursor(), forum_id)
        if p["id"] not in checkin.checked_in_ids(app_db.cursor(), forum_id)
    ]

    def with_check_ins(at):
        original_run = at.run

        def run_after_a_check_in(*a, **k):
            if waiting:
                checkin.check_in_participant(app_db, ORGANIZER, forum_id, waiting.pop(), "Desk 1")
            return original_run(*a, **k)

        at.run = run_after_a_check_in

    figures = page_timing.time_page(path, "pages/overview.py", marks, runs=30, prepare=with_check_ins)
    print(f"overview page with representation, a check-in before every run: {figures}   (target < 50 ms)")


if __name__ == "__main__":
    main()
