"""What the server refuses before Streamlit sees it (ASGI middleware, installed by app.py).

- **Sessions per device address.** Every browser tab holds one websocket session, which
  costs the laptop memory and a first page run. One phone (or one script) opening
  hundreds of tabs must not crowd out the desks: an address may hold at most
  ``FORUM_SESSIONS_PER_ADDRESS`` (default 8) open sessions; past that, new sessions are
  refused and a page load gets a short page saying so, in Georgian and English. The
  laptop itself (loopback) is never limited: the organizer's and projector's screens.
- **Streamlit's metrics** (``/_stcore/metrics``) are answered only to the laptop itself.
- **Uploads only where a page offers one.** Streamlit's upload endpoint takes files for any
  session; here it takes them only from sessions whose role has an uploader on its pages
  (organizer: lists, programs, backups; desk: a QR photo; facilitator: the photo of the
  pebble board), up to that role's size, and
  refuses the rest (403, or 413 past the size) before a byte is read. A session may hold at
  most ``UPLOADS_HELD`` uploads of its role's size at once (ui/runtime.py).
- **No page of the app inside another site's frame** (``NoFraming``): a page on the venue's
  Wi-Fi could show the app's sign-in in a frame and lay its own buttons over it.
"""

from __future__ import annotations

import os
import threading
from collections import Counter

from ui import runtime

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
STREAM_PATH = "/_stcore/stream"
UPLOAD_PATH = "/_stcore/upload_file/"
TOO_MANY = """<!doctype html><html lang="ka"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>ფორუმი</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1 style="font-size: 1.4rem">ამ მოწყობილობაზე ძალიან ბევრი გვერდია გახსნილი</h1>
<p>დახურეთ ფორუმის სხვა ჩანართები და განაახლეთ ეს გვერდი.</p>
<h2 lang="en" style="font-size: 1.2rem">Too many pages open on this device</h2>
<p lang="en">Close the forum's other tabs on this device, then reload this page.</p>
</body></html>"""


def limit() -> int:
    try:
        return max(1, int(os.environ.get("FORUM_SESSIONS_PER_ADDRESS", "8")))
    except ValueError:
        return 8


class SessionLimit:
    """ASGI middleware: at most N open Streamlit sessions per client address."""

    def __init__(self, app, per_address: int | None = None):
        self.app = app
        self.per_address = per_address or limit()
        self.open: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("", 0))[0]
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(UPLOAD_PATH) and scope.get("method") in ("PUT", "POST"):
            refused = _upload_refused(scope, path)
            if refused:
                return await _plain(send, refused, b"upload refused")
            # the upload's size counts for its session while it is on its way (several at once
            # from one session would otherwise each be read into memory before any is held)
            session_id, size = _upload_session(path), _content_length(scope)
            try:
                return await self.app(scope, receive, send)
            finally:
                _arriving(session_id, -size)
        if client in LOOPBACK:
            return await self.app(scope, receive, send)
        if path.startswith("/_stcore/metrics"):
            return await _plain(send, 404, b"not found")
        if scope["type"] == "websocket" and path == STREAM_PATH:
            with self._lock:
                full = self.open[client] >= self.per_address
                if not full:
                    self.open[client] += 1
            if full:
                await send({"type": "websocket.close", "code": 1008})  # refused before it is accepted
                return
            try:
                return await self.app(scope, receive, send)
            finally:
                with self._lock:
                    self.open[client] -= 1
                    if self.open[client] <= 0:
                        del self.open[client]
        if scope["type"] == "http" and _is_page_load(path) and self.open[client] >= self.per_address:
            return await _plain(send, 429, TOO_MANY.encode(), "text/html; charset=utf-8")
        return await self.app(scope, receive, send)


class NoFraming:
    """ASGI middleware: every HTTP answer tells browsers not to show it inside a frame (the app
    opens no frame of its own). An answer with its own Content-Security-Policy keeps it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                headers.append((b"x-frame-options", b"DENY"))
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", b"frame-ancestors 'none'"))
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_guarded)


_arriving_bytes: Counter[str] = Counter()  # session -> bytes of its uploads on their way now
_arriving_lock = threading.Lock()


def _upload_session(path: str) -> str:
    return path[len(UPLOAD_PATH) :].split("/", 1)[0]


def _content_length(scope) -> int:
    length = dict(scope.get("headers") or []).get(b"content-length")
    return int(length) if length is not None and length.isdigit() else -1


def _arriving(session_id: str, change: int) -> None:
    with _arriving_lock:
        _arriving_bytes[session_id] += change
        if _arriving_bytes[session_id] <= 0:
            del _arriving_bytes[session_id]


def _upload_refused(scope, path: str) -> int:
    """0 if the upload may go on (its size then counts as arriving for its session), else the
    HTTP status that refuses it."""
    session_id = _upload_session(path)
    limit = runtime.UPLOADING_ROLES.get(runtime.session_role(session_id))
    if limit is None:
        return 403
    length = _content_length(scope)
    if length < 0 or length > limit:
        return 413  # the browser always says how much it sends; past the role's size, refused
    # Streamlit keeps a session's uploads in memory until the page drops them or the session
    # ends: a session sending file after file under new ids, or many at once, would pile them up.
    with _arriving_lock:
        if _held_bytes(session_id) + _arriving_bytes[session_id] + length > runtime.UPLOADS_HELD * limit:
            return 413
        _arriving_bytes[session_id] += length
    return 0


def _held_bytes(session_id: str) -> int:
    """Bytes of uploads Streamlit holds for this session now (0 outside a Streamlit server)."""
    try:
        from streamlit.runtime import Runtime

        manager = Runtime.instance().uploaded_file_mgr
        held = getattr(manager, "file_storage", {}).get(session_id) or {}
        return sum(len(rec.data) for rec in list(held.values()))
    except Exception:  # no runtime (tests of the middleware alone), or another file manager
        return 0


def _is_page_load(path: str) -> bool:
    """A page of the app (the HTML shell), not its scripts, components or the app's routes."""
    return not path.startswith(("/_stcore", "/static", "/api", "/component", "/media", "/app/static"))


async def _plain(send, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode()), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": body})
