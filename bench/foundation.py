"""Foundation figures: 2,000-row XLSX import, transliterated search, page script runs.

Run: python bench/foundation.py
Targets (issue 2): import < 3 s; search < 20 ms; each page's script run < 50 ms.
Page runs are driven with AppTest in-process and timed from the first to the last
line of app.py (``ui.session.app_started`` / ``app_finished``), in the script thread:
the server time of the script run, without AppTest's polling.
"""
from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from forum_core import demo, importer  # noqa: E402
from forum_core import participants as people  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ACTOR = Actor("organizer", "bench")
FIRST = ["გიორგი", "ნინო", "დავით", "მარიამ", "ლევან", "თამარ", "ირაკლი", "ანა", "ზურაბ", "ეკატერინე"]
LAST = ["ბერიძე", "კაპანაძე", "გელაშვილი", "მაისურაძე", "ლომიძე", "ჯავახიშვილი", "ხუციშვილი", "ნოზაძე",
        "წიკლაური", "ქავთარაძე", "ჩიქოვანი", "ღლონტი", "შენგელია", "ძნელაძე", "ცინცაძე"]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def xlsx_2000() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(importer.TEMPLATE_HEADERS)
    for i in range(2000):
        ws.append([FIRST[i % 10], f"{LAST[i % 15]}{i // 150 or ''}", f"5{i:08d}", i % 10 + 1, "ქ" if i % 2 else "კ",
                   1950 + i % 55, "თელავი", "", ""])
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
    print(f"import 2,000-row XLSX (read, validate, match, write, audit): "
          f"best {min(runs):.2f} s, worst {max(runs):.2f} s   (target < 3 s)")

    cur = db.cursor()
    queries = ["giorgi beridze", "nino kapanadze", "tchikovani", "lomidze tamar", "ჯავახიშვილი", "khutsishvili 3",
               "555", "0001234", "davit", "zzz nobody"]
    times = []
    for _ in range(30):
        for q in queries:
            start = time.perf_counter()
            people.search(cur, forum_id, q)
            times.append((time.perf_counter() - start) * 1000)
    print(f"search among 2,000 participants: median {statistics.median(times):.2f} ms, "
          f"p95 {pct(times, 95):.2f} ms, max {max(times):.2f} ms   (target < 20 ms)")
    db.close()

    # Page script runs on the demo forum.
    from streamlit.testing.v1 import AppTest
    from streamlit.runtime.pages_manager import PagesManager

    demo_path = tmp / "demo.duckdb"
    demo_db = Database(demo_path)
    demo.load_demo(demo_db, ACTOR)
    demo_db.close()
    os.environ["FORUM_DB"] = str(demo_path)
    original_init = PagesManager.__init__

    def init(self, *a, **k):  # as a running server does after its first request
        original_init(self, *a, **k)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    from ui import session

    marks: list[float] = []
    started, finished = session.app_started, session.app_finished

    def timed_start():
        marks.append(time.perf_counter())
        started()

    def timed_finish():
        finished()
        marks.append(time.perf_counter() - marks.pop())

    session.app_started, session.app_finished = timed_start, timed_finish
    for page in ("pages/setup.py", "pages/participants.py"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(page)
        at.run()
        marks.clear()
        for _ in range(40):
            at.run()
        assert not at.exception, at.exception
        samples = [m * 1000 for m in marks]
        print(f"page {page}: script run median {statistics.median(samples):.1f} ms, p95 {pct(samples, 95):.1f} ms "
              f"over {len(samples)} runs   (target < 50 ms)")


if __name__ == "__main__":
    main()
