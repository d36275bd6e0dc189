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


def signed_in(db_path: Path, role: str, group_number: int | None = None):
    """An identity signed in through the real path (a code, then sign-in), for the page's guard."""
    from forum_core import access
    from forum_core import forum as forum_mod
    from forum_core.db import Actor
    from ui import runtime

    db = runtime.database(str(db_path))
    forum_id = forum_mod.current_forum_id(db.cursor())
    group_id = None
    if group_number is not None:
        group_id = next(g["id"] for g in forum_mod.groups(db.cursor(), forum_id) if g["number"] == group_number)
    code = access.create_code(db, Actor("organizer", "bench"), forum_id, role, group_id, "bench").value[1]
    return access.sign_in(db, forum_id, code, "bench", f"bench-{role}", access.Throttle()).identity


def time_page(
    db_path: Path,
    page: str,
    marks: list[float],
    runs: int = 40,
    prepare=None,
    lang: str = "ka",
    role: str = "organizer",
    group_number: int | None = None,
) -> str:
    """Time a page's script runs as a person in ``role`` sees it (signed in, past the page's guard)."""
    from streamlit.testing.v1 import AppTest

    os.environ["FORUM_DB"] = str(db_path)
    at = AppTest.from_file(str(ROOT / "navigation.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.session_state["identity"] = signed_in(db_path, role, group_number)
    at.run()
    at.switch_page(page)
    at.run()
    if prepare:
        prepare(at)
    marks.clear()
    for _ in range(runs):
        at.run()
    assert not at.exception, at.exception
    from forum_core.i18n import t

    assert not any(e.value == t(lang, "access.sign_in_title") for e in at.title), "the page showed the sign-in"
    samples = [m * 1000 for m in marks]
    return (
        f"script run median {statistics.median(samples):.1f} ms, p95 {pct(samples, 95):.1f} ms over {len(samples)} runs"
    )
