"""Backups: the whole database written to a folder of Parquet files, and rebuilt from one.

A backup is made with DuckDB's ``EXPORT DATABASE`` under the write lock, so it is a
consistent moment of the forum: every committed unit of work or none of it. It is a
folder: ``schema.sql``, ``load.sql`` (both DuckDB's, kept for people and other tools) and
one Parquet file per table, ``<table>.parquet``.

A restore never runs anything from the backup: a backup may come from a downloaded ZIP,
and ``schema.sql`` / ``load.sql`` could hold any SQL (``COPY ... TO`` a file, ``ATTACH``,
``INSTALL``). ``restore`` instead builds a new database file with the app's own
migrations, up to the schema version the backup was made at (its ``schema_version``
table), reads each table's Parquet file into the table of that name, checking its columns,
and then brings the file up to the newest schema with the remaining migrations, which fill
in columns and rows added since (as they do for an old database at start-up). The
connection that builds the file may read files only in the backup's folder.

While the app runs, :class:`AutoBackup` writes one every few minutes into
``data/backups/`` and keeps the newest N, so a broken laptop on forum day costs at
most a few minutes of typing.
"""

from __future__ import annotations

import atexit
import dataclasses
import io
import os
import re
import shutil
import threading
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath

import duckdb

from forum_core import schema
from forum_core.db import Actor, Database, connect
from forum_core.vocabulary import Action

MARKER = "forum-backup.txt"  # written last: a folder without it is an unfinished backup
SQL_FILES = ("schema.sql", "load.sql")  # written by EXPORT DATABASE; never read by a restore
MAX_UNZIPPED_BYTES = 1 << 30  # a backup ZIP holding more than this is refused before unpacking
MAX_RATIO = 200  # nor is one whose member is compressed more than this (a ZIP bomb)
_RATIO_FROM = 1 << 20  # small members (schema.sql, empty tables) may compress well


class BackupError(Exception):
    """A backup that cannot be read, or a restore that would overwrite a forum without being asked.

    ``code`` says what (``not_a_backup``, ``target_exists``, ``unsafe_path``, ``too_large``,
    ``newer_version``, ``unknown_file``, ``unknown_table``, ``missing_table``,
    ``unknown_column``, ``missing_column``, ``bad_data``); ``path`` where; ``detail`` is
    DuckDB's message or the column for the log and the command line."""

    def __init__(self, code: str, path: str = "", detail: str = ""):
        self.code, self.path, self.detail = code, path, detail
        super().__init__(f"{code}: {path}" + (f" ({detail})" if detail else ""))


_UNSAFE_IN_LITERAL = re.compile(r"['\\\x00-\x1f]")
_GLOB = re.compile(r"[*?\[]")  # read_parquet expands these in a path
_NEXTVAL = re.compile(r"^nextval\('([A-Za-z_][A-Za-z0-9_]*)'\)$")


def _literal_path(path: Path) -> str:
    """The folder as it stands in EXPORT DATABASE, which takes no parameters (DuckDB's
    parser refuses ``?`` there). Instead of escaping, a path that could end or bend the string
    literal (a quote, a backslash, a control character) is refused."""
    text = str(path.resolve())
    if _UNSAFE_IN_LITERAL.search(text):
        raise BackupError("unsafe_path", str(path))
    return text


def backup(db: Database, target: str | Path, actor: Actor | None = None) -> Path:
    """Write one backup into the folder ``target`` (created; must not hold files yet). A backup a
    person made (``actor``) is in the audit trail: it holds everyone's personal data. The automatic
    ones, every few minutes, are not."""
    target = Path(target)
    literal = _literal_path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError("target_not_empty", str(target))
    target.mkdir(parents=True, exist_ok=True)
    with db.between_units() as cur:  # no unit of work commits half-way through the export
        cur.execute("EXPORT DATABASE '" + literal + "' (FORMAT parquet)")
    (target / MARKER).write_text(
        f"forum-day app backup\nmade {datetime.now().isoformat(timespec='seconds')}\nfrom {db.path}\n", encoding="utf-8"
    )
    if actor is not None:
        with db.unit(actor, Action.BACKUP_MAKE) as unit:
            unit.audit("backup", None, None, {"file": target.name})
    return target


def dated_name() -> str:
    """A backup's folder (and downloaded ZIP's) name: when it was made, "backup-20270528-101500-…"."""
    return datetime.now().strftime("backup-%Y%m%d-%H%M%S-%f")


