"""Restoring a backup into the running app, and backups as downloadable ZIPs."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from forum_core import backup, checkin, report
from forum_core.db import Actor, Database
from tests.conftest import ORGANIZER

FORUM = 1


def table_rows(db) -> dict:
    cur = db.cursor()
    names = [r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return {n: sorted(map(repr, cur.execute("SELECT * FROM " + n).fetchall())) for n in names}


def test_a_running_app_restores_a_backup_and_keeps_working(finished_db, tmp_path):
    db = finished_db
    before = table_rows(db)
    made = backup.backup(db, tmp_path / "b1")
    recs = report.recommendations(db.cursor(), FORUM)
    report.record_answer(db, ORGANIZER, recs[0]["id"], {"status": "included"})  # after the backup
    report.recommendations(db.cursor(), FORUM)
    backup.restore_running(db, made)
    assert table_rows(db) == before  # every table as it was at the backup
    assert report.recommendations(db.cursor(), FORUM)[0]["answer"] is None
    kept = db.path + ".before-restore"
    assert zipfile.is_zipfile(io.BytesIO(backup.zip_backup(made)))
    from pathlib import Path

    assert Path(kept).exists()
    # the same object writes on: memos of the old data are gone
    code = next(iter(checkin.tokens_of_forum(db.cursor(), FORUM).values()))
    assert checkin.scan(db, Actor("desk", "Desk 1"), FORUM, code, "Desk 1").status in (
        "checked_in",
        "already_checked_in",
    )
    assert report.record_answer(db, ORGANIZER, recs[0]["id"], {"status": "partly"}).ok


def test_a_downloaded_zip_unpacks_into_a_restorable_backup(finished_db, tmp_path):
    made = backup.backup(finished_db, tmp_path / "b1")
    folder = backup.unzip_backup(backup.zip_backup(made), tmp_path / "upload")
    assert backup.is_backup(folder)
    restored = backup.restore(folder, tmp_path / "copy.duckdb")
    assert restored.exists()


def test_an_upload_that_is_not_a_backup_changes_nothing(finished_db, tmp_path):
    before = table_rows(finished_db)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escape.txt", "x")  # a name that tries to leave the folder
        archive.writestr("notes.txt", "x")
    with pytest.raises(backup.BackupError) as error:
        backup.unzip_backup(buffer.getvalue(), tmp_path / "upload")
    assert error.value.code == "not_a_backup"
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path.parent / "escape.txt").exists()
    with pytest.raises(backup.BackupError):
        backup.unzip_backup(b"garbage", tmp_path / "upload2")
    with pytest.raises(backup.BackupError):
        backup.restore_running(finished_db, tmp_path / "upload")
    assert table_rows(finished_db) == before


# --- the write-ahead log goes with the kept copy ---------------------------------------------------------

CRASH_WITH_A_WAL = """
import os, sys
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET wal_autocheckpoint = '1TB'")
con.execute("PRAGMA disable_checkpoint_on_shutdown")
for n in range(5):
    con.execute("INSERT INTO app_setting VALUES (?, 'only in the log')", [f"crash-{n}"])
