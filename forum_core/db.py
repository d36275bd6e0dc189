"""The database: one DuckDB file, one connection per process, one write path.

Every change is a *unit of work*::

    with db.unit(actor, Action.CHECKIN_SCAN) as u:
        u.insert("checkin_event", {...})
        u.audit("checkin", person_id, after={...})

The unit runs in one DuckDB transaction under the process lock, checks that the
actor's role may make the change (and, for a facilitator or expert, that it is their
own working group: :meth:`Unit.in_group`), writes its audit entries in the same
transaction and commits before the caller answers anybody. DuckDB's own WAL makes a
committed unit durable; nothing else is kept on the side.

A unit says which tables it writes through its helpers (``insert``, ``update``,
``delete``); ``execute`` is for reading. The tables written are what invalidates the
one read cache (:meth:`Database.read_through`), used for the read models that many
screens ask for at once (projectors, phones, the organizer's overview).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from forum_core import legacy_journal, schema
from forum_core.validation import Outcome
from forum_core.vocabulary import GROUP_ROLES, Action, Reason, may_write

DEFAULT_DB_PATH = Path("data") / "forum.duckdb"
T = TypeVar("T")
log = logging.getLogger(__name__)


class DatabaseBusy(Exception):
    """Another process holds the database file (DuckDB allows one writer process)."""

    def __init__(self, path: str, holder: str):
        self.path = path
        self.holder = holder
        super().__init__(
            f"The database {path} is in use by another program ({holder}). "
            "Stop that program (for example the running forum app) and try again, "
            "or use --db to work on a copy."
        )


class StorageError(Exception):
    """The database file could not be written: the disk is full (``storage_full``) or the file or
    its folder cannot be written (``storage_unwritable``). The unit of work was not committed:
    nothing of it is stored, and whoever asked must not be told it was saved."""

    def __init__(self, reason: Reason, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


# What DuckDB (and the system under it) says when a write fails, by what the person can do.
_FULL = ("no space left on device", "file too large", "disk quota exceeded", "not enough space")
_UNWRITABLE = (
    "permission denied",
    "read-only file system",
    "operation not permitted",
    "could not write file",
    "could not open file",
    "could not create",
    "could not truncate",
    "could not fsync",
    "input/output error",
)
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def storage_reason(error: BaseException) -> Reason | None:
    """``storage_full`` or ``storage_unwritable`` when ``error`` is a failed write to the disk,
    else None (a programming error or a refusal stays what it is)."""
    if isinstance(error, StorageError):
        return error.reason
    if isinstance(error, OSError) and error.errno is not None:
        return Reason.STORAGE_FULL if error.errno in _FULL_ERRNOS else Reason.STORAGE_UNWRITABLE
    if not isinstance(error, (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException)):
        return None
    message = str(error).lower()
    if any(words in message for words in _FULL):
        return Reason.STORAGE_FULL
    if any(words in message for words in _UNWRITABLE) or isinstance(error, duckdb.FatalException):
        return Reason.STORAGE_UNWRITABLE
    return None


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the role, the device name stored in the audit trail, and for a
    facilitator or expert the working group they were signed in for."""

    role: str
    device: str = ""
    group_id: int | None = None
    # The signed-in device (access.Identity), checked by every unit: a page's callback or an
    # HTTP request made after the organizer signed the device out writes nothing.
    device_id: int | None = None


# The devices the app itself names in the audit trail (audit.device says them in the reader's language)
CLI_ACTOR = Actor("organizer", "command line")
FIRST_START_ACTOR = Actor("organizer", "first start")  # the installation's organizer code, made at the first start


class NotAllowed(PermissionError):
    """The actor may not make this change: the role (``not_allowed``) or another group
    (``outside_group``). Raised inside a unit, it rolls the unit back."""

    def __init__(self, role: str, action: str, reason: Reason = Reason.NOT_ALLOWED):
        self.role, self.action, self.reason = role, action, reason
        super().__init__(f"role {role!r} may not do {action!r} ({reason})")


AUDIT_COLUMNS = ("happened_at", "forum_id", "role", "device", "action", "entity", "entity_id", "before", "after")
_WRITING = re.compile(r"\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|ATTACH|INSTALL|LOAD)\b", re.IGNORECASE)