def is_backup(path: str | Path) -> bool:
    path = Path(path)
    return (path / MARKER).is_file() and all((path / name).is_file() for name in SQL_FILES)


def _quote(name: str) -> str:
    """An identifier (a table, column or sequence of the database's own catalog, which the
    migrations made; never text from a backup): quoted, since identifiers cannot be parameters."""
    return '"' + name.replace('"', '""') + '"'


def _parquet_files(source: Path) -> dict[str, Path]:
    """The backup's tables by name, from its file names; any other file is refused."""
    tables: dict[str, Path] = {}
    for entry in sorted(source.iterdir()):
        if entry.name in (MARKER, *SQL_FILES) and entry.is_file() and not entry.is_symlink():
            continue
        if entry.suffix != ".parquet" or entry.is_symlink() or not entry.is_file():
            raise BackupError("unknown_file", str(entry))
        tables[entry.stem] = entry
    return tables


def _read_version(con: duckdb.DuckDBPyConnection, files: dict[str, Path], source: Path) -> int:
    """The schema version the backup was made at: the newest in its ``schema_version``."""
    if "schema_version" not in files:
        raise BackupError("not_a_backup", str(source))
    path = str(files["schema_version"])
    try:
        row = con.execute(
            "SELECT max(CAST(version AS INTEGER)) FROM read_parquet(?, hive_partitioning = false)", [path]
        ).fetchone()
    except duckdb.Error as exc:
        raise BackupError("bad_data", path, str(exc)) from None
    version = row[0] if row else None
    if version is None or version < 1:
        raise BackupError("not_a_backup", path)
    if version > schema.LATEST:
        raise BackupError("newer_version", path, f"schema version {version}, this app knows {schema.LATEST}")
    return int(version)


def _known_tables(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, tuple[bool, bool]]]:
    """Each table of the database: its columns in order, each as (nullable, has a default)."""
    rows = con.execute(
        "SELECT table_name, column_name, is_nullable, column_default IS NOT NULL FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND table_name IN "
        "(SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main') "
        "ORDER BY table_name, column_index"
    ).fetchall()
    tables: dict[str, dict[str, tuple[bool, bool]]] = {}
    for table, column, nullable, has_default in rows:
        tables.setdefault(table, {})[column] = (bool(nullable), bool(has_default))
    return tables


def _load_tables(con: duckdb.DuckDBPyConnection, files: dict[str, Path]) -> None:
    """Each table from its Parquet file, after checking that file's columns.

    Columns the table does not have are refused (``unknown_column``: a backup of another
    schema or a crafted file). A column the file lacks is refused (``missing_column``)
    unless the table can fill it: nullable or with a default. Rows the migrations made
    (``journal_applied``'s mark, ``schema_version``) give way to the backup's."""
    known = _known_tables(con)
    for name, path in files.items():
        if name not in known:
            raise BackupError("unknown_table", str(path), name)
    for name in known:
        if name not in files:
            raise BackupError("missing_table", name)
    plan = []
    for name, columns in known.items():
        path = str(files[name])
        try:
            present = [
                r[0]
                for r in con.execute(
                    "DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = false)", [path]
                ).fetchall()
            ]
        except duckdb.Error as exc:
            raise BackupError("bad_data", path, str(exc)) from None
        for column in present:
            if column not in columns:
                raise BackupError("unknown_column", path, f"{name}.{column}")
        for column, (nullable, has_default) in columns.items():
            if column not in present and not nullable and not has_default:
                raise BackupError("missing_column", path, f"{name}.{column}")
        plan.append((name, path, [c for c in columns if c in present]))
    con.execute("BEGIN TRANSACTION")
    try:
        for name, path, columns in plan:
            listed = ", ".join(_quote(c) for c in columns)
            con.execute("DELETE FROM " + _quote(name))
            con.execute(
                f"INSERT INTO {_quote(name)} ({listed}) "
                f"SELECT {listed} FROM read_parquet(?, hive_partitioning = false)",
                [path],
            )
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise BackupError("bad_data", str(path), str(exc)) from None


