"""What one server process shares: its database, opened once.

Both the Streamlit pages (``ui/session.py``) and the app's own HTTP routes
(``ui/api.py``, served by ``st.App`` in ``app.py``) use this one ``Database``, so every
change goes through the same process lock. No Streamlit import: the routes run
outside any script run.
"""

from __future__ import annotations

import os
import secrets
import threading
import time

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


def close(path: str | None = None, checkpoint: bool = True) -> None:
    """Close this process's database for ``path`` (a benchmark hands the file to a server)."""
    with _lock:
        db = _open.pop(path or db_path(), None)
    if db is not None:
        db.close(checkpoint)


# --- handing a signed-in device's token to its browser ---------------------------------------
# The device cookie is set by an HTTP response of the app (ui/api.py /api/device), HttpOnly,
# so no page script ever sees the token: the sign-in form keeps the token here under a
# short-lived, single-use id, and the browser is sent to /api/device?handoff=<id>.

HANDOFF_SECONDS = 120
_handoffs: dict[str, tuple[str, int, float]] = {}


def hand_off(token: str, max_age: int) -> str:
    """Keep ``token`` for the browser to collect once; returns the handoff id."""
    handoff = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for key in [k for k, (_, _, at) in _handoffs.items() if now - at > HANDOFF_SECONDS]:
            del _handoffs[key]
        _handoffs[handoff] = (token, max_age, now)
    return handoff


def collect(handoff: str) -> tuple[str, int] | None:
    """The token and its lifetime for ``handoff``, once; None if unknown, used or expired."""
    with _lock:
        found = _handoffs.pop(handoff, None)
    if found is None or time.monotonic() - found[2] > HANDOFF_SECONDS:
        return None
    return found[0], found[1]


# --- which role each browser session has (for the upload limits, ui/middleware.py) ------------
# Streamlit's upload endpoint takes files for any session id; the middleware lets through only
# sessions whose role has an uploader on its pages. Filled on every page run (ui/session.py).

# facilitator: a photo of the pebble board (deliberation.PHOTO_MAX_BYTES, 12 MiB, and the form's framing)
UPLOADING_ROLES = {"organizer": 20 * 2**20, "desk": 8 * 2**20, "facilitator": 13 * 2**20}  # role -> bytes
UPLOADS_HELD = 3  # a session holds at most this many uploads of its role's largest size at once
_session_roles: dict[str, str] = {}
MAX_SESSIONS_KNOWN = 5000


def note_session(session_id: str, role: str) -> None:
    with _lock:
        if session_id not in _session_roles and len(_session_roles) >= MAX_SESSIONS_KNOWN:
            _session_roles.pop(next(iter(_session_roles)))  # the oldest: long gone
        _session_roles[session_id] = role


def session_role(session_id: str) -> str:
    with _lock:
        return _session_roles.get(session_id, "public")
