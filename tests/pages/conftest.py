"""Page tests drive navigation.py (the script app.py serves) with AppTest against a fresh database file per test."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ORGANIZER, copy_database

APP = str(Path(__file__).resolve().parents[2] / "navigation.py")  # what app.py serves to each session


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
    import os

    from ui import session

    if "FORUM_DB" in os.environ:
        session.close_database(os.environ["FORUM_DB"])
