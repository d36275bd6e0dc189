"""The database: one DuckDB file, one connection per process, one write path.

Every change to the data goes through :meth:`Database.write`, which runs a unit of
work in one transaction under a process-wide lock and appends to the audit table.
DuckDB raises "Conflict on update" when two connections change the same row at
once; serialising writers in the process means no write is lost to that.
Reads use a cursor of their own (``Database.cursor``) and see committed data.

Units that only append rows (check-ins) may instead be made durable in the write
journal (``forum_core/journal.py``) and answered at once; the database moves them into
DuckDB right after, in one transaction with their audit entries, and always before
any read or other write, so nobody reads around them.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import threading
import time as time_module
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, TypeVar

import duckdb

from forum_core import schema

DEFAULT_DB_PATH = Path("data") / "forum.duckdb"
JOURNAL_CLEAR_BYTES = 1 << 20  # about 2,000 check-ins
T = TypeVar("T")


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


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the role and the device name stored in the audit trail."""

    role: str
    device: str = ""


CLI_ACTOR = Actor("organizer", "command line")


@dataclass
class Unit:
    """One unit of work: a cursor inside an open transaction plus its audit entries."""

    cur: duckdb.DuckDBPyConnection
    actor: Actor
    action: str
    audits: list[tuple] = field(default_factory=list)
    now: datetime = field(default_factory=datetime.now)  # one clock reading per unit
    memo: dict = field(default_factory=dict)  # the database's in-process memo (see Database.memo)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # tables this unit changed (drops memos after commit)
    # A journaled unit (Database.write(..., journaled=True)) only appends; its rows wait here.
    journaled: bool = False
    appends: list[tuple[str, tuple[str, ...], tuple]] = field(default_factory=list)
    before_read: Callable[[], None] | None = None

    def execute(self, sql: str, params: Any = None):
        target = _WRITE_TARGET.match(sql)
        if target:
            if self.journaled:
                raise RuntimeError("a journaled unit of work only appends rows (Unit.append)")
            self.written.add(target.group(1).lower())
        elif self.before_read is not None:
            self.before_read()  # a journaled unit reads only after earlier journaled rows are in DuckDB
        return self.cur.execute(sql, params) if params is not None else self.cur.execute(sql)

    def append(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        """Add one row to ``table``: at once, or with the unit's journal record if journaled."""
        if self.journaled:
            self.appends.append((table, columns, tuple(row)))
        else:
            self.written.add(table)
            insert_many(self.cur, table, columns, [tuple(row)])

    def insert_many(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Insert many rows fast: DuckDB's executemany costs ~0.7 ms a row, Arrow ~0.01 ms."""
        if rows:
            self.written.add(table)
        insert_many(self.cur, table, columns, rows)

    def audit(self, entity: str, entity_id: Any, before: Any = None, after: Any = None,
              forum_id: int | None = None, action: str | None = None) -> None:
        self.audits.append((forum_id, action or self.action, entity,
                            None if entity_id is None else str(entity_id),
                            _to_json(before), _to_json(after)))


# The table a writing statement changes: INSERT INTO t, UPDATE t, DELETE FROM t.
_WRITE_TARGET = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)

# Which tables each kind of process memo is made from (a memo key is a tuple whose
# first element names its kind). A committed unit that wrote one of these tables drops
# the memos made from it, so a memo never outlives the data it copies.
MEMO_SOURCES: dict[str, frozenset[str]] = {}


def memo_made_from(kind: str, *tables: str) -> tuple[str]:
    """Declare a memo kind and the tables it is made from; returns the key prefix."""
    MEMO_SOURCES[kind] = frozenset(tables)
    return (kind,)


AUDIT_COLUMNS = ("happened_at", "forum_id", "role", "device", "action", "entity", "entity_id", "before", "after")


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


class NotAllowed(PermissionError):
    """The actor's role may not make this kind of change (see access.WRITE_RULES)."""

    def __init__(self, role: str, action: str):
        self.role, self.action = role, action
        super().__init__(f"role {role!r} may not do {action!r}")


class _Refused(Exception):
    def __init__(self, outcome):
        self.outcome = outcome


class Database:
    """The forum database of this process."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB_PATH, journal: bool = True):
        self.path = str(path)
        self._con = connect(self.path)
        self._lock = threading.RLock()
        # In-process memos of data that only this process writes (DuckDB lets one process
        # open the file): a forum's token secret, who is checked in. Changed only after commit.
        self.memo: dict = {}
        # How often each table has been changed by a committed unit (see read_through).
        self._table_versions: dict[str, int] = {}
        self._read_cache: dict = {}
        # Journaled records not yet in DuckDB, oldest first (see forum_core/journal.py).
        # Lock order: _lock (units of work) -> _settle_lock (moves into DuckDB) -> _pending_lock.
        self._pending: list[dict] = []
        self._settle_lock = threading.RLock()
        self._pending_lock = threading.Lock()
        self._journal = None
        self._next_seq = 1
        self._mover: threading.Thread | None = None
        self._wake = threading.Event()
        self._closing = False
        with self._lock:
            schema.migrate(self._con)
            if journal and self.path != ":memory:":
                from forum_core.journal import Journal

                self._journal = Journal.open(self.path)
            if self._journal is not None:
                self._recover()
                self._mover = threading.Thread(target=_move_journaled, args=(weakref.ref(self), self._wake),
                                               name="journal mover", daemon=True)
                self._mover.start()
                _OPEN.add(self)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for reading (one per script run or thread). Journaled rows are in DuckDB first."""
        if self._pending:
            self.settle()
        return self._con.cursor()

    # --- the write journal -------------------------------------------------------------------

    def _recover(self) -> None:
        """At opening: apply the records a crash left in the journal, once each."""
        applied = self._applied_through()
        records = self._journal.records()
        self._next_seq = max([applied] + [r["seq"] for r in records]) + 1
        self._pending = [r for r in records if r["seq"] > applied]
        self.settle()
        self._journal.clear()

    def _applied_through(self) -> int:
        """The last journal record DuckDB holds (written in the same transaction as its rows)."""
        return self._con.execute("SELECT applied_through FROM journal_applied").fetchone()[0]

    def _journaled_unit(self, actor: Actor, action: str) -> Unit:
        # Reads inside the unit settle first (Unit.before_read), so they never miss an earlier
        # journaled row; writes other than appends are refused; a cursor is made only if it reads.
        return Unit(_CursorOnDemand(self._con), actor, action, memo=self.memo, journaled=True,
                    before_read=self.settle)

    def settle(self) -> None:
        """Move every journaled record into DuckDB, in one transaction.

        Takes only the settle lock, not the write lock: desks keep journaling scans while
        a move runs, and the next move takes all of them at once. Anyone who must see every
        journaled row (a read, an ordinary unit of work) calls this first.
        """
        with self._settle_lock:
            with self._pending_lock:
                records = list(self._pending)
            if not records:
                return
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                by_table: dict[tuple[str, tuple[str, ...]], list[tuple]] = {}
                for record in records:
                    for table, columns, row in record["appends"]:
                        by_table.setdefault((table, tuple(columns)), []).append(tuple(row))
                for (table, columns), rows in by_table.items():
                    insert_many(cur, table, columns, rows)
                insert_many(cur, "audit_log", AUDIT_COLUMNS, [tuple(a) for r in records for a in r["audits"]])
                cur.execute("UPDATE journal_applied SET applied_through = ?", [records[-1]["seq"]])
                cur.execute("COMMIT")
            except BaseException:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise  # the records stay in the journal and in _pending: nothing is lost
            finally:
                cur.close()
            written = {table for table, _ in by_table}
            # Versions first: a reader that finds nothing pending must also find them changed.
            self._bump_versions(written | {"audit_log"})
            self._drop_memos(written)
            with self._pending_lock:
                del self._pending[:len(records)]
        # Applied records are skipped at recovery, so the file is emptied only now and then.
        if self._journal is not None and self._journal.size() > JOURNAL_CLEAR_BYTES:
            self._clear_journal()

    def _clear_journal(self) -> None:
        with self._lock:  # no record is being appended
            with self._pending_lock:
                if not self._pending and self._journal is not None:
                    self._journal.clear()

    def _write_journaled(self, actor: Actor, action: str, work: Callable[[Unit], T]) -> T:
        unit = self._journaled_unit(actor, action)  # under the lock
        try:
            result = work(unit)
            audits = unit.audits or [(None, action, None, None, None, None)]
            record = {"seq": self._next_seq,
                      "appends": [[t, list(c), list(r)] for t, c, r in unit.appends],
                      "audits": [[unit.now, a[0], actor.role, actor.device, a[1], a[2], a[3], a[4], a[5]]
                                 for a in audits]}
            self._journal.append(record)  # durable from here on
        finally:
            unit.cur.close()
        self._next_seq += 1
        with self._pending_lock:
            self._pending.append(record)
        for update in unit.after_commit:
            update()
        self._wake.set()
        return result

    def write(self, actor: Actor, action: str, work: Callable[[Unit], T], journaled: bool = False) -> T:
        """Run ``work`` in one transaction under the process lock; audit it; commit.

        ``journaled``: the unit only appends rows (``Unit.append``); it is made durable in
        the write journal and moved into DuckDB just after (the check-in's fast path).
        Without a journal (another Database holds it, or ``:memory:``) it is an ordinary unit.

        If ``work`` raises, nothing of it is kept (rollback) and the exception propagates.
        If ``work`` recorded no audit entry of its own, one entry names the action.
        The actor's role must be allowed the action (:class:`NotAllowed` otherwise).
        """
        from forum_core import access  # the rules live with the roles; imported late (access imports db)

        if not access.may_write(actor.role, action):
            raise NotAllowed(actor.role, action)
        with self._lock:
            if journaled and self._journal is not None:
                return self._write_journaled(actor, action, work)
            self.settle()  # journaled rows come first, so this unit sees them and follows them
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                unit = Unit(cur, actor, action, memo=self.memo)
                result = work(unit)
                audits = unit.audits or [(None, action, None, None, None, None)]
                insert_many(cur, "audit_log", AUDIT_COLUMNS,
                            [(unit.now, a[0], actor.role, actor.device, a[1], a[2], a[3], a[4], a[5])
                             for a in audits])
                cur.execute("COMMIT")
                self._bump_versions(unit.written | {"audit_log"})
                self._drop_memos(unit.written)
                for update in unit.after_commit:  # in-process memos follow only committed data
                    update()
                return result
            except BaseException:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                # a memo read inside this unit may have seen its uncommitted writes
                self._drop_memos(unit.written if "unit" in locals() else set())
                raise
            finally:
                cur.close()

    def warm(self, work: Callable[[Unit], None]) -> None:
        """Load process memos before the first unit of work that needs them; nothing is written.

        For pages that open where a fast path will run (the desk): the memos' one-time
        load then happens when the page opens, not inside the first scan."""
        with self._lock:
            unit = self._journaled_unit(Actor("system"), "warm")
            try:
                work(unit)
            finally:
                unit.cur.close()
            if unit.appends or unit.audits or unit.after_commit:
                raise RuntimeError("Database.warm only reads")

    def read_through(self, key: Any, tables: tuple[str, ...], compute: Callable[[Any], T]) -> T:
        """``compute(cursor)``, reused until a unit that writes one of ``tables`` commits.

        For read models many screens ask for at once (the projector, 50 phones):
        they cost one computation per change of their data, not one per screen.
        The versions are read before computing, so a value is never newer-stamped
        than the data it saw. Callers must not change the returned value.
        """
        if self._pending:
            self.settle()
        versions = tuple(self._table_versions.get(table, 0) for table in tables)
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

    def _bump_versions(self, tables: set[str]) -> None:
        with self._pending_lock:  # the mover thread bumps too
            for table in tables:
                self._table_versions[table] = self._table_versions.get(table, 0) + 1

    def _drop_memos(self, written: set[str]) -> None:
        if not written:
            return
        stale = {kind for kind, tables in MEMO_SOURCES.items() if tables & written}
        if stale:
            # list(...) copies the keys at once: the mover thread may drop while a unit adds
            for key in [k for k in list(self.memo) if isinstance(k, tuple) and k and k[0] in stale]:
                self.memo.pop(key, None)

    def attempt(self, actor: Actor, action: str, work: Callable[[Unit], T]) -> T:
        """Like :meth:`write` for work that returns an outcome with ``ok`` and ``reason``.

        A refused outcome (not ok, or ``unchanged``) is returned after a rollback,
        so refusals leave neither data nor an audit entry behind.
        """
        def guarded(unit: Unit):
            outcome = work(unit)
            if not outcome.ok or outcome.reason == "unchanged":
                raise _Refused(outcome)
            return outcome

        try:
            return self.write(actor, action, guarded)
        except _Refused as refused:
            return refused.outcome
        except NotAllowed:
            from forum_core.validation import Outcome
            return Outcome(False, "not_allowed")

    def reopen(self, replace: Callable[[], None]) -> None:
        """Close the file, let ``replace`` put another database in its place, and open that one.

        For a restore while the app runs: under the write lock nothing is half-written, and
        every memo and cached read model is dropped, since they describe the old data.
        Cursors of script runs already under way fail once; the next run gets the new data.
        """
        with self._lock, self._settle_lock:  # no unit and no move of journaled rows meanwhile
            self.settle()  # journaled rows belong to the database as it was
            if self._journal is not None:
                self._journal.clear()  # and their records must not meet the new one at the next start
            self._con.close()
            try:
                replace()
            finally:
                self._con = connect(self.path)
                schema.migrate(self._con)
                if self._journal is not None:
                    self._next_seq = max(self._next_seq, self._applied_through() + 1)
                self.memo.clear()
                self._read_cache.clear()
                self._bump_versions(set(self._table_versions))

    def checkpoint(self) -> None:
        with self._lock, self._settle_lock:
            self.settle()
            self._con.execute("CHECKPOINT")

    def close(self) -> None:
        self._stop_mover()
        with self._lock, self._settle_lock:
            try:
                self.settle()  # if DuckDB refuses, the records stay in the journal for the next start
            finally:
                if self._journal is not None:
                    self._journal.close()
                    self._journal = None
                _OPEN.discard(self)
                self._con.close()

    def _stop_mover(self) -> None:
        """Stop the mover thread and wait for it: it must not be inside DuckDB when Python exits."""
        self._closing = True
        self._wake.set()
        if self._mover is not None and self._mover is not threading.current_thread():
            self._mover.join(timeout=10)


def _move_journaled(database: "weakref.ref[Database]", wake: threading.Event) -> None:
    """The mover thread: settles soon after each journaled unit, off the desk's wait.

    It holds the database only while settling, so an unclosed Database can still be collected."""
    import logging

    while True:
        woken = wake.wait(timeout=1.0)
        db = database()
        if db is None or db._closing:
            return
        if not woken:
            continue
        wake.clear()
        try:
            db.settle()
        except Exception:  # DuckDB refused: the records are safe in the journal; try again soon
            logging.getLogger(__name__).exception("moving journaled records into DuckDB failed")
            time_module.sleep(1.0)
            wake.set()
        finally:
            del db


class _CursorOnDemand:
    """A cursor made only if the unit reads (a scan usually does not: ~0.1 ms saved)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con, self._cur = con, None

    def __getattr__(self, name: str):
        if self._cur is None:
            self._cur = self._con.cursor()
        return getattr(self._cur, name)

    def close(self) -> None:
        if self._cur is not None:
            self._cur.close()


_OPEN: "weakref.WeakSet[Database]" = weakref.WeakSet()


@atexit.register
def _stop_movers() -> None:
    for db in list(_OPEN):
        db._stop_mover()


def rows_as_dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def one_as_dict(cur: duckdb.DuckDBPyConnection) -> dict | None:
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row))
