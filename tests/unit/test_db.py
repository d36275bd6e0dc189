"""The unit of work: one transaction under the process lock, audited, role and group checked."""

import json
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest

from forum_core import schema
from forum_core.db import Actor, Database, DatabaseBusy, NotAllowed
from forum_core.vocabulary import Action, Reason

ACTOR = Actor("organizer", "test")
A = Action.FORUM_SELECT  # any organizer action serves these tests


def _setting(u, key, value):
    u.insert("app_setting", {"key": key, "value": value})
    u.audit("setting", key, None, value)


def test_a_unit_commits_and_is_audited(db):
    with db.unit(ACTOR, A) as u:
        _setting(u, "k", "v")
    cur = db.cursor()
    assert cur.execute("SELECT value FROM app_setting WHERE key = 'k'").fetchone() == ("v",)
    row = cur.execute("SELECT role, device, action, entity, entity_id, after FROM audit_log").fetchone()
    assert row == ("organizer", "test", "forum.select", "setting", "k", '"v"')


def test_a_failing_unit_leaves_nothing_behind(db):
    with pytest.raises(RuntimeError), db.unit(ACTOR, A) as u:
        _setting(u, "k", "v")
        raise RuntimeError("boom")
    cur = db.cursor()
    assert cur.execute("SELECT count(*) FROM app_setting").fetchone() == (0,)
    assert cur.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)


def test_a_refused_unit_leaves_nothing_behind(db):
    with db.unit(ACTOR, A) as u:
        _setting(u, "k", "v")
        outcome = u.refuse(Reason.INVALID)
    assert outcome.reason is Reason.INVALID and not outcome.ok
    assert db.cursor().execute("SELECT count(*) FROM app_setting").fetchone() == (0,)
    assert db.cursor().execute("SELECT count(*) FROM audit_log").fetchone() == (0,)


def test_a_unit_without_own_audit_entry_is_still_audited(db):
    with db.unit(ACTOR, A) as u:
        u.insert("app_setting", {"key": "a", "value": "b"})
    assert db.cursor().execute("SELECT action FROM audit_log").fetchall() == [("forum.select",)]


def test_units_write_only_through_declared_helpers(db):
    """A writing statement through execute is refused: the unit must name what it writes."""
    with pytest.raises(RuntimeError, match="insert/update/delete"), db.unit(ACTOR, A) as u:
        u.execute("INSERT INTO app_setting VALUES ('a', 'b')")
    assert db.cursor().execute("SELECT count(*) FROM app_setting").fetchone() == (0,)


def test_unknown_actions_and_reasons_are_programming_errors(db):
    with pytest.raises(ValueError), db.unit(ACTOR, "test.anything"):
        pass
    from forum_core.validation import Outcome

    with pytest.raises(ValueError):
        Outcome(False, "some_new_reason")


def test_the_role_is_checked_before_anything_runs(db):
    with pytest.raises(NotAllowed) as refused, db.unit(Actor("desk", "d1"), Action.FORUM_UPDATE):
        pytest.fail("the unit must not run")
    assert refused.value.reason is Reason.NOT_ALLOWED
    assert db.attempt(Actor("public"), Action.PARTICIPANT_ADD, lambda u: pytest.fail("ran")).reason == "not_allowed"


def test_a_group_role_may_change_only_its_own_group(db):
    facilitator = Actor("facilitator", "tablet", group_id=1)
    with db.unit(facilitator, Action.PROBLEM_ADD, group_id=1) as u:
        u.insert("app_setting", {"key": "mine", "value": "1"})
    with pytest.raises(NotAllowed) as refused, db.unit(facilitator, Action.PROBLEM_ADD, group_id=2) as u:
        pytest.fail("the unit must not run")
    assert refused.value.reason is Reason.OUTSIDE_GROUP
    # the organizer is bound to no group
    with db.unit(ACTOR, Action.PROBLEM_ADD, group_id=2):
        pass
    assert db.cursor().execute("SELECT key FROM app_setting").fetchall() == [("mine",)]


def test_the_read_cache_follows_declared_writes(db):
    computed = []

    def compute(cur):
        computed.append(1)
        return cur.execute("SELECT count(*) FROM app_setting").fetchone()[0]

    assert db.read_through("n", ("app_setting",), compute) == 0
    assert db.read_through("n", ("app_setting",), compute) == 0
    assert len(computed) == 1
    with db.unit(ACTOR, A) as u:  # names another table: the cached value stands
        u.update("forum", {"title": "x"}, "id = ?", [-1])
    assert db.read_through("n", ("app_setting",), compute) == 0
    assert len(computed) == 1
    with db.unit(ACTOR, A) as u:
        u.insert("app_setting", {"key": "a", "value": "b"})
    assert db.read_through("n", ("app_setting",), compute) == 1
    assert len(computed) == 2
    with db.unit(ACTOR, A) as u:
        _setting(u, "c", "d")
        u.rollback()  # nothing committed: the cached value stands
    assert db.read_through("n", ("app_setting",), compute) == 1
    assert len(computed) == 2


