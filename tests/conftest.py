"""Shared fixtures: a fresh database file per test, a small forum, the demo forum.

Forums that take seconds to build (the demo, the demo in full swing, the finished demo) are
built once per session (once per xdist worker) into a file; a test that asks for one gets its
own copy of that file, made before its ``Database`` opens it.
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import sys
from datetime import date, time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Access codes hash with cheap scrypt parameters in tests (and in the servers and command lines
# they start, which inherit the environment); read once when forum_core.access is imported.
os.environ["FORUM_TEST_CHEAP_HASH"] = "1"
# This project's modules are compiled once and their bytecode kept (__pycache__, ignored by git), as
# Python does unless told otherwise; this machine's environment tells it otherwise, and then every
# worker, app server and command line a test starts compiles them again.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

from streamlit.components.v2 import manifest_scanner  # noqa: E402

from forum_core import demo  # noqa: E402
from forum_core import forum as forum_mod  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

# Streamlit scans every installed distribution's metadata for component manifests whenever an
# AppTest starts (about 0.5 s, most of a page test's time); the installed packages do not change
# during a test run, so the scan is made once per process.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)

# The order the files are dealt out in (xdist deals out whole files, `--dist loadfile`, two to each
# worker at first, in turn: the 1st and 3rd to one, the 2nd and 4th to the other; then one as each
# finishes; `--no-loadscope-reorder` keeps this order). The browser tests come first, so none is
# left running alone at the end, and the two that mostly wait through a network cut are paired with
# the two that keep the processor busy: one worker takes the desks' cut and then the accessibility
# tour, the other the forum day and then the tablets' cut. (Dealt out so that both cuts ran at the
# same time, the machine sat idle for half a minute; dealt out so that the forum day ran beside the
# accessibility tour, the suite took 20-50 s longer.) Rough seconds on the 2-core machine beside each.
LONGEST_FIRST = [
    "tests/e2e/test_offline_desk.py",  # 30, most of it waiting through a 20 s cut
    "tests/e2e/test_forum_day.py",  # 50-80
    "tests/e2e/test_accessibility.py",  # 55-75
    "tests/e2e/test_offline_tablet.py",  # 35, waiting through 8 s cuts
    "tests/e2e/test_english.py",  # 20
    "tests/e2e/test_projector_fit.py",  # 16-20
    "tests/unit/test_documents.py",  # 12
    "tests/unit/test_cli.py",  # 10
    "tests/unit/test_resilience.py",  # 8
    # then the other files of more than 2 s, longest first (`pytest -n 0 --durations=0`, summed per
    # file), so that the files dealt out last are short and the two workers end close together
    "tests/pages/test_facilitator_page.py",  # 6.6
    "tests/pages/test_access_page.py",  # 5.8
    "tests/unit/test_backup.py",  # 5.0
    "tests/unit/test_rollup.py",  # 4.8
    "tests/unit/test_report_pdf.py",  # 4.7
    "tests/pages/test_participants_page.py",  # 4.3
    "tests/unit/test_checkin.py",  # 4.0
    "tests/unit/test_security.py",  # 4.0
    "tests/pages/test_report_page.py",  # 3.6
    "tests/unit/test_deliberation.py",  # 3.1
    "tests/unit/test_importer.py",  # 2.7
    "tests/pages/test_no_raw_keys.py",  # 2.7
    "tests/unit/test_db.py",  # 2.7
    "tests/pages/test_setup_page.py",  # 2.6
    "tests/unit/test_report.py",  # 2.5
    "tests/unit/test_import_fuzz.py",  # 2.5
    "tests/unit/test_participants.py",  # 2.4
]


def pytest_collection_modifyitems(items):
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest as collected


def pytest_configure(config):
    # At its very end pytest collects garbage five times to surface unraisable exceptions (its
    # unraisableexception plugin; the number is kept in this stash key so that it can be changed).
    # Each full collection of a worker's heap took 0.3-0.45 s, and the run waits for its slowest
    # worker: two collections keep the check (a second finds what the first's finalizers freed).
    from _pytest.unraisableexception import gc_collect_iterations_key

    config.stash[gc_collect_iterations_key] = 2


ORGANIZER = Actor("organizer", "test laptop")
SETTINGS = {
    "title": "სატესტო ფორუმი",
    "municipality": "სატესტო მუნიციპალიტეტი",
    "forum_date": date(2027, 5, 30),
    "venue": "სააქტო დარბაზი",
    "start_time": time(11, 0),
    "duration_min": 240,
    "pebbles_per_participant": 3,
    "priorities_per_group": 5,
    "goals": "ბიუჯეტის პრიორიტეტები",
}


def copy_database(source: Path, target: Path) -> Path:
    """A copy of a closed database file (DuckDB: one file once it is closed, no write-ahead log)."""
    assert not Path(f"{source}.wal").exists(), f"{source} was not closed"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def build_database(tmp_path_factory, name: str, make, start_from: Path | None = None) -> tuple[Path, int]:
    """Build a database file once per test run: ``make(database)`` writes it and returns the forum id.

    The xdist workers share one build: the first to get the lock builds the file, the others wait
    and use it (tests only ever get copies of it)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the directory every worker's base temp lives in
    folder = shared / f"prebuilt-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    path, done = folder / "forum.duckdb", folder / "forum-id"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            if start_from is not None:
                copy_database(start_from, path)
            database = Database(path)
            forum = make(database)
            database.close()
            assert not Path(f"{path}.wal").exists()
            done.write_text(str(forum))
    return path, int(done.read_text())