con.execute("UPDATE forum SET title = 'renamed just before the crash'")
os._exit(0)  # no checkpoint, no clean close: the changes are committed in forum.duckdb.wal only
"""


def test_a_restore_keeps_the_write_ahead_log_with_the_copy_it_keeps(forum_id, db, tmp_path):
    import subprocess
    import sys

    import duckdb

    made = backup.backup(db, tmp_path / "bk")
    path = Path(db.path)
    db.close()
    subprocess.run([sys.executable, "-c", CRASH_WITH_A_WAL, str(path)], check=True, timeout=60)
    wal = Path(str(path) + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    crash_log = wal.read_bytes()

    backup.restore(made, path, force=True)
    kept = path.with_name("forum.duckdb.before-restore")
    assert kept.exists() and Path(str(kept) + ".wal").exists() and not wal.exists()
    con = duckdb.connect(str(kept))  # the kept copy alone, as DuckDB opens it: X with X.wal
    try:
        assert con.execute("SELECT key FROM app_setting WHERE value = 'only in the log' ORDER BY 1").fetchall() == [
            (f"crash-{n}",) for n in range(5)
        ]
        assert con.execute("SELECT title FROM forum").fetchall() == [("renamed just before the crash",)]
        assert con.execute("SELECT count(*) FROM working_group").fetchone() == (3,)  # and what was checkpointed
    finally:
        con.close()
    con = duckdb.connect(str(path))  # the restored file is the backup, without the crash's changes
    try:
        assert con.execute("SELECT count(*) FROM app_setting WHERE value = 'only in the log'").fetchone() == (0,)
        assert con.execute("SELECT title FROM forum").fetchone()[0] != "renamed just before the crash"
    finally:
        con.close()

    # a second restore keeps the first restore's file; a kept log left from before never meets it
    Path(str(kept) + ".wal").write_bytes(crash_log)
    backup.restore(made, path, force=True)
    assert not Path(str(kept) + ".wal").exists()
    con = duckdb.connect(str(kept))
    try:
        assert con.execute("SELECT count(*) FROM app_setting WHERE value = 'only in the log'").fetchone() == (0,)
    finally:
        con.close()


# --- a restore runs nothing from the backup -------------------------------------------------------------


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_a_restore_runs_no_sql_from_the_backup(forum_id, db, tmp_path):
    made = backup.backup(db, tmp_path / "bk")
    pwned, attached = tmp_path / "pwned.csv", tmp_path / "attached.duckdb"
    evil = (
        f"COPY (SELECT 42) TO '{pwned}';\n"
        f"ATTACH '{attached}' AS evil;\nCREATE TABLE evil.t AS SELECT 1;\n"
        "INSTALL httpfs;\nLOAD httpfs;\nCREATE TABLE planted (a INTEGER);\n"
    )
    for name in ("schema.sql", "load.sql"):
        (made / name).write_text(evil, encoding="utf-8")
    before = files_under(tmp_path)

    restored = backup.restore(made, tmp_path / "out" / "forum.duckdb")

    assert not pwned.exists() and not attached.exists()
    assert files_under(tmp_path) - before == {"out", "out/forum.duckdb"}  # nothing written anywhere else
    expected = table_rows(db)
    db.close()
    again = Database(restored)
    try:
        assert table_rows(again) == expected  # every table as it was, and no table "planted"
    finally:
        again.close()


# --- what a restore refuses -----------------------------------------------------------------------------


def write_parquet(path: Path, select: str) -> None:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()


def parquet_without(path: Path, column: str) -> None:
    """Rewrite a backup's Parquet file without one column."""
    copy = path.with_suffix(".tmp")
    path.rename(copy)
    write_parquet(path, f"SELECT * EXCLUDE ({column}) FROM read_parquet('{copy}')")
    copy.unlink()


def test_a_backup_with_an_unknown_table_or_column_is_refused_and_changes_no_file(forum_id, db, tmp_path):
    import duckdb

    from forum_core import schema

    made = backup.backup(db, tmp_path / "bk")
    target = tmp_path / "live" / "forum.duckdb"  # the forum in use: it must stay as it is
    target.parent.mkdir()
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE kept AS SELECT 1 AS a")
    con.close()
    original = target.read_bytes()

    def spoil(name: str, change) -> Path:
        folder = tmp_path / name
        shutil.copytree(made, folder)
        change(folder)
        return folder

    cases = {
        "unknown_table": lambda f: write_parquet(f / "intruder.parquet", "SELECT 1 AS a"),
        "unknown_column": lambda f: write_parquet(
            f / "app_setting.parquet", "SELECT 'k' AS key, 'v' AS value, 'x' AS evil"
        ),
        "missing_column": lambda f: parquet_without(f / "forum.parquet", "title"),  # NOT NULL, no default
        "unknown_file": lambda f: (f / "notes.txt").write_text("x"),
        "missing_table": lambda f: (f / "problem.parquet").unlink(),
        "newer_version": lambda f: write_parquet(
            f / "schema_version.parquet", f"SELECT {schema.LATEST + 1} AS version, now()::TIMESTAMP AS applied_at"
        ),
        "bad_data": lambda f: write_parquet(  # two rows with one key: refused by the table, after it was begun
            f / "app_setting.parquet", "SELECT 'same' AS key, 'v' AS value FROM range(2)"
        ),
    }
    for code, change in cases.items():
        folder = spoil(code, change)
        with pytest.raises(backup.BackupError) as refused:
            backup.restore(folder, target, force=True)
        assert refused.value.code == code
        assert target.read_bytes() == original, code
        assert sorted(p.name for p in target.parent.iterdir()) == ["forum.duckdb"], code  # no other file
    with pytest.raises(backup.BackupError) as refused:
        backup.restore(
            spoil("fresh", lambda f: write_parquet(f / "intruder.parquet", "SELECT 1 AS a")),
            tmp_path / "new" / "forum.duckdb",
        )
    assert refused.value.code == "unknown_table" and list((tmp_path / "new").iterdir()) == []


