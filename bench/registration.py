"""Registration figures: check-in service time with 2,000 participants and 4 desks; 200 invitations.

Run: python bench/registration.py

What a desk person waits for is measured end to end in Chromium by
bench/scan_to_card.py (target: p95 < 250 ms). This script shows the part of it the
database takes: each check-in is one unit of work (one DuckDB transaction under the
process lock, committed before the answer). Two desk loads: "forum pace", 4 desks each
scanning every 0.25 s (20x faster than a real queue); "flat out", 4 desks with no pause
(writes are serialised, so latency there includes waiting for the other desks).
Also: 200 invitations with QR codes (target < 5 s, progress bar moving).
"""

from __future__ import annotations

import contextlib
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum_core import checkin, demo, importer, printing  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


class TimedDatabase(Database):
    """Records each unit of work's service time (from getting the write lock to releasing it)."""

    service_ms: list[float] = []

    @contextlib.contextmanager
    def unit(self, actor, action, group_id=None):
        with self.between_units():  # re-entrant: the unit takes the same lock again at once
            start = time.perf_counter()
            try:
                with super().unit(actor, action, group_id) as u:
                    yield u
            finally:
                self.service_ms.append((time.perf_counter() - start) * 1000)


def build(path: Path) -> tuple[Database, int, list[str]]:
    db = TimedDatabase(path)
    forum_id = demo.load_demo(db, Actor("organizer", "bench"), participants_per_group=0).value
    header = ",".join(importer.TEMPLATE_HEADERS)
    lines = [header] + [f"სახელი{i},გვარი{i},5{i:08d},{i % 10 + 1},,,,," for i in range(2000)]
    assert importer.apply(db, Actor("organizer", "bench"), forum_id, "\n".join(lines).encode(), "b.csv").ok
    codes = list(checkin.tokens_of_forum(db.cursor(), forum_id).values())
    random.Random(7).shuffle(codes)
    return db, forum_id, codes


def desks(db, forum_id, codes, pause: float) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [codes[i::4] for i in range(4)]

    def desk(n):
        actor = Actor("desk", f"tablet {n}")
        mine = []
        for code in chunks[n]:
            start = time.perf_counter()
            result = checkin.scan(db, actor, forum_id, code, f"Desk {n + 1}")
            mine.append((time.perf_counter() - start) * 1000)
            assert result.status == "checked_in", result
            if pause:
                time.sleep(pause * random.uniform(0.5, 1.5))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(4)]
    start = time.perf_counter()
    [t.start() for t in threads]
    [t.join() for t in threads]
    return latencies, time.perf_counter() - start


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    db, forum_id, codes = build(tmp / "paced.duckdb")
    for name, scans, pause in (("at forum pace", codes[:400], 0.25), ("flat out", codes[400:2000], 0)):
        db.service_ms.clear()
        lat, wall = desks(db, forum_id, scans, pause=pause)
        svc = list(db.service_ms)
        print(
            f"check-in, 4 desks {name} ({len(scans):,} scans, 2,000 on the list): "
            f"latency median {pct(lat, 50):.2f} ms, p99 {pct(lat, 99):.2f} ms"
            f"{'' if pause else ' (includes queueing behind the other desks)'}; "
            f"service time (write lock held) median {pct(svc, 50):.2f} ms, p99 {pct(svc, 99):.2f} ms; "
            f"{len(lat) / wall:.0f} check-ins/s"
        )
    cur = db.cursor()
    assert sum(r["checked_in"] for r in checkin.arrivals(cur, forum_id)) == 2000
    ids = [
        r[0]
        for r in cur.execute(
            "SELECT id FROM participant WHERE forum_id = ? ORDER BY id LIMIT 200", [forum_id]
        ).fetchall()
    ]
    steps = []
    start = time.perf_counter()
    pdf = printing.invitations_pdf(cur, forum_id, "ka", participant_ids=ids, progress=lambda d, n: steps.append(d))
    took = time.perf_counter() - start
    print(
        f"200 invitations with QR codes: {took:.2f} s, {len(pdf) / 1e6:.1f} MB, progress reported "
        f"{len(steps)} times   (target < 5 s)"
    )
    start = time.perf_counter()
    printing.badges_pdf(cur, forum_id, "ka", participant_ids=ids)
    print(f"200 badges (25 sheets): {time.perf_counter() - start:.2f} s")
    db.close()


if __name__ == "__main__":
    main()