@pytest.fixture(scope="session")
def demo_forum_built(tmp_path_factory) -> tuple[Path, int]:
    """The demo forum, loaded once: (file, forum id)."""

    def make(database):
        outcome = demo.load_demo(database, ORGANIZER)
        assert outcome.ok
        return outcome.value

    return build_database(tmp_path_factory, "demo", make)


@pytest.fixture(scope="session")
def demo_forum_file(demo_forum_built) -> Path:
    return demo_forum_built[0]


@pytest.fixture(scope="session")
def full_swing_built(tmp_path_factory, demo_forum_built) -> tuple[Path, int]:
    """The demo forum in full swing, built once: groups 1-8 finalised, 9 and 10 still working."""
    source, forum = demo_forum_built

    def make(database):
        assert demo.simulate_group_work(database, ORGANIZER, forum, group_numbers=list(range(1, 9))) == 8
        return forum

    return build_database(tmp_path_factory, "swing", make, start_from=source)


@pytest.fixture(scope="session")
def full_swing_file(full_swing_built) -> Path:
    return full_swing_built[0]


@pytest.fixture(scope="session")
def empty_built(tmp_path_factory) -> tuple[Path, int]:
    """A database with the schema and no forum: a copy opens in about a third of the time that
    making the schema takes (0.07 s), and most unit tests start from it."""
    return build_database(tmp_path_factory, "empty", lambda database: 0)


# A test using one of these fixtures gets ``db`` opened on a copy of its prebuilt file (the most
# advanced one when it uses several); any other test, on a copy of the empty database.
PREBUILT = (("forum_in_full_swing", "full_swing_built"), ("demo_forum", "demo_forum_built"))


@pytest.fixture
def db(tmp_path, request) -> Database:
    path = tmp_path / "forum.duckdb"
    built = next((built for wanted, built in PREBUILT if wanted in request.fixturenames), "empty_built")
    copy_database(request.getfixturevalue(built)[0], path)
    database = Database(path)
    yield database
    database.close(checkpoint=False)  # a throwaway copy: its log need not be written into the file


@pytest.fixture
def forum_id(db) -> int:
    """A forum with three groups: 1 სოციალური, 2 ინფრასტრუქტურა, 3 ახალგაზრდობა."""
    drafts = [
        forum_mod.GroupDraft(number=1, name="სოციალური", field="სოციალური დაცვა", room="101"),
        forum_mod.GroupDraft(number=2, name="ინფრასტრუქტურა", field="ინფრასტრუქტურა", room="102"),
        forum_mod.GroupDraft(number=3, name="ახალგაზრდობა", field="ახალგაზრდობა", room="103"),
    ]
    outcome = forum_mod.create_forum(db, ORGANIZER, SETTINGS, None, drafts)
    assert outcome.ok, outcome
    return outcome.value


@pytest.fixture
def demo_forum(db, demo_forum_built) -> int:
    """The demo forum in ``db`` (a copy of the session's demo file): its id."""
    forum = demo_forum_built[1]
    assert forum_mod.current_forum_id(db.cursor()) == forum
    return forum


@pytest.fixture
def forum_in_full_swing(db, full_swing_built) -> int:
    """The demo forum in ``db`` with groups 1-8 finalised (a copy of the session's file): its id."""
    forum = full_swing_built[1]
    assert forum_mod.current_forum_id(db.cursor()) == forum
    return forum


@pytest.fixture(scope="session")
def finished_forum_file(tmp_path_factory, full_swing_built) -> Path:
    """A database file with the demo forum after its day: ten groups finalised, every published
    priority a recommendation. Made once from the forum in full swing (its last two groups played as
    a whole day's simulation plays them: each group has its own random sequence); tests use copies."""
    from forum_core import report

    def make(database):
        forum = full_swing_built[1]
        assert demo.simulate_group_work(database, ORGANIZER, forum, group_numbers=[9, 10]) == 2
        assert report.sync(database, ORGANIZER, forum).value == 50
        return forum

    return build_database(tmp_path_factory, "finished", make, start_from=full_swing_built[0])[0]


@pytest.fixture
def finished_db(finished_forum_file, tmp_path) -> Database:
    """A fresh copy of the finished demo forum (its id is 1)."""
    path = copy_database(finished_forum_file, tmp_path / "forum.duckdb")
    database = Database(path)
    yield database
    database.close()
