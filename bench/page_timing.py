"""Time page script runs in-process: AppTest drives app.py, and the run is timed from
the first to the last line of app.py (``ui.session.app_started`` / ``app_finished``),
in the script thread: the server time of the run, without AppTest's polling."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def install() -> list[float]:
    """Patch the server-like navigation mode and the timing hooks; return the list of run times."""
    from streamlit.runtime.pages_manager import PagesManager

    from ui import session

    original_init = PagesManager.__init__

    def init(self, *a, **k):  # as a running server does after its first request
        original_init(self, *a, **k)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    marks: list[float] = []
    started, finished = session.app_started, session.app_finished

    def timed_start():
        marks.append(time.perf_counter())
        started()

    def timed_finish():
        finished()
        marks.append(time.perf_counter() - marks.pop())

    session.app_started, session.app_finished = timed_start, timed_finish
    return marks


def time_page(db_path: Path, page: str, marks: list[float], runs: int = 40, prepare=None, lang: str = "ka") -> str:
    from streamlit.testing.v1 import AppTest

    os.environ["FORUM_DB"] = str(db_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page)
    at.run()
    if prepare:
        prepare(at)
    marks.clear()
    for _ in range(runs):
        at.run()
    assert not at.exception, at.exception
    samples = [m * 1000 for m in marks]
    return (f"script run median {statistics.median(samples):.1f} ms, p95 {pct(samples, 95):.1f} ms "
            f"over {len(samples)} runs")