def test_a_column_the_table_can_fill_may_be_missing(forum_id, db, tmp_path):
    import duckdb

    made = backup.backup(db, tmp_path / "bk")
    parquet_without(made / "forum.parquet", "goals")  # nullable
    parquet_without(made / "forum.parquet", "organizers")  # NOT NULL DEFAULT ''
    restored = backup.restore(made, tmp_path / "out.duckdb")
    con = duckdb.connect(str(restored))
    try:
        assert con.execute("SELECT goals, organizers, title FROM forum").fetchall() == [(None, "", "სატესტო ფორუმი")]
    finally:
        con.close()


def test_ids_continue_after_the_largest_restored_id(finished_db, tmp_path):
    import duckdb

    made = backup.backup(finished_db, tmp_path / "bk")
    restored = backup.restore(made, tmp_path / "out.duckdb")
    con = duckdb.connect(str(restored))
    try:
        defaults = con.execute(
            "SELECT c.table_name, c.column_name, c.column_default FROM duckdb_columns() c "
            "JOIN duckdb_tables() t USING (table_name) "
            "WHERE c.column_default LIKE 'nextval(%'"
        ).fetchall()
        assert len(defaults) >= 15
        for table, column, default in defaults:
            highest = con.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()[0]
            assert con.execute(f"SELECT {default}").fetchone()[0] == highest + 1, table
        before = con.execute("SELECT max(id) FROM participant").fetchone()[0]
        new = con.execute(
            "INSERT INTO participant (forum_id, first_name, last_name, source, search_key, version, "
            "created_at, updated_at) VALUES (1, 'a', 'b', 'test', 'a b', 1, now(), now()) "
            "RETURNING id"
        ).fetchone()[0]
        assert new > before + 1  # the nextval above took before + 1
    finally:
        con.close()


def test_a_backup_of_an_older_schema_is_brought_up_to_date(tmp_path):
    """Loaded at its own schema version, then every later migration runs, data migrations too."""
    from datetime import datetime

    import duckdb

    from forum_core import schema

    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    schema.current_version(con)
    for statement in schema.MIGRATIONS[0]:  # a database of version 1: no tokens, no later columns
        con.execute(statement)
    con.execute("INSERT INTO schema_version VALUES (1, ?)", [datetime(2026, 1, 1)])
    con.execute(
        "INSERT INTO forum (title, municipality, forum_date, venue, start_time, duration_min, "
        "pebbles_per_participant, priorities_per_group, token_secret, created_at, updated_at) "
        "VALUES ('ძველი', 'თელავი', DATE '2026-05-30', 'დარბაზი', TIME '11:00', 240, 3, 5, 'secret', "
        "now(), now())"
    )
    con.execute(
        "INSERT INTO participant (forum_id, first_name, last_name, source, search_key, version, "
        "created_at, updated_at) SELECT 1, 'გიორგი', 'ბერიძე', 'manual', 'giorgi beridze', 1, now(), now() "
        "FROM range(3)"
    )
    folder = tmp_path / "bk"
    con.execute(f"EXPORT DATABASE '{folder}' (FORMAT parquet)")
    con.close()
    (folder / backup.MARKER).write_text("forum-day app backup\n")

    restored = backup.restore(folder, tmp_path / "new.duckdb")
    con = duckdb.connect(str(restored))
    try:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        assert versions == list(range(1, schema.LATEST + 1))
        assert con.execute("SELECT applied_at FROM schema_version WHERE version = 1").fetchone()[0] == datetime(
            2026, 1, 1
        )  # the backup's own history
        assert con.execute("SELECT title, organizers, flagged_in_vote FROM forum").fetchall() == [("ძველი", "", False)]
        # migration 2 issued a token to each participant, as it does for an old database at start-up
        assert con.execute("SELECT count(DISTINCT participant_id) FROM participant_token").fetchone() == (3,)
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'journal_applied'").fetchone()[0]:
            assert con.execute("SELECT * FROM journal_applied").fetchall() == [(0,)]
        assert con.execute("SELECT nextval('participant_id_seq')").fetchone() == (4,)
    finally:
        con.close()


