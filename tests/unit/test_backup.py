"""Restoring a backup into the running app, and backups as downloadable ZIPs."""
import io
import zipfile

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
