"""Restoring a backup into the running app, and backups as downloadable ZIPs."""
import io
import zipfile
from pathlib import Path

import pytest

from forum_core import backup, checkin, report
from forum_core.db import Actor
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
    assert checkin.scan(db, Actor("desk", "Desk 1"), FORUM, code, "Desk 1").status in ("checked_in",
                                                                                       "already_checked_in")
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
        assert con.execute("SELECT key FROM app_setting WHERE value = 'only in the log' ORDER BY 1").fetchall() \
            == [(f"crash-{n}",) for n in range(5)]
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
