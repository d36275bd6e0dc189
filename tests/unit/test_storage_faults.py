"""Disk full or an unwritable database (issue 15, part 10), with a real fault under DuckDB.

The fault is injected at the file level: ``RLIMIT_FSIZE`` (with ``SIGXFSZ`` ignored) makes
every write past a size fail with ``EFBIG`` ("File too large"), as a full disk fails with
``ENOSPC``: DuckDB's write-ahead log cannot grow, or its checkpoint cannot write the file.
Unprivileged and without a mount; only regular files are limited (xdist's pipes are not).

What must hold: a unit that could not be written is not committed and is never answered as
saved (a ``Reason`` the person reads in their language: ``storage_full``), nothing committed
before is lost, and the app carries on by itself once there is room again, including after
DuckDB invalidated its connection because a checkpoint failed.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal

import duckdb
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from forum_core import access, checkin, i18n
from forum_core import deliberation as dl
from forum_core import participants as people
from forum_core.db import Actor, StorageError, storage_reason
from forum_core.vocabulary import Reason
from tests.conftest import ORGANIZER


@contextlib.contextmanager
def disk_full(path, extra: int = 0):
    """No file may grow past its size now (+``extra``): the WAL beside ``path`` included."""
    wal = f"{path}.wal"
    limit = (os.path.getsize(wal) if os.path.exists(wal) else 0) + extra
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def count(db, sql: str, params=()) -> int:
    return db.cursor().execute(sql, list(params)).fetchone()[0]


def test_the_reason_of_a_storage_failure():
    full = [
        duckdb.TransactionException('Failed to commit: Could not write file "x.wal": No space left on device'),
        duckdb.IOException('Could not write file "data/forum.duckdb": File too large'),
        duckdb.IOException("Could not write file: Disk quota exceeded"),
        OSError(28, "No space left on device"),
        duckdb.FatalException(
            "Failed: database has been invalidated because of a previous fatal error. Original error: "
            '"Failed to create checkpoint because of error: Could not write file "f": No space left on device"'
        ),
    ]
    unwritable = [
        duckdb.IOException('Cannot open file "data/forum.duckdb.wal": Permission denied'),
        duckdb.TransactionException('Failed to commit: Could not write file "x.wal": Read-only file system'),
        duckdb.IOException('Could not write file "x.wal": Input/output error'),
        OSError(30, "Read-only file system"),
        OSError(13, "Permission denied"),
    ]
    not_storage = [
        duckdb.ConstraintException("Duplicate key"),
        duckdb.TransactionException("Conflict on update!"),
        duckdb.BinderException("column x not found"),
        ValueError("no"),
    ]
    assert [storage_reason(e) for e in full] == [Reason.STORAGE_FULL] * len(full)
    assert [storage_reason(e) for e in unwritable] == [Reason.STORAGE_UNWRITABLE] * len(unwritable)
    assert [storage_reason(e) for e in not_storage] == [None] * len(not_storage)
    for reason in (Reason.STORAGE_FULL, Reason.STORAGE_UNWRITABLE):
        for lang in ("ka", "en"):
            assert i18n.t(lang, f"reason.{reason}") != f"reason.{reason}"
    from ui import session

    assert session.outcome_kind(dl.Outcome(False, Reason.STORAGE_FULL)) == "error"  # red: not saved


def test_a_full_disk_refuses_the_unit_keeps_what_was_saved_and_recovers_by_itself(db, demo_forum):
    person = people.all_active(db.cursor(), demo_forum)[0]
    code = checkin.token_of(db.cursor(), person["id"])
    desk = Actor("desk", "Desk 1")
    saved = dl.add_problem(db, ORGANIZER, 1, "ნაგვის გატანა")  # committed before the disk fills
    assert saved.ok
    audit_before = count(db, "SELECT count(*) FROM audit_log")
    with disk_full(db.path):
        refused = dl.add_problem(db, ORGANIZER, 1, "გზები")  # a service returning an Outcome
        assert not refused.ok and refused.reason == Reason.STORAGE_FULL
        with pytest.raises(StorageError) as failed:  # a service answering otherwise (the desk's card)
            checkin.scan(db, desk, demo_forum, code, "Desk 1", scan_id="scan-1")
        assert failed.value.reason == Reason.STORAGE_FULL
        # nothing of either is stored, and what was saved before is all there
        assert count(db, "SELECT count(*) FROM problem WHERE title = 'გზები'") == 0
        assert person["id"] not in checkin.checked_in_ids(db.cursor(), demo_forum)
        assert count(db, "SELECT count(*) FROM problem WHERE title = 'ნაგვის გატანა'") == 1
        assert count(db, "SELECT count(*) FROM audit_log") == audit_before
    # room again: the next unit works without a restart; the desk's scan, sent again, once
    again = checkin.scan(db, desk, demo_forum, code, "Desk 1", scan_id="scan-1")
    assert again.status == Reason.CHECKED_IN
    assert person["id"] in checkin.checked_in_ids(db.cursor(), demo_forum)
    assert dl.add_problem(db, ORGANIZER, 1, "გზები").ok


def test_a_failed_checkpoint_is_recovered_without_restart(db, demo_forum, caplog):
    """DuckDB invalidates the connection when a checkpoint cannot write the file (every later
    statement fails): the next unit opens the file again, as soon as it can. A unit answered as
    saved is stored; one answered ``storage_full`` is not."""
    db.cursor().execute("SET checkpoint_threshold = '1KB'")  # every commit checkpoints
    size = os.path.getsize(db.path)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))  # the WAL may grow, the file may not
    try:
        first = dl.add_problem(db, ORGANIZER, 1, "წყალმომარაგება")
        assert first.ok or first.reason == Reason.STORAGE_FULL
        assert "could not be written" in caplog.text  # the checkpoint failed: the connection is invalidated
        # the next unit opens the file again (the WAL can still grow here) and goes on
        assert dl.add_problem(db, ORGANIZER, 1, "გზები").ok
        assert "opened again" in caplog.text
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert dl.add_problem(db, ORGANIZER, 1, "ჩიხები").ok
    titles = [r[0] for r in db.cursor().execute("SELECT title FROM problem").fetchall()]
    assert titles.count("გზები") == 1
    assert titles.count("წყალმომარაგება") == (1 if first.ok else 0)  # answered as it is stored


def test_devices_are_told_over_http_and_keep_their_scans_and_texts(db, demo_forum, monkeypatch):
    from ui import api, runtime

    monkeypatch.setenv("FORUM_DB", db.path)
    monkeypatch.setitem(runtime._open, db.path, db)  # the routes use this test's database
    http = TestClient(Starlette(routes=api.ROUTES))
    cur = db.cursor()
    person = people.all_active(cur, demo_forum)[0]
    code = checkin.token_of(cur, person["id"])

    def device(role, label, group_id=None):
        made = access.create_code(db, ORGANIZER, demo_forum, role, group_id, label).value[1]
        return access.sign_in(db, demo_forum, made, label, f"test {label}", access.Throttle()).token

    desk, tablet = device("desk", "Desk 1"), device("facilitator", "Group 1", 1)
    problem = dl.add_problem(db, ORGANIZER, 1, "ნაგავი")
    field = dl.field_id("problem", problem.value, "title")
    scan = {"desk": "Desk 1", "lang": "ka", "scans": [{"id": "s-full", "code": code, "at": 0}]}
    text = {"field": field, "value": "ნაგვის გატანა", "expected": "ნაგავი", "lang": "en"}
    with disk_full(db.path):
        answer = http.post("/api/scans", cookies={"forum_device": desk}, json=scan)
        assert answer.status_code == 503  # desk.js keeps the scan waiting and sends it again
        assert answer.json()["message"] == i18n.t("ka", "reason.storage_full")
        typed = http.post("/api/text", cookies={"forum_device": tablet}, json=text)
        assert typed.status_code == 503  # autosave.js keeps the draft and sends it again
        assert typed.json()["message"] == i18n.t("en", "reason.storage_full")
    assert person["id"] not in checkin.checked_in_ids(db.cursor(), demo_forum)
    answer = http.post("/api/scans", cookies={"forum_device": desk}, json=scan)  # room again
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "checked_in"
    assert http.post("/api/text", cookies={"forum_device": tablet}, json=text).json()["ok"]
    assert count(db, "SELECT count(*) FROM checkin_event WHERE participant_id = ?", [person["id"]]) == 1
