"""The write journal: a check-in answered is on disk, reaches DuckDB exactly once, and is seen by every read."""
import subprocess
import sys
import threading
from datetime import datetime

import pytest

from forum_core import backup, checkin, journal
from forum_core import participants as people
from forum_core.db import Actor, Database
from tests.conftest import ROOT

DESK = Actor("desk", "tablet 1")


def codes_of(db, forum_id, n):
    people_ids = [p["id"] for p in people.all_active(db.cursor(), forum_id)[:n]]
    tokens = checkin.tokens_of_forum(db.cursor(), forum_id)
    return people_ids, [tokens[p] for p in people_ids]


def in_duckdb(db, sql, params=()):
    """Read DuckDB directly, without settling the journal first (what db.cursor() would do)."""
    return db._con.cursor().execute(sql, list(params)).fetchall()


def journal_lines(path):
    return [line for line in journal.journal_path(str(path)).read_bytes().splitlines() if line.strip()]


def test_records_round_trip_with_times_and_a_torn_line_is_ignored():
    record = {"seq": 3, "appends": [["checkin_event", ["happened_at"], [datetime(2027, 5, 30, 11, 2, 3, 400)]]],
              "audits": [[datetime(2027, 5, 30, 11, 2, 3), None, "desk", "ტაბლეტი", "checkin.scan", None]]}
    line = journal.encode(record)
    assert journal.decode(line) == record
    assert journal.decode(line[:-9]) is None  # the power went during the write
    assert journal.decode(b'{"no": "seq"}') is None


def test_a_scan_is_answered_from_the_journal_and_every_read_sees_it(db, demo_forum):
    db._stop_mover()  # nothing moves records on its own: only reads and writes that need them
    ids, (code,) = codes_of(db, demo_forum, 1)
    assert checkin.scan(db, DESK, demo_forum, code, "Desk 1").status == "checked_in"
    assert len(journal_lines(db.path)) == 1
    assert in_duckdb(db, "SELECT count(*) FROM checkin_event") == [(0,)]  # not yet in DuckDB
    arrived = checkin.arrivals(db.cursor(), demo_forum)  # a read settles first
    assert sum(g["checked_in"] for g in arrived) == 1
    assert in_duckdb(db, "SELECT participant_id, desk, role, device FROM checkin_event") == [
        (ids[0], "Desk 1", "desk", "tablet 1")]
    assert in_duckdb(db, "SELECT role, device FROM audit_log WHERE action = 'checkin.scan'") == [("desk", "tablet 1")]


def test_an_ordinary_unit_sees_journaled_check_ins_first(db, demo_forum):
    db._stop_mover()
    ids, (code,) = codes_of(db, demo_forum, 1)
    checkin.scan(db, DESK, demo_forum, code, "Desk 1")
    assert in_duckdb(db, "SELECT count(*) FROM checkin_event") == [(0,)]
    assert checkin.undo(db, DESK, demo_forum, ids[0], "Desk 1").ok  # reads the check-in from DuckDB
    kinds = in_duckdb(db, "SELECT kind FROM checkin_event ORDER BY id")
    assert kinds == [("check_in",), ("undo",)]


def test_the_mover_puts_records_into_duckdb_without_any_read(db, demo_forum):
    _, codes = codes_of(db, demo_forum, 5)
    for code in codes:
        checkin.scan(db, DESK, demo_forum, code, "Desk 1")
    for _ in range(200):
        if in_duckdb(db, "SELECT count(*) FROM checkin_event") == [(5,)]:
            break
        threading.Event().wait(0.01)
    assert in_duckdb(db, "SELECT count(*) FROM checkin_event") == [(5,)]
    assert not db._pending


def test_a_reopened_database_does_not_apply_a_record_twice(tmp_path, demo_forum, db):
    _, (code, other) = codes_of(db, demo_forum, 2)
    checkin.scan(db, DESK, demo_forum, code, "Desk 1")
    db.settle()
    kept = journal.journal_path(db.path).read_bytes()
    assert kept  # the applied record is still in the file (it is emptied now and then)
    db.close()
    journal.journal_path(db.path).write_bytes(kept + b'{"seq": 99, "appends": [["checkin_ev')  # and a torn line
    again = Database(db.path)
    try:
        assert again.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (1,)
        assert journal.journal_path(db.path).stat().st_size == 0
        assert checkin.scan(again, DESK, demo_forum, other, "Desk 1").status == "checked_in"
        assert checkin.scan(again, DESK, demo_forum, code, "Desk 1").status == "already_checked_in"
    finally:
        again.close()


