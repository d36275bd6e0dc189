"""A headless Streamlit client for load benchmarks: real websocket sessions against a
real ``streamlit run`` server, speaking Streamlit's own protocol (protobuf BackMsg /
ForwardMsg over ``/_stcore/stream``), as a browser tab does.

A session asks for a script run (the whole page, or one fragment as the browser's
``run_every`` timer does) and times it from the request to the server's
``script_finished`` message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(
    db_path: Path,
    port: int | None = None,
    app: str = "app.py",
    extra_env: dict | None = None,
    log: Path | None = None,
    https: bool = False,
):
    """Start ``streamlit run`` on a free local port against ``db_path``; stop it afterwards.
    The server's output goes to ``log`` (default: beside the database). Plain HTTP
    (``FORUM_HTTP=1``) unless ``https``: then the app makes its certificate in ``tls/`` beside
    the database, and the health check trusts that certificate."""
    port = port or free_port()
    env = dict(os.environ, FORUM_DB=str(db_path), **(extra_env or {}))
    env.pop("FORUM_TLS_RESTARTED", None)
    if https:
        env.pop("FORUM_HTTP", None)
    else:
        env["FORUM_HTTP"] = "1"
    log = log or Path(db_path).with_suffix(".server.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log, "wb")  # noqa: SIM115 (closed in the finally below, with the server)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            app,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(
                    f"{'https' if https else 'http'}://127.0.0.1:{port}/_stcore/health",
                    timeout=1,
                    context=tls_context(db_path) if https else None,
                ) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the app did not start: " + log.read_text(errors="replace")[-4000:])
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()


def tls_context(db_path: Path):
    """An SSL context that trusts only the certificate the app made beside ``db_path`` (None
    until it exists)."""
    import ssl

    cert = Path(db_path).resolve().parent / "tls" / "forum-cert.pem"
    if not cert.exists():
        return None
    context = ssl.create_default_context(cafile=str(cert))
    return context


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Session:
    """One browser tab's websocket session."""

    def __init__(
        self, port: int, page: str, query: str = "lang=ka", cookie: str | None = None, address: str | None = None
    ):
        self.port, self.page, self.query, self.cookie = port, page, query, cookie
        self.address = address  # the source address to connect from (another device on 127/8)
        self.submit_id = ""  # the form's submit button, as the page drew it
        self.ws = None
        self.widget_ids: dict[str, str] = {}  # user key -> Streamlit's widget id, as the page drew them
        self.fragment_ids: list[str] = []
        self.errors: list[str] = []
        self._finished: asyncio.Event | None = None
        self._reader: asyncio.Task | None = None

    async def connect(self) -> None:
        origin = f"http://127.0.0.1:{self.port}"
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=origin,
            max_size=None,
            open_timeout=30,
            additional_headers=headers,
            **({"local_addr": (self.address, 0)} if self.address else {}),  # on to create_connection
        )
        self._finished = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "script_finished":
                    # a run stopped early for a rerun is not the end: the rerun follows
                    if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        self._finished.set()
                elif kind == "auto_rerun" and msg.auto_rerun.fragment_id not in self.fragment_ids:
                    self.fragment_ids.append(msg.auto_rerun.fragment_id)
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element
                    which = element.WhichOneof("type")
                    if which == "exception":
                        self.errors.append(element.exception.message)
                    if which == "button" and element.button.is_form_submitter:
                        self.submit_id = element.button.id
                    widget_id = getattr(getattr(element, which), "id", "") if which else ""
                    if isinstance(widget_id, str) and "-" in widget_id:
                        self.widget_ids[widget_id.rsplit("-", 1)[-1]] = widget_id
        except websockets.ConnectionClosed:
            pass

    async def run(self, fragment: bool = False, timeout: float = 60, widgets: dict | None = None) -> float:
        """Ask for a script run (or a run of the page's first auto-rerun fragment); seconds until it finished.

        ``widgets`` sets widget values as a person would (user key -> str or bool), which
        runs their ``on_change`` callbacks on the server."""
        msg = BackMsg()
        state = msg.rerun_script
        for key, value in (widgets or {}).items():
            widget = state.widget_states.widgets.add()
            widget.id = self.widget_ids[key]
            if isinstance(value, bool):
                widget.bool_value = value
            else:
                widget.string_value = str(value)
        state.query_string = self.query
        state.page_name = self.page
        state.context_info.url = f"http://127.0.0.1:{self.port}/{self.page}"
        state.context_info.timezone = "Asia/Tbilisi"
        if fragment and self.fragment_ids:
            state.fragment_id = self.fragment_ids[0]
            state.is_auto_rerun = True
        self._finished.clear()
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._finished.wait(), timeout)
        return time.perf_counter() - start

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]
