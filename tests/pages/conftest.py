"""Page tests drive navigation.py (the script app.py serves) with AppTest against a fresh database file per test."""

import os
import threading
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner import ScriptRunnerEvent
from streamlit.runtime.scriptrunner import script_cache as _script_cache
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import local_script_runner as _local_runner

from tests.conftest import ORGANIZER, copy_database

APP = str(Path(__file__).resolve().parents[2] / "navigation.py")  # what app.py serves to each session

# Two costs of AppTest itself, not of the app (py-spy over `pytest -m "not e2e" -n 0`):
# - Every run compiles navigation.py and the page again (a new ScriptCache per run; a server keeps
#   one): 3 % of the samples. Compiled code is kept per process, keyed by the file's state.
# - The test's thread waits for the run by waking every millisecond to scan the run's whole list of
#   events for its end (2.5 % of the samples, in the thread that competes with the run for the
#   interpreter). It waits on an event set when the run ends instead.
_compiled: dict[tuple, object] = {}
_compile = _script_cache.ScriptCache.get_bytecode


def _get_bytecode(self, script_path: str):
    stat = os.stat(script_path)
    key = (os.path.abspath(script_path), stat.st_mtime_ns, stat.st_size)
    if key not in _compiled:
        _compiled[key] = _compile(self, script_path)
    return _compiled[key]


_script_cache.ScriptCache.get_bytecode = _get_bytecode
_runner_init = _local_runner.LocalScriptRunner.__init__


def _runner_init_with_end(self, *args, **kwargs):
    _runner_init(self, *args, **kwargs)
    self.forum_run_ended = threading.Event()

    def on_event(sender, event, **_kwargs):
        if event == ScriptRunnerEvent.SHUTDOWN:
            self.forum_run_ended.set()

    self.on_event.connect(on_event, weak=False)


def _wait_for_the_run(runner, timeout: float = 3) -> None:
    if not runner.forum_run_ended.wait(timeout):
        runner.request_stop()  # as Streamlit's own wait does: stopped, so that it cannot hang
        runner.join()
        raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")


_local_runner.LocalScriptRunner.__init__ = _runner_init_with_end
_local_runner.require_widgets_deltas = _wait_for_the_run


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch):
    """Behave like the running server after its first request.

    AppTest resets Streamlit's legacy ``pages/`` folder flag before every run, so
    every rerun would run the page file without app.py. A server clears that flag
    for good at its first ``st.navigation`` call (see ``ui.session.enter_page``).
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


ORGANIZER_CODE = "TE-STRG23"


@pytest.fixture(autouse=True)
def organizer_code(monkeypatch):
    """The installation's organizer code comes from the environment, as it may in production."""
    monkeypatch.setenv("FORUM_ORGANIZER_CODE", ORGANIZER_CODE)


@pytest.fixture(autouse=True)
def slow_automatic_backups(monkeypatch):
    """Automatic backups stay on (the setup page lists them) but none fires during the suite:
    every AppTest database would otherwise start writing backups five minutes later."""
    monkeypatch.setenv("FORUM_BACKUP_MINUTES", "600")


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    path = tmp_path / "forum.duckdb"
    monkeypatch.setenv("FORUM_DB", str(path))
    return path


@pytest.fixture
def demo_db(db_file, demo_forum_file):
    """The demo forum: a copy of the session's demo file, made before the app opens it."""
    copy_database(demo_forum_file, db_file)
    return db_file


@pytest.fixture
def swing_db(db_file, full_swing_file):
    """The demo forum with groups 1-8 finalised: a copy of the session's file, made before the app opens it."""
    copy_database(full_swing_file, db_file)
    return db_file


def app_database():
    """The database object the app under test uses (same process, same cached resource)."""
    import os

    from ui import runtime

    return runtime.database(os.environ["FORUM_DB"])


def sign_in_as(role: str, group_number: int | None = None, label: str = "test device"):
    """Sign in through the real path: a code made by the organizer (or the organizer's own), then sign_in."""
    from forum_core import access
    from forum_core import forum as forum_mod

    db = app_database()
    access.ensure_organizer_code(db, ORGANIZER_CODE)
    forum_id = forum_mod.current_forum_id(db.cursor())
    code = ORGANIZER_CODE
    if role != "organizer":
        group_id = None
        if group_number is not None:
            group_id = next(g["id"] for g in forum_mod.groups(db.cursor(), forum_id) if g["number"] == group_number)
        code = access.create_code(db, ORGANIZER, forum_id, role, group_id, label).value[1]
    result = access.sign_in(db, forum_id, code, label, f"test:{role}:{label}")
    assert result.status == "signed_in", result
    return result.identity


def open_app(lang="ka", page=None, role="organizer", group_number=None):
    """The app as a person in ``role`` sees it (``None``: nobody signed in, the public)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = lang
    if role is not None:
        at.session_state["identity"] = sign_in_as(role, group_number)
    if page:
        # Each page's url path is its file's name, so the page is known before the first run
        # (AppTest hashes the file name as st.Page hashes the url path): one run, not two.
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def read(markdown: str) -> str:
    """A Markdown text as a person reads it: people's text in it is escaped (ui/text.py md),
    each escaped mark shows as itself."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def texts(at) -> str:
    """Every text of the page's Markdown elements, as read (see :func:`read`)."""
    parts = []
    for kind in ("markdown", "error", "warning", "success", "info", "caption", "title", "subheader", "header"):
        parts += [read(str(getattr(e, "value", ""))) for e in getattr(at, kind)]
    return "\n".join(parts)


@pytest.fixture(autouse=True)
def close_the_app_database(monkeypatch):
    """After each test, its app database is closed and its backup thread stopped (worker memory
    1.19 GB -> 0.51 GB; the worker's exit, which the run waits for, 1.7 s shorter).
    ``monkeypatch``: set up before this fixture, so undone after it, with FORUM_DB still set."""
    yield
    from ui import session

    if "FORUM_DB" in os.environ:
        session.close_database(os.environ["FORUM_DB"], checkpoint=False)  # a throwaway copy
