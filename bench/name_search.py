"""Name search with 2,000 participants: how long a desk or the organizer waits for the list.

Run: python bench/name_search.py

The list holds 2,000 people with real Georgian family and first names (the demo's), and the
queries are Latin spellings as people type them (target: under 20 ms each, issue 17).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum_core import demo, georgian, importer  # noqa: E402
from forum_core import participants as people  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

QUERIES = [
    "sofo",
    "kipiani",
    "gviniashvili",
    "tchikovani",
    "giorgi beridze",
    "nino",
    "khachidze",
    "xachidze",
    "ts",
    "a",
]


def main() -> None:
    organizer = Actor("organizer", "bench")
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "forum.duckdb")
        forum_id = demo.load_demo(db, organizer).value
        rng = random.Random(7)
        first = demo.FIRST_NAMES_F + demo.FIRST_NAMES_M
        lines = [",".join(importer.TEMPLATE_HEADERS)]
        for i in range(2000 - people.count_active(db.cursor(), forum_id)):
            lines.append(f"{rng.choice(first)},{rng.choice(demo.LAST_NAMES)},5{i:08d},{i % 10 + 1},,,,,")
        assert importer.apply(db, organizer, forum_id, "\n".join(lines).encode(), "b.csv").ok
        cur = db.cursor()
        print(f"{people.count_active(cur, forum_id):,} participants")
        for role in ("desk", "organizer"):
            times, found = [], {}
            for _ in range(20):
                for q in QUERIES:
                    start = time.perf_counter()
                    rows = people.search(cur, forum_id, q, role=role)
                    times.append((time.perf_counter() - start) * 1000)
                    found[q] = len(rows)
            times.sort()
            print(
                f"search as {role}: median {statistics.median(times):.1f} ms, "
                f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms, max {times[-1]:.1f} ms "
                f"({len(times)} searches; found: {found})"
            )
        start = time.perf_counter()
        for _ in range(2000):
            georgian.search_key("ნიკოლოზ-ალექსანდრე", "ჯავახიშვილი-ორბელიანი")
        print(f"a search key made: {(time.perf_counter() - start) / 2000 * 1e6:.1f} µs")
        db.close()


if __name__ == "__main__":
    main()
