"""The write journal: appends made durable on disk before they reach DuckDB.

A check-in must be answered at once and must never be lost. Committing it to DuckDB
costs 3 to 8 ms on the forum laptop (four statements of ~1 ms each, slower after the
CPU has idled between scans); writing one line to a file and ``fsync`` costs a tenth of
that. So units of work that only append rows (a check-in, and the audit entry of the
scan) are written here first, and :class:`forum_core.db.Database` moves them into
DuckDB right after, in one transaction, under the same lock.

Each record is one JSON line with a sequence number. DuckDB keeps the number of the
last record it holds (``journal_applied``, written in the same transaction as the
rows), so after a crash a record is applied exactly once: records up to that number
are skipped, later ones applied, and the file emptied. A half-written last line
(power cut during the write) was never answered as done and is ignored.

One :class:`Database` at a time owns the journal (an exclusive file lock); another one
opened on the same file, for example by a restore, works without a journal.
"""
from __future__ import annotations

import json
import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

try:  # POSIX
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def journal_path(db_path: str) -> Path:
    return Path(db_path + ".journal")


def _encode(value: Any):
    # The only non-JSON values the journaled rows hold are times of day and dates.
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    raise TypeError(f"cannot journal a {type(value).__name__}")


def _decode(obj: dict):
    if len(obj) == 1:
        if "$datetime" in obj:
            return datetime.fromisoformat(obj["$datetime"])
        if "$date" in obj:
            return date.fromisoformat(obj["$date"])
        if "$time" in obj:
            return time.fromisoformat(obj["$time"])
    return obj


def encode(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False, default=_encode, separators=(",", ":")) + "\n").encode()


def decode(line: bytes) -> dict | None:
    """One record, or None for a line that was not written to the end."""
    try:
        record = json.loads(line, object_hook=_decode)
    except (ValueError, UnicodeDecodeError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("seq"), int) else None


class Journal:
    """The journal file of one database, held open and locked while the database is open."""

    def __init__(self, fd: int, path: Path):
        self._fd = fd
        self.path = path

    @classmethod
    def open(cls, db_path: str) -> "Journal | None":
        """The journal beside ``db_path``, or None if another Database holds it."""
        path = journal_path(db_path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o600)
        if not _lock(fd):
            os.close(fd)
            return None
        return cls(fd, path)

    def records(self) -> list[dict]:
        """Every complete record in the file, in order."""
        os.lseek(self._fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self._fd, 1 << 20):
            chunks.append(chunk)
        out = []
        for line in b"".join(chunks).splitlines():
            record = decode(line) if line.strip() else None
            if record is not None:
                out.append(record)
        return out

    def append(self, record: dict) -> None:
        """Write one record and wait until it is on the disk."""
        data = encode(record)
        size = os.fstat(self._fd).st_size
        try:
            written = os.write(self._fd, data)
            while written < len(data):  # a short write (rare, but allowed by POSIX)
                written += os.write(self._fd, data[written:])
            os.fsync(self._fd)
        except OSError:
            # A refused record (disk full) must not leave half a line that the next one would join.
            try:
                os.ftruncate(self._fd, size)
            except OSError:
                pass
            raise

    def clear(self) -> None:
        """Empty the file once DuckDB holds every record in it."""
        os.ftruncate(self._fd, 0)
        os.fsync(self._fd)

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def __del__(self):
        self.close()

    def close(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)  # closing releases the lock
            self._fd = -1


def _lock(fd: int) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
    import msvcrt

    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False
