"""Foundation figures: 2,000-row XLSX import, transliterated search, page script runs.

Run: python bench/foundation.py
Targets (issue 2): import < 3 s; search < 20 ms; each page's script run < 50 ms.
Page runs: see bench/page_timing.py.
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

from openpyxl import Workbook  # noqa: E402
from page_timing import pct  # noqa: E402

from forum_core import demo, importer  # noqa: E402
from forum_core import participants as people  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ACTOR = Actor("organizer", "bench")
FIRST = ["გიორგი", "ნინო", "დავით", "მარიამ", "ლევან", "თამარ", "ირაკლი", "ანა", "ზურაბ", "ეკატერინე"]
LAST = demo.LAST_NAMES[:15]  # the demo forum's fictional family names


def xlsx_2000() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(importer.TEMPLATE_HEADERS)
    for i in range(2000):
        ws.append(
            [
                FIRST[i % 10],
                f"{LAST[i % 15]}{i // 150 or ''}",
                f"5{i:08d}",
                i % 10 + 1,
                "ქ" if i % 2 else "კ",
                1950 + i % 55,
                "თელავი",
                "",
                "",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    db = Database(tmp / "bench.duckdb")
    forum_id = demo.load_demo(db, ACTOR, participants_per_group=0).value
    data = xlsx_2000()
    runs = []
    for attempt in range(3):
        if attempt:
            db.write(ACTOR, "bench.reset", lambda u: u.execute("DELETE FROM participant"))
        start = time.perf_counter()
        outcome = importer.apply(db, ACTOR, forum_id, data, "bench.xlsx")
        runs.append(time.perf_counter() - start)
        assert outcome.ok and outcome.value.counts["new"] == 2000, outcome
    print(
        f"import 2,000-row XLSX (read, validate, match, write, audit): "
        f"best {min(runs):.2f} s, worst {max(runs):.2f} s   (target < 3 s)"
    )

    cur = db.cursor()
    queries = [
        "giorgi beridze",
        "nino kapanadze",
        "tchikovani",
        "lomidze tamar",
        "ჯავახიშვილი",
        "khutsishvili 3",
        "555",
        "0001234",
        "davit",
        "zzz nobody",
    ]
    times = []
    for _ in range(30):
        for q in queries:
            start = time.perf_counter()
            people.search(cur, forum_id, q, role="desk")
            times.append((time.perf_counter() - start) * 1000)
    print(
        f"search among 2,000 participants: median {statistics.median(times):.2f} ms, "
        f"p95 {pct(times, 95):.2f} ms, max {max(times):.2f} ms   (target < 20 ms)"
    )
    db.close()

    # Page script runs on the demo forum.
    import page_timing

    marks = page_timing.install()
    demo_path = tmp / "demo.duckdb"
    demo_db = Database(demo_path)
    forum_id = demo.load_demo(demo_db, ACTOR).value
    demo.simulate_group_work(demo_db, ACTOR, forum_id, group_numbers=list(range(1, 9)))  # a forum in full swing
    demo_db.close()
    # each page as the role that uses it (the facilitator page: bench/facilitator.py; projector: bench/plenary.py;
    # the public results are an HTTP page: bench/phones.py)
    for page, role in (
        ("setup", "organizer"),
        ("participants", "organizer"),
        ("access", "organizer"),
        ("audit", "organizer"),
        ("registration", "desk"),
        ("overview", "moderator"),
        ("control", "moderator"),
        ("signin", "organizer"),
    ):
        figures = page_timing.time_page(demo_path, f"pages/{page}.py", marks, role=role)
        print(f"page {page} ({role}): {figures}   (target < 50 ms)")


if __name__ == "__main__":
    main()