# --- ZIP uploads ----------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(finished_db, tmp_path):
    import time
    import tracemalloc

    made = backup.backup(finished_db, tmp_path / "bk")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(made.iterdir()):
            if file.name != "participant.parquet":
                archive.write(file, f"bk/{file.name}")
        with archive.open("bk/participant.parquet", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(300):  # 300 MB of zeros in about 300 KB
                member.write(zeros)
    bomb = buffer.getvalue()
    assert len(bomb) < 2_000_000
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(backup.BackupError) as refused:
            backup.unzip_backup(bomb, tmp_path / "upload")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.code == "too_large"
    assert time.monotonic() - started < 2 and peak < 20_000_000
    assert not (tmp_path / "upload").exists()  # nothing unpacked


def test_a_zip_over_the_total_limit_is_refused(finished_db, tmp_path, monkeypatch):
    made = backup.backup(finished_db, tmp_path / "bk")
    data = backup.zip_backup(made)
    total = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(backup, "MAX_UNZIPPED_BYTES", total - 1)
    with pytest.raises(backup.BackupError) as refused:
        backup.unzip_backup(data, tmp_path / "upload")
    assert refused.value.code == "too_large" and not (tmp_path / "upload").exists()
    monkeypatch.setattr(backup, "MAX_UNZIPPED_BYTES", total)
    assert backup.is_backup(backup.unzip_backup(data, tmp_path / "upload"))


@pytest.mark.parametrize(
    "name",
    [
        "../evil.parquet",
        "bk/../../evil.parquet",
        "/tmp/evil.parquet",
        "..\\evil.parquet",
        "C:/evil.parquet",
        "C:\\evil.parquet",
    ],
)
def test_a_zip_with_a_path_out_of_the_folder_is_refused(finished_db, tmp_path, name):
    made = backup.backup(finished_db, tmp_path / "bk")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(made.iterdir()):
            archive.write(file, f"bk/{file.name}")
        archive.writestr(name, "x")
    with pytest.raises(backup.BackupError) as refused:
        backup.unzip_backup(buffer.getvalue(), tmp_path / "upload" / "in")
    assert refused.value.code == "not_a_backup"
    assert not (tmp_path / "upload").exists() and not (tmp_path / "evil.parquet").exists()


def test_a_backup_a_person_takes_and_a_restore_are_in_the_audit_trail(finished_db, tmp_path):
    """A backup holds everyone's personal data, and a restore undoes work: neither was in the audit
    trail (a browser tour). The automatic backups, every few minutes, are not."""
    from forum_core import audit

    db = finished_db
    auto = backup.backup(db, tmp_path / "auto")
    assert audit.entries(db.cursor(), FORUM, kind="backup") == []
    made = backup.backup(db, tmp_path / "b1", ORGANIZER)
    (taken,) = audit.entries(db.cursor(), FORUM, kind="backup")
    assert (taken["action"], taken["device"], taken["after"]) == ("backup.make", ORGANIZER.device, {"file": "b1"})
    backup.restore_running(db, made, ORGANIZER, "forum-1 Dec.zip")
    (restored,) = audit.entries(db.cursor(), FORUM, kind="backup")  # the backup's own moment: before its entry
    assert restored["action"] == "backup.restore" and restored["after"]["file"] == "forum-1 Dec.zip"
    made_at = restored["after"]["made"]  # when the backup was made: its own entry is not in it
    assert made_at == (made / backup.MARKER).read_text().splitlines()[1].removeprefix("made ")
    said = audit.sentence("en", restored)
    assert "forum-1 Dec.zip" in said and f"made: {made_at[:16].replace('T', ' ')}" in said, said
    assert audit.sentence("ka", restored).startswith("მონაცემები აღდგა")
    assert auto.exists()