def _continue_sequences(con: duckdb.DuckDBPyConnection) -> None:
    """Each id sequence starts after the largest id loaded, so new rows get fresh ids.

    DuckDB has no ``ALTER SEQUENCE ... RESTART`` and will not drop a sequence a column's
    default uses: the defaults are taken off, the sequence made anew, and the defaults put back.

    DDL takes no parameters: the table, column and sequence names and the defaults below come
    from the catalog of the database the app's own migrations just built (never from the
    backup), and are quoted as identifiers; the start is an integer."""
    users: dict[str, list[tuple[str, str, str]]] = {}
    for table, column, default in con.execute(
        "SELECT table_name, column_name, column_default FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND column_default LIKE 'nextval(%'"
    ).fetchall():
        match = _NEXTVAL.match(default)
        if match:
            users.setdefault(match.group(1), []).append((table, column, default))
    for sequence, columns in users.items():
        highest = None
        for table, column, _ in columns:
            value = con.execute(f"SELECT max({_quote(column)}) FROM {_quote(table)}").fetchone()[0]
            if value is not None and (highest is None or value > highest):
                highest = value
        if highest is None:
            continue
        used = con.execute(
            "SELECT last_value FROM duckdb_sequences() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND sequence_name = ?",
            [sequence],
        ).fetchone()
        if used and used[0] is not None and used[0] >= highest:
            continue
        for table, column, _ in columns:
            con.execute(f"ALTER TABLE {_quote(table)} ALTER COLUMN {_quote(column)} DROP DEFAULT")
        con.execute("DROP SEQUENCE " + _quote(sequence))
        con.execute(f"CREATE SEQUENCE {_quote(sequence)} START {int(highest) + 1}")
        for table, column, default in columns:
            con.execute(f"ALTER TABLE {_quote(table)} ALTER COLUMN {_quote(column)} SET DEFAULT {default}")


def _build(source: Path, building: Path) -> None:
    """Write the database file ``building`` from the backup folder ``source`` (see the module's text)."""
    folder = str(source.resolve())
    if _GLOB.search(folder):
        raise BackupError("unsafe_path", str(source))
    files = {name: path.resolve() for name, path in _parquet_files(source).items()}
    con = connect(building)
    try:
        # This connection reads the backup's Parquet files and nothing else on the disk.
        con.execute("SET allowed_directories = ?", [[folder.rstrip(os.sep) + os.sep]])
        con.execute("SET enable_external_access = false")
        version = _read_version(con, files, source)
        schema.migrate(con, up_to=version)
        _load_tables(con, files)
        _continue_sequences(con)
        schema.migrate(con)  # the migrations since the backup: new columns get their defaults
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _remove_database_file(path: Path) -> None:
    path.unlink(missing_ok=True)
    Path(str(path) + ".wal").unlink(missing_ok=True)
    shutil.rmtree(Path(str(path) + ".tmp"), ignore_errors=True)


def restore(source: str | Path, db_path: str | Path, force: bool = False) -> Path:
    """Rebuild a database file from a backup folder (no SQL or code of the backup is run).

    An existing database file is only replaced with ``force`` (the page asks first);
    the old file is then kept beside the new one as ``*.before-restore``, with DuckDB's
    write-ahead log as ``*.before-restore.wal`` (DuckDB opens ``X.wal`` with ``X``), so the
    kept copy holds every change committed before a crash. A backup that is refused
    leaves every file as it was."""
    source, db_path = Path(source), Path(db_path)
    if not is_backup(source):
        raise BackupError("not_a_backup", str(source))
    if db_path.exists() and not force:
        raise BackupError("target_exists", str(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = db_path.with_name(db_path.name + ".restoring")
    _remove_database_file(building)
    try:
        _build(source, building)
    except BaseException:
        _remove_database_file(building)
        raise
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
    building_wal = Path(str(building) + ".wal")
    if building_wal.exists():  # none after the checkpoint; if there is one, it belongs to the new file
        building_wal.replace(wal)
    return db_path


def restore_running(db: Database, source: str | Path, actor: Actor | None = None, name: str | None = None) -> Path:
    """Replace the open database of a running app with a backup (the page asks first).

    The database as it was is kept beside it as ``*.before-restore``. The restored database's
    audit trail then says who restored which backup (``name``: as the person knows it)."""
    source = Path(source)
    if not is_backup(source):
        raise BackupError("not_a_backup", str(source))
    db.reopen(lambda: restore(source, db.path, force=True))
    if actor is not None:
        record_restore(db, actor, name or source.name, source)
    return Path(db.path)


def record_restore(db: Database, actor: Actor, name: str, source: str | Path | None = None) -> None:
    """The restored database's audit entry: who restored which backup, and when it was made (the
    backup's own entry is not in it: the backup was written before its entry)."""
    made = _made_at(Path(source)) if source is not None else None
    # named by its role and label: the device's sign-in may be newer than the backup, so unknown to
    # the restored database (the device then signs in again)
    with db.unit(dataclasses.replace(actor, device_id=None), Action.BACKUP_RESTORE) as unit:
        unit.audit("backup", None, None, {"file": name, "made": made} if made else {"file": name})


def _made_at(source: Path) -> str | None:
    """When a backup was made, from its marker file ("made 2027-05-28T10:15:00")."""
    try:
        for line in (source / MARKER).read_text(encoding="utf-8").splitlines():
            if line.startswith("made ") and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line[5:].strip()):
                return line[5:].strip()
    except OSError:
        pass
    return None


def zip_backup(folder: str | Path) -> bytes:
    """A backup folder as one ZIP (for downloading); :func:`unzip_backup` reads it back."""
    folder = Path(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{folder.name}/{file.name}")
    return buffer.getvalue()


def _member_name(member: zipfile.ZipInfo) -> str | None:
    """The file name a member is unpacked as, None for one that is skipped (folders, dot files);
    a name that points out of the folder (absolute, ``..``, a drive) refuses the whole ZIP."""
    raw = member.filename
    parts = PurePosixPath(raw.replace("\\", "/")).parts
    if raw.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]) or "\x00" in raw:
        raise BackupError("not_a_backup", "upload", f"member {raw!r} points out of the folder")
    if member.is_dir() or not parts or parts[-1].startswith("."):
        return None
    return parts[-1]


