import subprocess
import sys
import threading

import pytest

from forum_core import schema
from forum_core.db import Actor, Database, DatabaseBusy

ACTOR = Actor("organizer", "test")


def _setting(unit, key, value):
    unit.execute("INSERT INTO app_setting VALUES (?, ?)", [key, value])
    unit.audit("setting", key, None, value)


def test_a_write_commits_and_is_audited(db):
    db.write(ACTOR, "test.set", lambda u: _setting(u, "k", "v"))
    cur = db.cursor()
    assert cur.execute("SELECT value FROM app_setting WHERE key = 'k'").fetchone() == ("v",)
    row = cur.execute("SELECT role, device, action, entity, entity_id, after FROM audit_log").fetchone()
    assert row == ("organizer", "test", "test.set", "setting", "k", '"v"')


def test_a_failing_unit_leaves_nothing_behind(db):
    def work(unit):
        _setting(unit, "k", "v")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        db.write(ACTOR, "test.fail", work)
    cur = db.cursor()
    assert cur.execute("SELECT count(*) FROM app_setting").fetchone() == (0,)
    assert cur.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)


def test_a_unit_without_own_audit_entry_is_still_audited(db):
    db.write(ACTOR, "test.plain", lambda u: u.execute("INSERT INTO app_setting VALUES ('a', 'b')"))
    assert db.cursor().execute("SELECT action FROM audit_log").fetchall() == [("test.plain",)]


def test_concurrent_writers_on_the_same_row_lose_nothing(db):
    """Without the lock DuckDB raises 'Conflict on update' here; with it every increment lands."""
    db.write(ACTOR, "init", lambda u: u.execute("INSERT INTO app_setting VALUES ('counter', '0')"))
    errors = []

    def bump():
        def work(unit):
            value = int(unit.execute("SELECT value FROM app_setting WHERE key = 'counter'").fetchone()[0])
            unit.execute("UPDATE app_setting SET value = ? WHERE key = 'counter'", [str(value + 1)])
        for _ in range(50):
            try:
                db.write(ACTOR, "bump", work)
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
    assert cur.execute("SELECT count(*) FROM audit_log WHERE action = 'bump'").fetchone() == (400,)


def test_migration_runs_once_and_survives_reopening(tmp_path):
    path = tmp_path / "f.duckdb"
    first = Database(path)
    first.write(ACTOR, "x", lambda u: u.execute("INSERT INTO app_setting VALUES ('a', 'b')"))
    first.close()
    second = Database(path)
    cur = second.cursor()
    assert cur.execute("SELECT max(version), count(*) FROM schema_version").fetchone() == (schema.LATEST, schema.LATEST)
    assert cur.execute("SELECT value FROM app_setting").fetchone() == ("b",)
    second.close()


def test_second_process_gets_one_clear_sentence(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
                               str(path)], stdout=subprocess.PIPE, text=True)
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
