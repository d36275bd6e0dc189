"""The long run of the "nothing lost" stress test: 16 threads for 60 s on a file database.

Run: python bench/stress.py [--seconds 60] [--threads 16]
Prints how many writes of each kind succeeded, the write rate, and checks afterwards
(and after reopening the file) that every write reported as done is there and the
audit trail matches. Exits non-zero if anything is missing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum_core import demo  # noqa: E402
from forum_core.db import Database  # noqa: E402
from tests.conftest import ORGANIZER  # noqa: E402
from tests.unit.test_resilience import check_nothing_lost, run_stress  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "stress.duckdb"
    db = Database(path)
    forum_id = demo.load_demo(db, ORGANIZER).value
    start = time.perf_counter()
    done = run_stress(db, forum_id, args.seconds, args.threads)
    elapsed = time.perf_counter() - start
    writes = done["scans"] + len(done["walk_in"]) + done["edits"] + done["counted"] + done["saves"]
    print(
        f"{args.threads} threads for {elapsed:.0f} s: {done['scans']} scans ({len(done['scan'])} check-ins), "
        f"{len(done['walk_in'])} walk-ins, {done['edits']} problem edits, {done['counted']} pebble counts, "
        f"{done['saves']} initiative saves = {writes} writes, {writes / elapsed:.0f} writes/s; "
        f"unhandled exceptions: {len(done['errors'])}"
    )
    check_nothing_lost(db, forum_id, done)
    db.close()
    reopened = Database(path)
    check_nothing_lost(reopened, forum_id, done)
    reopened.close()
    print("afterwards and after reopening the file: every reported write is there, the audit trail matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
