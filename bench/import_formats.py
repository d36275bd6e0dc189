"""Import and printing figures for issue 16.

Run: python bench/import_formats.py
Targets: a 2,000-row list saved by an office suite imports in under 3 s as XLSX, XLS and ODS
(read, plan and write into the demo forum; the files are tests/fixtures/bench/, made once by
tests/fixtures/make_office_files.py: a title row above the headers, birth years as date cells);
200 invitations with the Armenian fallback font (some names Armenian) in under 5 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum_core import demo, importer, printing  # noqa: E402
from forum_core import forum as forum_mod  # noqa: E402
from forum_core import participants as people  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ACTOR = Actor("organizer", "bench")
FILES = ROOT / "tests" / "fixtures" / "bench"
ARMENIAN = [("Արամ", "Պետրոսյան"), ("Անի", "Հովհաննիսյան"), ("Գոռ", "Սարգսյան")]


def import_figures(folder: Path) -> list[tuple[str, float, float]]:
    figures = []
    for ext in ("xlsx", "xls", "ods"):
        data = (FILES / f"participants_2000.{ext}").read_bytes()
        db = Database(folder / f"import_{ext}.duckdb")
        forum_id = demo.load_demo(db, ACTOR).value
        start = time.perf_counter()
        plan = importer.preview(db.cursor(), forum_id, data, f"list.{ext}")
        previewed = time.perf_counter() - start
        assert plan.problem is None and plan.counts["new"] == 2000, (ext, plan.problem, plan.counts)
        start = time.perf_counter()
        outcome = importer.apply(db, ACTOR, forum_id, data, f"list.{ext}")
        applied = time.perf_counter() - start
        assert outcome.ok and outcome.value.counts["new"] == 2000, (ext, outcome.reason)
        db.close()
        figures.append((ext, previewed, applied))
    return figures


def invitation_figure(folder: Path) -> tuple[int, float]:
    db = Database(folder / "print.duckdb")
    forum_id = demo.load_demo(db, ACTOR).value
    groups = forum_mod.groups(db.cursor(), forum_id)
    n = 0
    while people.count_active(db.cursor(), forum_id) < 200:
        first, last = ARMENIAN[n % len(ARMENIAN)]
        assert people.add(
            db,
            ACTOR,
            forum_id,
            {
                "first_name": first,
                "last_name": f"{last}{n}",
                "phone": f"591 10 {n // 100:02d} {n % 100:02d}",
                "group": groups[n % len(groups)]["id"],
            },
        ).ok
        n += 1
    cur = db.cursor()
    ids = [p["id"] for p in people.all_active(cur, forum_id)][:200]
    printing.invitations_pdf(cur, forum_id, "ka", participant_ids=ids[:1])  # fonts parsed once, as in the app
    start = time.perf_counter()
    pdf = printing.invitations_pdf(cur, forum_id, "ka", participant_ids=ids)
    took = time.perf_counter() - start
    db.close()
    assert pdf.count(b"NotoSansArmenian") > 0
    return len(ids), took


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for ext, previewed, applied in import_figures(folder):
            print(
                f"import of 2,000 rows, {ext.upper():4}: preview {previewed:.2f} s, import {applied:.2f} s "
                f"(target < 3 s)"
            )
        count, took = invitation_figure(folder)
        print(f"{count} invitations (Georgian + Armenian fallback font): {took:.2f} s (target < 5 s)")


if __name__ == "__main__":
    main()
