"""Backups: the whole database written to a folder of Parquet files, and rebuilt from one.

A backup is made with DuckDB's ``EXPORT DATABASE`` under the write lock, so it is a
consistent moment of the forum: every committed unit of work or none of it. It is a
folder (``schema.sql``, ``load.sql`` and one Parquet file per table) that
``restore`` rebuilds into a new database file with ``IMPORT DATABASE``.

While the app runs, :class:`AutoBackup` writes one every few minutes into
``data/backups/`` and keeps the newest N, so a broken laptop on forum day costs at
most a few minutes of typing.
"""
from __future__ import annotations

import io
import re
import shutil
import threading
import zipfile
from datetime import datetime
from pathlib import Path

from forum_core.db import Database, connect

MARKER = "forum-backup.txt"  # written last: a folder without it is an unfinished backup


class BackupError(Exception):
    """A backup that cannot be read, or a restore that would overwrite a forum without being asked."""

    def __init__(self, code: str, path: str = ""):
        self.code, self.path = code, path
        super().__init__(f"{code}: {path}")


_UNSAFE_IN_LITERAL = re.compile(r"['\\\x00-\x1f]")


def _literal_path(path: Path) -> str:
    """The folder as it stands in EXPORT / IMPORT DATABASE, which take no parameters (DuckDB's
    parser refuses ``?`` there). Instead of escaping, a path that could end or bend the string
    literal (a quote, a backslash, a control character) is refused."""
    text = str(path.resolve())
    if _UNSAFE_IN_LITERAL.search(text):
        raise BackupError("unsafe_path", str(path))
    return text


def backup(db: Database, target: str | Path) -> Path:
    """Write one backup into the folder ``target`` (created; must not hold files yet)."""
    target = Path(target)
    literal = _literal_path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError("target_not_empty", str(target))
    target.mkdir(parents=True, exist_ok=True)
    with db._lock:  # no unit of work commits half-way through the export
        cur = db.cursor()
        try:
            cur.execute("EXPORT DATABASE '" + literal + "' (FORMAT parquet)")
        finally:
            cur.close()
    (target / MARKER).write_text(f"forum-day app backup\nmade {datetime.now().isoformat(timespec='seconds')}\n"
                                 f"from {db.path}\n", encoding="utf-8")
    return target


def is_backup(path: str | Path) -> bool:
    path = Path(path)
    return (path / MARKER).is_file() and (path / "schema.sql").is_file() and (path / "load.sql").is_file()


def restore(source: str | Path, db_path: str | Path, force: bool = False) -> Path:
    """Rebuild a database file from a backup folder.

    An existing database file is only replaced with ``force`` (the page asks first);
    the old file is then kept beside the new one as ``*.before-restore``, with DuckDB's
    write-ahead log as ``*.before-restore.wal`` (DuckDB opens ``X.wal`` with ``X``), so the
    kept copy holds every change committed before a crash."""
    source, db_path = Path(source), Path(db_path)
    literal = _literal_path(source)
    if not is_backup(source):
        raise BackupError("not_a_backup", str(source))
    if db_path.exists() and not force:
        raise BackupError("target_exists", str(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = db_path.with_name(db_path.name + ".restoring")
    for leftover in (building, Path(str(building) + ".wal")):
        leftover.unlink(missing_ok=True)
    con = connect(building)
    try:
        con.execute("IMPORT DATABASE '" + literal + "'")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    wal = Path(str(db_path) + ".wal")
    if db_path.exists() or wal.exists():
        kept = db_path.with_name(db_path.name + ".before-restore")
        kept_wal = Path(str(kept) + ".wal")
        kept.unlink(missing_ok=True)
        kept_wal.unlink(missing_ok=True)  # an older log must never be replayed onto this copy
        if db_path.exists():
            db_path.replace(kept)
        if wal.exists():
            wal.replace(kept_wal)
    building.replace(db_path)
    Database(db_path).close()  # brings an older backup's schema up to date
    return db_path


def restore_running(db: Database, source: str | Path) -> Path:
    """Replace the open database of a running app with a backup (the page asks first).

    The database as it was is kept beside it as ``*.before-restore``."""
    source = Path(source)
    if not is_backup(source):
        raise BackupError("not_a_backup", str(source))
    db.reopen(lambda: restore(source, db.path, force=True))
    return Path(db.path)


def zip_backup(folder: str | Path) -> bytes:
    """A backup folder as one ZIP (for downloading); :func:`unzip_backup` reads it back."""
    folder = Path(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{folder.name}/{file.name}")
    return buffer.getvalue()


def unzip_backup(data: bytes, target: str | Path) -> Path:
    """Unpack a downloaded backup ZIP into ``target``; the folder holding the backup, or
    :class:`BackupError` ``not_a_backup``. Only plain file names are taken (no paths out of ``target``)."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                name = Path(member.filename).name
                if member.is_dir() or not name or name.startswith("."):
                    continue
                (target / name).write_bytes(archive.read(member))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BackupError("not_a_backup", "upload") from None
    if not is_backup(target):
        raise BackupError("not_a_backup", "upload")
    return target


def list_backups(folder: str | Path) -> list[Path]:
    """Finished backups in ``folder``, newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_dir() and is_backup(p)), key=lambda p: p.name, reverse=True)


class AutoBackup:
    """Backups every ``minutes`` into ``folder`` while the app runs, keeping the newest ``keep``."""

    def __init__(self, db: Database, folder: str | Path, minutes: float = 5, keep: int = 12):
        self.db, self.folder, self.minutes, self.keep = db, Path(folder), minutes, keep
        self.last: Path | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="forum-auto-backup", daemon=True)

    def start(self) -> "AutoBackup":
        import atexit

        self._thread.start()
        # At exit, wait for a backup under way: a daemon thread stopped inside DuckDB's
        # C++ code aborts the whole process ("FATAL: exception not rethrown").
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def run_once(self) -> Path:
        name = datetime.now().strftime("backup-%Y%m%d-%H%M%S-%f")
        made = backup(self.db, self.folder / name)
        self.last = made
        for old in list_backups(self.folder)[self.keep:]:
            shutil.rmtree(old, ignore_errors=True)
        return made

    def _loop(self) -> None:
        while not self._stop.wait(self.minutes * 60):
            try:
                self.run_once()
                self.last_error = None
            except Exception as exc:  # a full disk must not stop the forum; the page shows the error
                self.last_error = str(exc)