@dataclass
class Unit:
    """One unit of work: reads, declared writes and audit entries inside one open transaction."""

    cur: duckdb.DuckDBPyConnection
    actor: Actor
    action: Action
    now: datetime = field(default_factory=datetime.now)  # one clock reading per unit
    audits: list[tuple] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # tables changed: drops cached read models
    rolled_back: bool = False

    # --- reading -------------------------------------------------------------------------------

    def execute(self, sql: str, params: Any = None):
        """A read inside the transaction (it sees this unit's own writes)."""
        if _WRITING.match(sql):
            raise RuntimeError("a unit of work writes through insert/update/delete, which name the table")
        return self.cur.execute(sql, params) if params is not None else self.cur.execute(sql)

    # --- writing (the table is named, never parsed out of SQL) --------------------------------

    def insert(self, table: str, values: dict[str, Any], returning: str | None = None) -> Any:
        """Insert one row; with ``returning`` (a column name) return that column of the new row."""
        self.written.add(table)
        sql = "INSERT INTO " + table + " (" + ", ".join(values) + ") VALUES (" + ", ".join("?" for _ in values) + ")"
        if returning:
            return self.cur.execute(sql + " RETURNING " + returning, list(values.values())).fetchone()[0]
        self.cur.execute(sql, list(values.values()))
        return None

    def write(self, table: str, sql: str, params: Any = ()):
        """One writing statement on ``table`` (named by the caller: it drops that table's
        cached read models), for what ``insert``/``update`` cannot say (``version + 1``...)."""
        self.written.add(table)
        return self.cur.execute(sql, list(params))

    def insert_many(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if rows:
            self.written.add(table)
            insert_many(self.cur, table, columns, rows)

    def update(self, table: str, assignments: dict[str, Any] | str, where: str, params: Any = ()) -> int:
        """``UPDATE table SET … WHERE where``; ``assignments`` is ``{column: value}`` or SQL with
        ``?`` parameters that come before ``params``. Returns the number of rows changed."""
        self.written.add(table)
        if isinstance(assignments, dict):
            set_sql = ", ".join(f"{column} = ?" for column in assignments)
            params = list(assignments.values()) + list(params)
        else:
            set_sql = assignments
        return self.cur.execute("UPDATE " + table + " SET " + set_sql + " WHERE " + where, list(params)).fetchone()[0]

    def delete(self, table: str, where: str, params: Any = ()) -> int:
        self.written.add(table)
        return self.cur.execute("DELETE FROM " + table + " WHERE " + where, list(params)).fetchone()[0]

    # --- rules, audit, refusals --------------------------------------------------------------

    def in_group(self, group_id: int | None) -> None:
        """Refuse (``outside_group``) if a facilitator or expert touches another group's work."""
        if self.actor.role in GROUP_ROLES and (group_id is None or group_id != self.actor.group_id):
            raise NotAllowed(self.actor.role, self.action, Reason.OUTSIDE_GROUP)

    def audit(
        self,
        entity: str,
        entity_id: Any,
        before: Any = None,
        after: Any = None,
        forum_id: int | None = None,
        action: Action | str | None = None,
    ) -> None:
        self.audits.append(
            (
                forum_id,
                Action(action or self.action),
                entity,
                None if entity_id is None else str(entity_id),
                _to_json(before),
                _to_json(after),
            )
        )

    def refuse(self, reason: Reason | str, errors: tuple = (), value: Any = None) -> Outcome:
        """Roll the whole unit back (no data, no audit entry) and return the refusal."""
        self.rolled_back = True
        return Outcome(False, reason, tuple(errors), value=value)

    def rollback(self) -> None:
        self.rolled_back = True


def insert_many(cur: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows into ``table`` (a fixed identifier of the schema, never user input)."""
    if not rows:
        return
    column_list = ", ".join(columns)
    if len(rows) <= 8:
        sql = "INSERT INTO " + table + " (" + column_list + ") VALUES (" + ", ".join("?" for _ in columns) + ")"
        for row in rows:  # executemany costs ~1.3 ms even for one row; execute ~0.4 ms
            cur.execute(sql, row)
        return
    import pyarrow as pa  # only bulk writes need it

    batch = pa.Table.from_pydict({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    cur.register("_bulk_rows", batch)
    try:
        cur.execute("INSERT INTO " + table + " (" + column_list + ") SELECT " + column_list + " FROM _bulk_rows")
    finally:
        cur.unregister("_bulk_rows")


def _json_default(value: Any):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _to_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=_json_default, sort_keys=True)


_BUSY_HOLDER = re.compile(r"Conflicting lock is held in (?P<prog>\S+)(?: \(PID (?P<pid>\d+)\))?")


def connect(path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """Open the file, turning DuckDB's lock error into :class:`DatabaseBusy`."""
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        # One thread: the forum's queries are small and many; DuckDB's per-statement
        # overhead on 2 cores drops by about 40 % (0.44 -> 0.25 ms for a key lookup).
        return duckdb.connect(path, config={"threads": 1})
    except duckdb.IOException as exc:
        message = str(exc)
        match = _BUSY_HOLDER.search(message)
        if match or "Could not set lock" in message:
            holder = "unknown program"
            if match:
                holder = Path(match.group("prog")).name
                if match.group("pid"):
                    holder += f", PID {match.group('pid')}"
            raise DatabaseBusy(path, holder) from None
        raise


class Database:
    """The forum database of this process."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB_PATH):
        self.path = str(path)
        self._con = connect(self.path)
        self._lock = threading.RLock()  # the process's write lock: one unit of work at a time
        # How often each table has been written by a committed unit (see read_through).
        self._table_versions: dict[str, int] = {}
        self._read_cache: dict = {}
        # DuckDB invalidates a connection whose checkpoint failed (a full disk): every later
        # statement fails until the file is opened again, which the next unit of work tries.
        self._invalidated = False
        with self._lock:
            schema.migrate(self._con)
            if self.path != ":memory:":
                # A check-in journal left by an older version: applied once, then removed.
                legacy_journal.apply_leftover(self._con, self.path)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for reading (one per script run or thread); it sees committed data."""
        if self._invalidated:
            with self._lock:
                self._recover()
        return self._con.cursor()

    def _recover(self) -> None:
        """Open the file again after DuckDB invalidated the connection (under the lock). What was
        committed is in the file and its WAL; a disk still full raises :class:`StorageError`."""
        if not self._invalidated:
            return
        with suppress(duckdb.Error):
            self._con.close()
        try:
            self._con = connect(self.path)
            schema.migrate(self._con)
        except (duckdb.Error, OSError) as exc:
            reason = storage_reason(exc) or Reason.STORAGE_UNWRITABLE
            raise StorageError(reason, str(exc)) from exc
        self._invalidated = False
        self._read_cache.clear()
        self._bump_versions(set(self._table_versions))
        log.warning("database %s opened again after a storage failure", self.path)

    def _storage_failed(self, exc: BaseException) -> StorageError | None:
        """The :class:`StorageError` for a failed write (noting an invalidated connection), or None."""
        reason = storage_reason(exc)
        if reason is None:
            return None
        if isinstance(exc, duckdb.FatalException) or "invalidated" in str(exc):
            self._invalidated = True
        log.error("database %s could not be written (%s): %s", self.path, reason, exc)
        return exc if isinstance(exc, StorageError) else StorageError(reason, str(exc))

    @contextmanager
    def unit(self, actor: Actor, action: Action | str, group_id: int | None = None) -> Iterator[Unit]:
        """One unit of work: a transaction under the process lock, audited, committed on leaving.

        The actor's role must be allowed ``action`` (:class:`NotAllowed` otherwise). With
        ``group_id`` a facilitator or expert must belong to that group; services that find
        the group only by reading call :meth:`Unit.in_group` themselves. An exception, or
        :meth:`Unit.refuse`, rolls everything back. If the unit recorded no audit entry,
        one entry names the action.
        """
        action = Action(action)
        if not may_write(actor.role, action):
            raise NotAllowed(actor.role, action)
        with self._lock:
            self._recover()
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                u = Unit(cur, actor, action)
                if actor.device_id is not None and not (self._signed_in_until().get(actor.device_id, u.now) > u.now):
                    raise NotAllowed(actor.role, action, Reason.SIGNED_OUT)
                if group_id is not None:
                    u.in_group(group_id)
                yield u
                if u.rolled_back:
                    cur.execute("ROLLBACK")
                    return
                audits = u.audits or [(None, action, None, None, None, None)]
                insert_many(
                    cur,
                    "audit_log",
                    AUDIT_COLUMNS,
                    [(u.now, a[0], actor.role, actor.device, str(a[1]), a[2], a[3], a[4], a[5]) for a in audits],
                )
                try:
                    cur.execute("COMMIT")
                except duckdb.FatalException as exc:
                    # "COMMIT succeeded and is durable, but the autocheckpoint failed" (a full disk):
                    # the unit is stored; the connection must be opened again (the next unit does).
                    if "commit succeeded" not in str(exc).lower():
                        raise
                    self._invalidated = True
                    log.error("database %s: committed, but its checkpoint failed: %s", self.path, exc)
                self._bump_versions(u.written | {"audit_log"})
            except BaseException as exc:
                with suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                failed = self._storage_failed(exc)
                if failed is not None and failed is not exc:
                    raise failed from exc
                raise
            finally:
                with suppress(duckdb.Error):
                    cur.close()

    def _signed_in_until(self) -> dict[int, datetime]:
        """Devices not signed out: id -> when their sign-in expires. Every unit checks its device;
        read once per change of the devices, not in each unit (~1.4 ms of a scan's 11 ms). Under
        the write lock the cache cannot be older than the table: every sign-in and sign-out is a
        unit, and its commit marks the table changed before the lock is let go."""
        return self.read_through(
            ("signed_in_until",),
            ("device_session",),
            lambda cur: dict(
                cur.execute("SELECT id, expires_at FROM device_session WHERE revoked_at IS NULL").fetchall()
            ),
        )

    @contextmanager
    def between_units(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read cursor while no unit of work runs (a backup's consistent moment)."""
        with self._lock:
            cur = self._con.cursor()
            try:
                yield cur
            finally:
                cur.close()

    def write(self, actor: Actor, action: Action | str, work: Callable[[Unit], T]) -> T:
        """``work(unit)`` as one unit of work (for services written as a function)."""
        with self.unit(actor, action) as u:
            return work(u)

    def attempt(self, actor: Actor, action: Action | str, work: Callable[[Unit], Outcome]) -> Outcome:
        """Like :meth:`write` for work that returns an :class:`Outcome`: a refusal (not ok, or
        ``unchanged``) leaves neither data nor an audit entry, and a role or group the write
        path refuses comes back as an outcome (``not_allowed``, ``outside_group``)."""
        try:
            with self.unit(actor, action) as u:
                outcome = work(u)
                if not outcome.ok or outcome.reason == Reason.UNCHANGED:
                    u.rollback()
                return outcome
        except NotAllowed as refused:
            return Outcome(False, refused.reason)
        except StorageError as failed:  # not saved: the person is told why, and what to do
            return Outcome(False, failed.reason)

    def read_through(self, key: Any, tables: tuple[str, ...], compute: Callable[[Any], T]) -> T:
        """``compute(cursor)``, reused until a unit that writes one of ``tables`` commits.

        For read models many screens ask for at once (projectors, phones, the overview):
        one computation per change of their data, not one per screen. The versions are
        read before computing, so a value is never newer-stamped than the data it saw.
        Callers must not change the returned value.
        """
        versions = self.stamp(tables)
        hit = self._read_cache.get(key)
        if hit is not None and hit[0] == versions:
            return hit[1]
        cur = self.cursor()
        try:
            value = compute(cur)
        finally:
            cur.close()
        self._read_cache[key] = (versions, value)
        return value

    def peek(self, key: Any, tables: tuple[str, ...]) -> Any | None:
        """What :meth:`read_through` keeps for ``key`` if no unit wrote ``tables`` since, else None;
        reads no table (for the server's event loop: a miss goes to a worker thread)."""
        hit = self._read_cache.get(key)
        return hit[1] if hit is not None and hit[0] == self.stamp(tables) else None

    def stamp(self, tables: tuple[str, ...]) -> tuple[int, ...]:
        """How often each of ``tables`` has been written by a committed unit: equal stamps, the
        same data. Reads no table (a memo of a read model is checked with it on the event loop)."""
        return tuple(self._table_versions.get(table, 0) for table in tables)

    def _bump_versions(self, tables: set[str]) -> None:
        for table in tables:
            self._table_versions[table] = self._table_versions.get(table, 0) + 1

    def reopen(self, replace: Callable[[], None]) -> None:
        """Close the file, let ``replace`` put another database in its place, and open that one.

        For a restore while the app runs: under the write lock nothing is half-written, and
        every cached read model is dropped, since it describes the old data. Cursors of
        script runs already under way fail once; the next run gets the new data.
        """
        with self._lock:
            self._con.close()
            try:
                replace()
            finally:
                self._con = connect(self.path)
                schema.migrate(self._con)
                self._read_cache.clear()
                self._bump_versions(set(self._table_versions))

    def close(self, checkpoint: bool = True) -> None:
        """Close the file; ``checkpoint=False`` leaves committed changes in the WAL (a throwaway
        copy in the tests: writing them into the file is most of a close's cost)."""
        with self._lock:
            if not checkpoint:
                with suppress(duckdb.Error):
                    self._con.execute("PRAGMA disable_checkpoint_on_shutdown")
            self._con.close()


def rows_as_dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def one_as_dict(cur: duckdb.DuckDBPyConnection) -> dict | None:
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row))