def test_concurrent_writers_on_the_same_row_lose_nothing(db):
    """Without the lock DuckDB raises 'Conflict on update' here; with it every increment lands."""
    with db.unit(ACTOR, A) as u:
        u.insert("app_setting", {"key": "counter", "value": "0"})
    errors = []

    def bump():
        for _ in range(50):
            try:
                with db.unit(ACTOR, Action.FORUM_UPDATE) as u:
                    value = int(u.execute("SELECT value FROM app_setting WHERE key = 'counter'").fetchone()[0])
                    u.update("app_setting", {"value": str(value + 1)}, "key = 'counter'")
            except Exception as exc:  # pragma: no cover - the assertion below reports it
                errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    cur = db.cursor()
    assert cur.execute("SELECT value FROM app_setting WHERE key = 'counter'").fetchone() == ("400",)
    assert cur.execute("SELECT count(*) FROM audit_log WHERE action = 'forum.update'").fetchone() == (400,)


def test_migration_runs_once_and_survives_reopening(tmp_path):
    path = tmp_path / "f.duckdb"
    first = Database(path)
    with first.unit(ACTOR, A) as u:
        u.insert("app_setting", {"key": "a", "value": "b"})
    first.close()
    second = Database(path)
    cur = second.cursor()
    assert cur.execute("SELECT max(version), count(*) FROM schema_version").fetchone() == (schema.LATEST, schema.LATEST)
    assert cur.execute("SELECT value FROM app_setting").fetchone() == ("b",)
    second.close()


def test_a_close_without_checkpoint_keeps_the_committed_rows_in_the_wal(tmp_path):
    """The tests' throwaway copies close this way; the rows are still there when it is opened again."""
    path = tmp_path / "f.duckdb"
    first = Database(path)
    with first.unit(ACTOR, A) as u:
        _setting(u, "k", "v")
    first.close(checkpoint=False)
    assert (tmp_path / "f.duckdb.wal").exists()  # not written into the file
    second = Database(path)
    assert second.cursor().execute("SELECT value FROM app_setting WHERE key = 'k'").fetchone() == ("v",)
    second.close()
    assert not (tmp_path / "f.duckdb.wal").exists()  # a plain close writes it in


def test_a_clean_stop_leaves_only_the_database_file(tmp_path, demo_forum, db):
    """Nothing beside the database that a later database could replay (the journal is gone)."""
    from forum_core import checkin

    code = next(iter(checkin.tokens_of_forum(db.cursor(), demo_forum).values()))
    assert checkin.scan(db, Actor("desk", "d1"), demo_forum, code, "d1").status == "checked_in"
    db.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["forum.duckdb"], names


def test_second_process_gets_one_clear_sentence(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseBusy) as busy:
            Database(path)
        message = str(busy.value)
        assert f"PID {holder.pid}" in message
        assert "in use by another program" in message
        assert "\n" not in message
    finally:
        holder.kill()
        holder.wait()


# --- a check-in journal left by the previous version ------------------------------------------


def _journal_line(seq, participant_id, at, forum_id=1):
    stamp = {"$datetime": at.isoformat()}
    return (
        json.dumps(
            {
                "seq": seq,
                "appends": [
                    [
                        "checkin_event",
                        [
                            "forum_id",
                            "participant_id",
                            "kind",
                            "method",
                            "happened_at",
                            "recorded_at",
                            "desk",
                            "role",
                            "device",
                        ],
                        [forum_id, participant_id, "check_in", "scan", stamp, stamp, "Desk 1", "desk", "d1"],
                    ]
                ],
                "audits": [[stamp, forum_id, "desk", "d1", "checkin.scan", "scan", str(participant_id), None, "{}"]],
            }
        )
        + "\n"
    )


def _reopen(db):
    db.close()
    return Database(db.path)


def test_a_leftover_journal_is_applied_once_then_removed(db, demo_forum):
    soon = datetime.now() + timedelta(seconds=1)
    journal = db.path + ".journal"
    with open(journal, "w") as fh:
        fh.write(_journal_line(1, 1, soon) + _journal_line(2, 2, soon) + '{"seq": 3, "appends": [[')  # torn last
    db = _reopen(db)
    cur = db.cursor()
    assert sorted(r[0] for r in cur.execute("SELECT participant_id FROM present_participant").fetchall()) == [1, 2]
    assert cur.execute("SELECT count(*) FROM audit_log WHERE action = 'checkin.scan'").fetchone() == (2,)
    import os

    assert not os.path.exists(journal)
    db = _reopen(db)  # once only
    assert db.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (2,)
    db.close()


def test_a_rehearsal_journal_never_lands_in_a_new_database(tmp_path):
    """The ghost check-ins: a journal older than the database file is not replayed into it."""
    from forum_core import demo

    path = tmp_path / "forum.duckdb"
    with open(str(path) + ".journal", "w") as fh:
        fh.write(_journal_line(1, 1, datetime.now() - timedelta(days=1)))
    db = Database(path)
    demo.load_demo(db, ACTOR)
    assert db.cursor().execute("SELECT count(*) FROM checkin_event").fetchone() == (0,)
    db.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forum.duckdb"]


def test_a_record_that_cannot_be_applied_is_set_aside_and_start_up_goes_on(db, demo_forum):
    soon = datetime.now() + timedelta(seconds=1)
    bad = json.loads(_journal_line(2, 1, soon))
    bad["appends"][0][0] = "participant"  # not something the old journal ever held
    with open(db.path + ".journal", "w") as fh:
        fh.write(_journal_line(1, 3, soon) + json.dumps(bad) + "\n")
    db = _reopen(db)
    assert [r[0] for r in db.cursor().execute("SELECT participant_id FROM present_participant").fetchall()] == [3]
    with open(db.path + ".journal.set-aside") as fh:
        assert json.loads(fh.read())["seq"] == 2
    db.close()