def unzip_backup(data: bytes, target: str | Path) -> Path:
    """Unpack a downloaded backup ZIP into ``target``; the folder holding the backup, or
    :class:`BackupError` (``not_a_backup``; ``too_large``: more than ``MAX_UNZIPPED_BYTES``
    unpacked or a member compressed more than ``MAX_RATIO`` times, a ZIP bomb). The whole
    ZIP is checked before anything is unpacked; only plain file names are taken."""
    target = Path(target)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members, names, total = [], set(), 0
            for member in archive.infolist():
                name = _member_name(member)
                if name is None:
                    continue
                if name in names:
                    raise BackupError("not_a_backup", "upload", f"{name} twice")
                total += member.file_size
                if total > MAX_UNZIPPED_BYTES or (
                    member.file_size > _RATIO_FROM and member.file_size > MAX_RATIO * max(member.compress_size, 1)
                ):
                    raise BackupError("too_large", "upload", f"{member.filename}: {member.file_size} bytes unpacked")
                names.add(name)
                members.append((member, name))
            target.mkdir(parents=True, exist_ok=True)
            for member, name in members:
                _unpack(archive, member, target / name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise BackupError("not_a_backup", "upload") from None
    if not is_backup(target):
        raise BackupError("not_a_backup", "upload")
    return target


def _unpack(archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path) -> None:
    """One member, in pieces, never more than its declared size (zipfile stops there and checks the CRC)."""
    written = 0
    with archive.open(member) as packed, open(path, "wb") as out:
        while chunk := packed.read(1 << 20):
            written += len(chunk)
            if written > member.file_size:
                raise BackupError("too_large", "upload", member.filename)
            out.write(chunk)


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

    def start(self) -> AutoBackup:
        self._thread.start()
        # At exit, wait for a backup under way: a daemon thread stopped inside DuckDB's
        # C++ code aborts the whole process ("FATAL: exception not rethrown").
        atexit.register(self.stop)
        return self

    @property
    def running(self) -> bool:
        """Whether the thread still makes backups (until :meth:`stop`)."""
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        atexit.unregister(self.stop)  # stopped: nothing left to wait for at exit
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def run_once(self, actor: Actor | None = None) -> Path:
        """One backup now (``actor``: a person asked for it, see :func:`backup`)."""
        made = backup(self.db, self.folder / dated_name(), actor)
        self.last = made
        for old in list_backups(self.folder)[self.keep :]:
            shutil.rmtree(old, ignore_errors=True)
        return made

    def _loop(self) -> None:
        while not self._stop.wait(self.minutes * 60):
            try:
                self.run_once()
                self.last_error = None
            except Exception as exc:  # a full disk must not stop the forum; the page shows the error
                self.last_error = str(exc)
