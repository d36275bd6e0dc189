"""Plenary figures: the projector's script run with all ten groups finalised, and a real
server with one projector and 50 public-results viewers connected at once.

Run: python bench/plenary.py [--viewers 50] [--seconds 60]
Targets (issue 5): projector refresh script run < 30 ms server time; with 50 viewers and
one projector connected, the projector still refreshes every 2 s (it asks every 1 s).

Part 1 times whole page runs in-process (AppTest, from the first to the last line of
app.py): the projector's real refresh is a fragment run, which is a subset of this.
"Data unchanged" is the common case (the snapshot is reused); "a write before every run"
makes the run recompute the part of the snapshot the write touched.
Part 2 speaks Streamlit's websocket protocol to a real ``streamlit run`` server: the
projector asks for its fragment every second as the browser's timer does, each phone
opens /results (a plain HTTP page of the server) and then asks every 10 s whether it changed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import forum_day  # noqa: E402
import page_timing  # noqa: E402
import streamlit_client as sc  # noqa: E402

from forum_core import checkin, demo, plenary  # noqa: E402
from forum_core import participants as people  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ORGANIZER = Actor("organizer", "bench")
MODERATOR = Actor("moderator", "bench")


def build(path: Path) -> str:
    """The demo forum with all ten groups finalised; returns a signed-in projector's device token."""
    from forum_core import access

    db = Database(path)
    forum_id = demo.load_demo(db, ORGANIZER).value
    assert demo.simulate_group_work(db, ORGANIZER, forum_id) == 10
    code = access.create_code(db, ORGANIZER, forum_id, "projector", label="hall").value[1]
    token = access.sign_in(db, forum_id, code, "hall", "bench", access.Throttle()).token
    db.close()
    return token


def in_process(path: Path) -> None:
    marks = page_timing.install()
    from ui import runtime

    for mode in plenary.MODES:

        def prepare(at, m=mode):
            db = runtime.database(str(path))
            plenary.set_mode(db, MODERATOR, 1, m)
            at.run()

        figures = page_timing.time_page(path, "pages/plenary.py", marks, runs=40, prepare=prepare, role="projector")
        print(f"projector page, mode '{mode}', 10 groups finalised, data unchanged: {figures}   (target < 30 ms)")

    # a check-in before every run: the arrivals part is recomputed (welcome mode shows it)
    db = runtime.database(str(path))
    waiting = [
        p["id"] for p in people.all_active(db.cursor(), 1) if p["id"] not in checkin.checked_in_ids(db.cursor(), 1)
    ]

    def with_writes(at):
        plenary.set_mode(db, MODERATOR, 1, "welcome")
        at.run()
        original_run = at.run

        def run_after_a_write(*a, **k):
            if waiting:
                checkin.check_in_participant(db, ORGANIZER, 1, waiting.pop(), "Desk 1")
            return original_run(*a, **k)

        at.run = run_after_a_write

    figures = page_timing.time_page(path, "pages/plenary.py", marks, runs=15, prepare=with_writes, role="projector")
    print(f"projector page, mode 'welcome', a check-in before every run: {figures}   (target < 30 ms)")


async def viewers_and_projector(port: int, viewers: int, seconds: float, server_pid: int, token: str) -> None:
    projector = sc.Session(port, "plenary", cookie=f"forum_device={token}")
    await projector.connect()
    await projector.run()
    if not projector.fragment_ids:
        raise RuntimeError("the projector page has no auto-refreshing fragment")
    projector_runs: list[float] = []
    projector_starts: list[float] = []
    viewer_runs: list[float] = []
    first_runs: list[float] = []
    rss: list[float] = []
    stop = time.perf_counter() + seconds

    async def projector_loop():
        next_tick = time.perf_counter()
        while time.perf_counter() < stop:
            projector_starts.append(time.perf_counter())
            projector_runs.append(await projector.run(fragment=True))
            next_tick += 1.0  # what run_every=1 asks of the browser
            await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))

    async def viewer_loop(n: int):
        # a phone: the public results are a plain HTTP page of the server (ui/public_results.py),
        # opened within 10 s and asked every 10 s whether it changed (If-None-Match)
        await asyncio.sleep(random.uniform(0, 10))  # phones arrive over time
        etag = None
        while time.perf_counter() < stop:
            started = time.perf_counter()
            _, answered_etag, _ = await forum_day.get_page(port, "/results?lang=ka", etag)
            (first_runs if etag is None else viewer_runs).append(time.perf_counter() - started)
            etag = answered_etag or etag
            await asyncio.sleep(10 + random.uniform(-0.5, 0.5))

    async def memory_loop():
        while time.perf_counter() < stop:
            rss.append(sc.rss_mb(server_pid))
            await asyncio.sleep(1)

    await asyncio.gather(projector_loop(), memory_loop(), *(viewer_loop(n) for n in range(viewers)))
    await projector.close()
    gaps = [b - a for a, b in zip(projector_starts, projector_starts[1:])]
    ms = lambda xs, q: sc.pct(xs, q) * 1000  # noqa: E731
    print(f"real server, 1 projector + {viewers} public viewers for {seconds:.0f} s:")
    print(
        f"  projector refresh (fragment run, request to finished): median {ms(projector_runs, 50):.1f} ms, "
        f"p95 {ms(projector_runs, 95):.1f} ms, max {max(projector_runs) * 1000:.1f} ms, {len(projector_runs)} runs"
    )
    print(
        f"  time between projector refreshes: median {statistics.median(gaps):.2f} s, max {max(gaps):.2f} s   "
        f"(target: every 2 s or less)"
    )
    print(
        f"  phone (HTTP /results): first answer median {ms(first_runs, 50):.1f} ms, p95 {ms(first_runs, 95):.1f} ms; "
        f"refresh median {ms(viewer_runs, 50):.1f} ms, p95 {ms(viewer_runs, 95):.1f} ms ({len(viewer_runs)} runs)"
    )
    print(f"  server memory (RSS): {min(rss):.0f} MB at start, {max(rss):.0f} MB at most")
    if projector.errors:
        print("  errors on the projector:", projector.errors[:3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "plenary.duckdb"
    build(path)
    if not args.skip_in_process:
        in_process(path)
        from ui import runtime

        runtime.close(str(path))  # this process lets go of the file for the server
    copy = Path(tempfile.mkdtemp()) / "plenary.duckdb"
    token = build(copy)
    with sc.server(copy, extra_env={"FORUM_BACKUP_MINUTES": "0"}) as (process, port):
        asyncio.run(viewers_and_projector(port, args.viewers, args.seconds, process.pid, token))


if __name__ == "__main__":
    main()
