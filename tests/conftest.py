"""Shared fixtures: a fresh database file per test, a small forum, the demo forum."""
from __future__ import annotations

import sys
from datetime import date, time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from forum_core import demo  # noqa: E402
from forum_core import forum as forum_mod  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ORGANIZER = Actor("organizer", "test laptop")
SETTINGS = {
    "title": "სატესტო ფორუმი", "municipality": "სატესტო მუნიციპალიტეტი", "forum_date": date(2027, 5, 30),
    "venue": "სააქტო დარბაზი", "start_time": time(11, 0), "duration_min": 240,
    "pebbles_per_participant": 3, "priorities_per_group": 5, "goals": "ბიუჯეტის პრიორიტეტები",
}


@pytest.fixture
def db(tmp_path) -> Database:
    database = Database(tmp_path / "forum.duckdb")
    yield database
    database.close()


@pytest.fixture
def forum_id(db) -> int:
    """A forum with three groups: 1 სოციალური, 2 ინფრასტრუქტურა, 3 ახალგაზრდობა."""
    drafts = [forum_mod.GroupDraft(number=1, name="სოციალური", field="სოციალური დაცვა", room="101"),
              forum_mod.GroupDraft(number=2, name="ინფრასტრუქტურა", field="ინფრასტრუქტურა", room="102"),
              forum_mod.GroupDraft(number=3, name="ახალგაზრდობა", field="ახალგაზრდობა", room="103")]
    outcome = forum_mod.create_forum(db, ORGANIZER, SETTINGS, None, drafts)
    assert outcome.ok, outcome
    return outcome.value


@pytest.fixture
def demo_forum(db) -> int:
    outcome = demo.load_demo(db, ORGANIZER)
    assert outcome.ok
    return outcome.value


@pytest.fixture(scope="session")
def finished_forum_file(tmp_path_factory) -> Path:
    """A database file with the demo forum after its day: ten groups finalised, every published
    priority a recommendation. Made once (group work takes seconds); tests use copies."""
    from forum_core import report

    path = tmp_path_factory.mktemp("finished") / "forum.duckdb"
    database = Database(path)
    forum_id = demo.load_demo(database, ORGANIZER).value
    assert demo.simulate_group_work(database, ORGANIZER, forum_id) == 10
    assert report.sync(database, ORGANIZER, forum_id).value == 50
    database.close()
    return path


@pytest.fixture
def finished_db(finished_forum_file, tmp_path) -> Database:
    """A fresh copy of the finished demo forum (its id is 1)."""
    import shutil

    path = tmp_path / "forum.duckdb"
    shutil.copy(finished_forum_file, path)
    database = Database(path)
    yield database
    database.close()
