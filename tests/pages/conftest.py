"""Page tests drive app.py with AppTest against a fresh database file per test."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from forum_core import demo
from forum_core.db import Database
from tests.conftest import ORGANIZER

APP = str(Path(__file__).resolve().parents[2] / "app.py")


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


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    path = tmp_path / "forum.duckdb"
    monkeypatch.setenv("FORUM_DB", str(path))
    return path


@pytest.fixture
def demo_db(db_file):
    """The demo forum, written by another Database object and closed before the app opens the file."""
    database = Database(db_file)
    demo.load_demo(database, ORGANIZER)
    database.close()
    return db_file


def open_app(lang="ka", page=None):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = lang
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    parts = []
    for kind in ("markdown", "error", "warning", "success", "info", "caption", "title", "subheader", "header"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    return "\n".join(parts)
