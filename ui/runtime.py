"""What one server process shares: its database, opened once.

Both the Streamlit pages (``ui/session.py``) and the app's own HTTP routes
(``ui/api.py``, served by ``st.App`` in ``app.py``) use this one ``Database``, so every
change goes through the same process lock. No Streamlit import: the routes run
outside any script run.
"""
from __future__ import annotations

import os
import threading

from forum_core.db import DEFAULT_DB_PATH, Database

_lock = threading.Lock()
_open: dict[str, Database] = {}


def db_path() -> str:
    return os.environ.get("FORUM_DB", str(DEFAULT_DB_PATH))


def database(path: str | None = None) -> Database:
    """The process's database for ``path`` (default: ``FORUM_DB`` or data/forum.duckdb).

    Raises ``DatabaseBusy`` when another program holds the file."""
    path = path or db_path()
    with _lock:
        db = _open.get(path)
        if db is None:
            db = _open[path] = Database(path)
        return db


def close(path: str | None = None) -> None:
    """Close this process's database for ``path`` (a benchmark hands the file to a server)."""
    with _lock:
        db = _open.pop(path or db_path(), None)
    if db is not None:
        db.close()
