"""What one page run costs, part by part, on the real server.

Run: python bench/page_parts.py [--runs 60]

Starts ``streamlit run app.py`` on a forum in full swing (bench/forum_day.py's, 30 people per group)
with timers around the parts every run goes through (the page context of navigation.py and
ui/session.py, the page component, the sidebar's Streamlit elements, the desk's and the projector's
components, the desk's database reads), then opens one websocket session per page as its device
does (bench/streamlit_client.py) and asks for ``--runs`` runs each, after two warm-up runs:
  - registration: a desk, a scan over HTTP and the figures' fragment run after it; its whole page;
  - facilitator: a group's tablet ticking a member present or absent;
  - plenary (full): the projector's whole page (drawn once: it then asks /api/screen each second,
    measured by bench/forum_day.py);
  - control: the organizer's control page.
It prints, per page, the script thread's CPU time per run (``time.thread_time``: the machine is
shared, and CPU time moves far less with its load than wall time) and the client's wall time, then
each part's CPU time per run (a part's time includes the parts it calls; Streamlit's elements are
timed wherever they are called, the page's own ones too).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# (module, functions) timed in the server; looked up at call time, so wrapping the attribute is enough
PARTS = [
    ("ui.session", ["lang", "translator", "process_start", "identity", "cursor", "current_forum", "page"]),
    ("ui.tablet", ["full_width"]),
    ("ui.widgets", ["page_context"]),
    ("ui.desk", ["scanner"]),
    ("ui.projector", ["show", "screen_html"]),
    ("forum_core.forum", ["groups", "groups_shared"]),
    ("forum_core.checkin", ["arrivals", "recent"]),
    ("streamlit", ["Page", "navigation", "page_link", "segmented_control", "set_page_config", "caption", "button"]),
]


# --- in the server process ---------------------------------------------------------------------


def serve(streamlit_args: list[str]) -> None:
    """``streamlit run`` with the timers: SIGUSR2 starts a measurement, SIGUSR1 writes it as JSON to
    $PAGE_PARTS_OUT (runs, each run's CPU time, each part's total CPU time and calls)."""
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.web import cli

    lock = threading.Lock()
    measured = {"runs": [], "parts": {}}
    wrapped: set[str] = set()

    def timed(label, function):
        def run(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                with lock:
                    total = measured["parts"].setdefault(label, [0.0, 0])
                    total[0] += spent
                    total[1] += 1

        return run

    def wrap_parts():  # in the first run, once the app's modules are imported
        for module_name, names in PARTS:
            module = importlib.import_module(module_name)
            for name in names:
                label = f"{module_name}.{name}"
                if label not in wrapped and hasattr(module, name):
                    setattr(module, name, timed(label, getattr(module, name)))
                    wrapped.add(label)

    original = script_runner.ScriptRunner._run_script

    def run_script(self, rerun_data):
        wrap_parts()
        started = time.thread_time()
        try:
            return original(self, rerun_data)
        finally:
            with lock:
                measured["runs"].append(time.thread_time() - started)

    script_runner.ScriptRunner._run_script = run_script

    def start(*_):
        with lock:
            measured["runs"], measured["parts"] = [], {}

    def write(*_):
        with lock:
            Path(os.environ["PAGE_PARTS_OUT"]).write_text(json.dumps(measured))

    signal.signal(signal.SIGUSR2, start)
    signal.signal(signal.SIGUSR1, write)
    sys.argv = ["streamlit", "run", *streamlit_args]
    cli.main()


# --- the load generator ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()

    import forum_day
    import streamlit_client as sc

    from forum_core import access
    from forum_core.db import Database

    work = Path(tempfile.mkdtemp())
    db_path = work / "forum.duckdb"
    setup = forum_day.build(db_path, per_group=30)
    db = Database(db_path)
    access.ensure_organizer_code(db, "BE-NCH234")
    organizer = access.sign_in(db, None, "BE-NCH234", "bench", "bench-organizer", access.Throttle()).token
    db.close()

    out = work / "parts.json"
    port = sc.free_port()
    env = dict(os.environ, FORUM_DB=str(db_path), FORUM_HTTP="1", FORUM_BACKUP_MINUTES="0", PAGE_PARTS_OUT=str(out))
    env.pop("FORUM_TLS_RESTARTED", None)
    log = open(work / "server.log", "wb")  # noqa: SIM115 (closed with the server below)
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def start_measuring() -> None:
        server.send_signal(signal.SIGUSR2)
        time.sleep(0.2)  # the server's main thread takes the signal between its own steps

    def measured() -> dict:
        out.unlink(missing_ok=True)
        server.send_signal(signal.SIGUSR1)
        deadline = time.time() + 10
        while not out.exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.05)
        return json.loads(out.read_text())

    codes = list(setup["codes"])
    random.shuffle(codes)
    desk = setup["devices"]["desk"][0]
    tablet, members = setup["devices"]["facilitator"][0]
    projector = setup["devices"]["projector"][0]
    ticked: dict[int, bool] = {}

    async def desk_run(s):
        if codes:
            await forum_day.post_scan(port, desk, f"parts-{len(codes)}", codes.pop())
        return await s.run(fragment=True)  # the figures' fragment, as figures.js asks after a scan

    async def tablet_run(s):
        member = random.choice(members)
        ticked[member] = not ticked.get(member, False)
        return await s.run(widgets={f"here_{member}": ticked[member]})

    async def full_run(s):
        return await s.run()

    pages = [
        ("registration (figures after a scan)", "registration", desk, desk_run),
        ("registration (full)", "registration", desk, full_run),
        ("facilitator (save)", "facilitator", tablet, tablet_run),
        ("plenary (full)", "plenary", projector, full_run),
        ("control", "control", organizer, full_run),
    ]

    async def measure_pages() -> list:
        found = []
        for label, page, token, action in pages:
            s = sc.Session(port, page, cookie=f"forum_device={token}")
            await s.connect()
            for _ in range(2):
                await s.run()
            await action(s)
            start_measuring()
            walls = []
            for _ in range(args.runs):
                walls.append(await action(s))
                await asyncio.sleep(0.05)  # one device at a time: no run waits for another
            found.append((label, walls, measured(), s.errors))
            await s.close()
        return found

    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        results = asyncio.run(measure_pages())
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()

    print(f"one device at a time, {args.runs} runs per page (load average {os.getloadavg()[0]:.1f})")
    for label, walls, parts, errors in results:
        runs = parts["runs"]
        print(
            f"\n{label}: script CPU median {sc.pct(runs, 50) * 1000:.2f} ms, mean {sum(runs) / len(runs) * 1000:.2f} ms; "
            f"client wall median {sc.pct(walls, 50) * 1000:.1f} ms, p95 {sc.pct(walls, 95) * 1000:.1f} ms; "
            f"errors shown: {len(errors)}"
        )
        for part, (spent, calls) in sorted(parts["parts"].items(), key=lambda kv: -kv[1][0]):
            print(f"  {part:36s} {spent / len(runs) * 1000:6.3f} ms/run  ({calls / len(runs):.1f} calls/run)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2:])
    else:
        main()
