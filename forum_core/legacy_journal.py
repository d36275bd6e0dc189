"""Upgrading from a version that journaled check-ins beside the database.

That version answered a check-in once it was in ``forum.duckdb.journal`` and moved it
into DuckDB a moment later, recording the last record moved in ``journal_applied``.
A crash could leave records that DuckDB never got. This version commits every change
to DuckDB directly; at start-up a leftover journal is read once:

- a record is applied (its rows and audit entries, one transaction per record) when
  its number is above ``journal_applied`` **and** it was made after this database file
  was created, so a rehearsal's journal never lands in a new database made for the day;
- a record that is already in, or older than the database, is skipped;
- a record that cannot be applied (DuckDB refuses it) is set aside, with the others
  not applied, in ``forum.duckdb.journal.set-aside`` and logged, never blocking start-up;
- the journal file is then removed, so nothing beside the database can be replayed.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

_TABLES = {  # what the old version journaled, with the columns it could hold
    "checkin_event": {
        "forum_id",
        "participant_id",
        "kind",
        "method",
        "happened_at",
        "recorded_at",
        "desk",
        "role",
        "device",
        "undoes",
    },
}
_AUDIT_COLUMNS = ("happened_at", "forum_id", "role", "device", "action", "entity", "entity_id", "before", "after")


def journal_path(db_path: str) -> Path:
    return Path(str(db_path) + ".journal")


def set_aside_path(db_path: str) -> Path:
    return Path(str(db_path) + ".journal.set-aside")


def _decode(obj: dict):
    if len(obj) == 1:
        for tag, kind in (("$datetime", datetime), ("$date", date), ("$time", time)):
            if tag in obj:
                return kind.fromisoformat(obj[tag])
    return obj


def _records(data: bytes) -> list[tuple[bytes, dict]]:
    """Every whole record (a half-written last line was never answered: it is dropped)."""
    out = []
    for line in data.splitlines():
        try:
            record = json.loads(line, object_hook=_decode)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(record, dict) and isinstance(record.get("seq"), int):
            out.append((line, record))
    return out


def _created_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    row = con.execute("SELECT min(applied_at) FROM schema_version").fetchone()
    return row[0] if row else None


def _apply(con: duckdb.DuckDBPyConnection, record: dict) -> None:
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        for table, columns, row in record.get("appends", []):
            if table not in _TABLES or not set(columns) <= _TABLES[table] or len(columns) != len(row):
                raise ValueError(f"unexpected rows for {table!r}")
            cur.execute(
                "INSERT INTO "
                + table
                + " ("
                + ", ".join(columns)
                + ") VALUES ("
                + ", ".join("?" for _ in columns)
                + ")",
                list(row),
            )
        for audit in record.get("audits", []):
            if len(audit) != len(_AUDIT_COLUMNS):
                raise ValueError("unexpected audit entry")
            cur.execute(
                "INSERT INTO audit_log ("
                + ", ".join(_AUDIT_COLUMNS)
                + ") VALUES ("
                + ", ".join("?" for _ in _AUDIT_COLUMNS)
                + ")",
                list(audit),
            )
        cur.execute("UPDATE journal_applied SET applied_through = ?", [record["seq"]])
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()


def _record_time(record: dict) -> datetime | None:
    times = [a[0] for a in record.get("audits", []) if a and isinstance(a[0], datetime)]
    return min(times) if times else None


def apply_leftover(con: duckdb.DuckDBPyConnection, db_path: str) -> dict:
    """Apply a leftover journal once and remove it. Returns what happened (for tests and logs)."""
    path = journal_path(db_path)
    if not path.exists():
        return {}
    records = _records(path.read_bytes())
    applied_through = con.execute("SELECT applied_through FROM journal_applied").fetchone()[0]
    created = _created_at(con)
    report = {"applied": 0, "skipped": 0, "set_aside": 0}
    set_aside: list[bytes] = []
    for line, record in records:
        made = _record_time(record)
        if record["seq"] <= applied_through or made is None or (created is not None and made < created):
            report["skipped"] += 1
            continue
        try:
            _apply(con, record)
            report["applied"] += 1
        except (duckdb.Error, ValueError, TypeError) as problem:
            log.error(
                "A check-in left by an older version could not be applied (%s); it is kept in %s",
                problem,
                set_aside_path(db_path),
            )
            set_aside.append(line)
            report["set_aside"] += 1
    if set_aside:
        with open(set_aside_path(db_path), "ab") as fh:
            fh.write(b"\n".join(set_aside) + b"\n")
    path.unlink()
    if report["applied"] or report["set_aside"]:
        log.warning(
            "Check-in journal of an older version: %(applied)d applied, %(skipped)d already in or older "
            "than the database, %(set_aside)d set aside",
            report,
        )
    return report