# A process of its own that opens the database and scans the codes given after path and forum id.
SCANNING_PROCESS = """
import os, sys, threading
sys.path.insert(0, os.getcwd())
from forum_core import checkin
from forum_core.db import Actor, Database
path, forum_id, codes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
db = Database(path)
"""

CRASH_AFTER_SCANS = SCANNING_PROCESS + """
db._stop_mover()  # as if the power went right after the desks were answered
for code in codes:
    print(checkin.scan(db, Actor("desk", "tablet 9"), forum_id, code, "Desk 9").status, flush=True)
os._exit(0)
"""


def test_check_ins_answered_before_a_crash_are_there_after_the_restart(db, demo_forum):
    ids, codes = codes_of(db, demo_forum, 3)
    path = db.path
    db.close()
    done = subprocess.run([sys.executable, "-c", CRASH_AFTER_SCANS, path, str(demo_forum), *codes], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.split() == ["checked_in"] * 3
    assert len(journal_lines(path)) == 3
    peek = Database(path, journal=False)  # DuckDB alone: the crash left them only in the journal
    assert peek.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (0,)
    peek.close()
    after = Database(path)
    try:
        cur = after.cursor()
        assert sorted(r[0] for r in cur.execute("SELECT participant_id FROM checkin_event").fetchall()) == sorted(ids)
        assert cur.execute("SELECT count(*) FROM audit_log WHERE action = 'checkin.scan' AND device = 'tablet 9'"
                           ).fetchone() == (3,)
        assert checkin.checked_in_ids(cur, demo_forum) == set(ids)
    finally:
        after.close()


EXIT_WHILE_SCANNING = SCANNING_PROCESS + """
def desk(n):
    for code in codes[n::4]:
        checkin.scan(db, Actor("desk", f"tablet {n}"), forum_id, code, f"Desk {n}")
threads = [threading.Thread(target=desk, args=(n,)) for n in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print("answered", len(codes), flush=True)
"""  # and Python exits at once, with the mover thread likely inside DuckDB


def test_the_app_exits_cleanly_while_check_ins_are_moved_and_none_is_lost(db, demo_forum):
    _, codes = codes_of(db, demo_forum, 100)
    path = db.path
    db.close()
    for attempt in range(3):
        chunk = codes[attempt * 33:(attempt + 1) * 33]
        done = subprocess.run([sys.executable, "-c", EXIT_WHILE_SCANNING, path, str(demo_forum), *chunk], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-800:]
    after = Database(path)
    try:
        assert after.cursor().execute("SELECT count(DISTINCT participant_id), count(*) FROM checkin_event"
                                      ).fetchone() == (99, 99)
    finally:
        after.close()


def test_a_second_database_on_the_same_file_works_without_the_journal(db, demo_forum):
    _, (code,) = codes_of(db, demo_forum, 1)
    second = Database(db.path)
    try:
        assert second._journal is None
        assert checkin.scan(second, DESK, demo_forum, code, "Desk 2").status == "checked_in"
        assert in_duckdb(db, "SELECT desk FROM checkin_event") == [("Desk 2",)]  # an ordinary transaction
    finally:
        second.close()


def test_a_journal_that_cannot_be_written_changes_nothing(db, demo_forum, monkeypatch):
    _, (code,) = codes_of(db, demo_forum, 1)

    def disk_full(record):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(db._journal, "append", disk_full)
    with pytest.raises(OSError):
        checkin.scan(db, DESK, demo_forum, code, "Desk 1")
    monkeypatch.undo()
    assert not db._pending
    assert checkin.scan(db, DESK, demo_forum, code, "Desk 1").status == "checked_in"  # not amber: nothing kept
    assert db.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (1,)


def test_a_journaled_unit_may_only_append(db, demo_forum):
    with pytest.raises(RuntimeError):
        db.write(DESK, "checkin.scan", lambda unit: unit.execute("DELETE FROM checkin_event"), journaled=True)
    assert not db._pending and len(journal_lines(db.path)) == 0


def test_a_restore_while_running_keeps_journaled_check_ins_with_the_database_they_belong_to(db, demo_forum,
                                                                                           tmp_path):
    ids, (code,) = codes_of(db, demo_forum, 1)
    before = backup.backup(db, tmp_path / "backup")
    db._stop_mover()
    checkin.scan(db, DESK, demo_forum, code, "Desk 1")
    backup.restore_running(db, before)
    assert db.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (0,)  # as in the backup
    assert not journal.journal_path(db.path + ".before-restore").exists()  # the open journal stayed in place
    db.close()
    db = Database(db.path)  # a restart right after the restore brings nothing of the old database back
    assert db.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (0,)
    assert checkin.scan(db, DESK, demo_forum, code, "Desk 1").status == "checked_in"
    kept = Database(db.path + ".before-restore", journal=False)
    try:
        assert kept.cursor().execute("SELECT participant_id FROM checkin_event").fetchall() == [(ids[0],)]
    finally:
        kept.close()
    db.close()
    again = Database(db.path)  # the journal holds nothing that belongs to the old database
    try:
        assert again.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (1,)
    finally:
        again.close()


def test_a_restore_from_the_command_line_sends_a_crashed_journal_with_the_old_file(db, demo_forum, tmp_path):
    ids, (code,) = codes_of(db, demo_forum, 1)
    before = backup.backup(db, tmp_path / "backup")
    path = db.path
    db.close()
    done = subprocess.run([sys.executable, "-c", CRASH_AFTER_SCANS, path, str(demo_forum), code], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["checked_in"], done.stderr[-800:]
    backup.restore(before, path, force=True)
    restored = Database(path)
    try:
        assert restored.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (0,)
    finally:
        restored.close()
    kept = Database(path + ".before-restore")  # its journal came along and is applied here
    try:
        assert kept.cursor().execute("SELECT participant_id FROM checkin_event").fetchall() == [(ids[0],)]
    finally:
        kept.close()


class CountingConnection:
    """The database's connection, counting the cursors made from it."""

    def __init__(self, con):
        self.con, self.cursors = con, 0

    def cursor(self):
        self.cursors += 1
        return self.con.cursor()

    def __getattr__(self, name):
        return getattr(self.con, name)


def test_after_the_desk_page_warmed_up_a_scan_reads_nothing_from_duckdb(db, demo_forum):
    db._stop_mover()
    _, (first, second) = codes_of(db, demo_forum, 2)
    counting = db._con = CountingConnection(db._con)
    assert checkin.scan(db, DESK, demo_forum, first, "Desk 1").ok
    assert counting.cursors > 0  # a cold scan loads codes, people and who is present
    db.settle()
    db.memo.clear()
    checkin.warm_up(db, demo_forum)
    counting.cursors = 0
    assert checkin.scan(db, DESK, demo_forum, second, "Desk 1").status == "checked_in"
    assert checkin.scan(db, DESK, demo_forum, first, "Desk 1").status == "already_checked_in"
    assert counting.cursors == 0
    with pytest.raises(RuntimeError):  # warming only reads
        db.warm(lambda unit: unit.append("checkin_event", ("forum_id",), (demo_forum,)))


def test_a_record_the_disk_refuses_half_way_leaves_no_half_line(tmp_path, monkeypatch):
    from forum_core.journal import Journal

    jnl = Journal.open(str(tmp_path / "x.duckdb"))
    jnl.append({"seq": 1, "appends": [], "audits": []})
    real_write, calls = journal.os.write, []

    def write_then_disk_full(fd, data):
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real_write(fd, data[:7])  # a short write: 7 bytes got to the file

    monkeypatch.setattr(journal.os, "write", write_then_disk_full)
    with pytest.raises(OSError):
        jnl.append({"seq": 2, "appends": [], "audits": []})
    monkeypatch.undo()
    jnl.append({"seq": 3, "appends": [], "audits": []})
    assert [r["seq"] for r in jnl.records()] == [1, 3]
    jnl.close()
