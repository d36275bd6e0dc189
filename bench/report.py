"""After-the-forum figures: the recommendations PDF for ten groups with charts, the exports, the pages.

Run: python bench/report.py
Target (issue 6): the recommendations PDF for ten groups with charts in under 5 s.
The forum is the demo forum after its day: ten groups finalised with five priorities and
complete initiatives each, every published priority a recommendation, half of them answered.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum_core import demo, exports, report, report_pdf  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ORGANIZER = Actor("organizer", "bench")


def timed(label: str, make, runs: int = 5) -> None:
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(make())
        times.append(time.perf_counter() - start)
    print(
        f"{label}: median {statistics.median(times):.2f} s, slowest {max(times):.2f} s "
        f"over {runs} runs, {size / 1e3:.0f} kB"
    )


def main() -> None:
    db = Database(Path(tempfile.mkdtemp()) / "forum.duckdb")
    forum_id = demo.load_demo(db, ORGANIZER).value
    demo.simulate_group_work(db, ORGANIZER, forum_id)
    report.sync(db, ORGANIZER, forum_id)
    for n, rec in enumerate(report.recommendations(db.cursor(), forum_id)):
        if n % 2 == 0:
            report.record_answer(
                db,
                ORGANIZER,
                rec["id"],
                {
                    "status": report.STATUSES[n % 4],
                    "program_code": "02 01",
                    "amount": 10000 if n % 4 < 2 else None,
                    "reason": "ბიუჯეტი",
                },
            )
    cur = db.cursor()
    import pypdfium2

    pdf = report_pdf.recommendations_pdf(cur, forum_id, "ka")
    pages = len(pypdfium2.PdfDocument(pdf))
    print(f"recommendations document: ten groups, 50 priorities with initiatives, {pages} pages, 4 bar charts")
    timed("recommendations PDF (ka)   (target < 5 s)", lambda: report_pdf.recommendations_pdf(cur, forum_id, "ka"))
    timed("recommendations PDF (en)", lambda: report_pdf.recommendations_pdf(cur, forum_id, "en"))
    timed("report to participants PDF", lambda: report_pdf.participants_report_pdf(cur, forum_id, "ka"))
    timed("Parquet ZIP of every table", lambda: exports.parquet_zip(cur, forum_id))
    timed("anonymised Parquet ZIP", lambda: exports.parquet_zip(cur, forum_id, anonymised=True))
    timed("every table in one XLSX", lambda: exports.tables_xlsx(exports.tables(cur, forum_id)), runs=3)
    path = Path(db.path)
    db.close()

    # The organizer's pages on the same forum: 50 recommendations, each with its widgets.
    sys.path.insert(0, str(ROOT / "bench"))
    import page_timing

    marks = page_timing.install()
    for page in ("report", "compare"):
        print(
            f"page {page} (organizer, 50 recommendations): {page_timing.time_page(path, f'pages/{page}.py', marks, runs=20)}"
        )


if __name__ == "__main__":
    main()
