"""The public results on plain HTTP, beside the app's HTTPS server.

Staff devices accept the laptop's own certificate once (ui/tls.py). Residents' phones open the
results from the projector's QR code, hundreds of them, and each would meet the browser's
full-page certificate warning, which most people rightly do not click through. The results page
holds nothing to protect in transit (finalised priorities, no names, no cookies, no form), so
it is also served over plain HTTP on a second port (``FORUM_PUBLIC_PORT``, by default the HTTPS
port + 1, see :func:`forum_core.network.public_port`), and that port serves nothing else:
``/results`` (the same route function as on HTTPS, so the same page, ETag, Content-Security-Policy
and hide/reveal), ``/`` redirecting to it and the lari sign's font the page uses; no Streamlit,
no ``/api/*``, no cookie; 404 for anything else.

It is a second ``uvicorn.Server`` on the running event loop, started and stopped by the app's
lifespan (ui/warmup.py). The signals stay with Streamlit's server: this one only stops when the
lifespan ends. A port already taken is said in the terminal, and the app runs without it (the
addresses shown then stay the HTTPS ones).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from forum_core import i18n, network
from ui import api, public_results, tls

log = logging.getLogger(__name__)
OFF = {"", "0", "off", "no", "false"}


def _home(request: Request) -> RedirectResponse:
    """``/`` → the results (in the language asked for, else Georgian): a phone typing the
    address by hand lands on the page."""
    lang = i18n.normalize_language(request.query_params.get("lang"))
    return RedirectResponse(f"/results?lang={lang}", status_code=302)


ROUTES = [
    Route("/", _home, methods=["GET", "HEAD"]),
    Route("/results", api.results, methods=["GET", "HEAD"]),
    Route("/results/", api.results, methods=["GET", "HEAD"]),
    # the lari sign's font, at the path the page names on either port (Streamlit's static serving there)
    Mount(public_results.FONTS_URL, StaticFiles(directory=public_results.FONTS)),
]


def public_app() -> Starlette:
    """The whole application of the plain-HTTP port: the results and nothing else."""
    return Starlette(routes=ROUTES)


class _Quiet(uvicorn.Server):
    """A uvicorn server that leaves SIGINT/SIGTERM to Streamlit's (it runs inside it); stopped
    by :meth:`Listener.stop`."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host`` as Streamlit binds its own: the wildcard as IPv6 dual-stack
    (IPv4 phones too), else IPv4; TCP_NODELAY, as ui/tls.py sets on the main port (a small answer
    written in two pieces does not wait for the phone's delayed acknowledgement)."""
    wildcard = host in {"", "0.0.0.0", "::"}
    attempts = [("::", socket.AF_INET6), ("0.0.0.0", socket.AF_INET)] if wildcard else []
    if not wildcard:
        attempts = [(host, socket.AF_INET6 if ":" in host else socket.AF_INET)]
    failure: OSError | None = None
    for address, family in attempts:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if sys.platform != "win32":  # on Windows it would let two servers share the port
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((address, port))
            sock.listen(2048)
            sock.setblocking(False)
            return sock
        except OSError as error:
            sock.close()
            failure = error
            if error.errno in {errno.EADDRINUSE, errno.EACCES}:  # in use / not allowed: no other family helps
                break
    raise failure or OSError(f"cannot bind {host}:{port}")


class Listener:
    """The plain-HTTP port of the public results, on the running event loop."""

    port: int | None = None  # the port it serves, None when it does not run (pages read it)

    def __init__(self) -> None:
        self._server: _Quiet | None = None
        self._task: asyncio.Task | None = None

    async def start(self, host: str, port: int) -> bool:
        try:
            sock = _bind(host, port)
        except OSError as error:
            _say(
                f"  forum-day app: the public results' plain-HTTP port {port} could not be opened ({error});"
                f" phones open the results over HTTPS (see README, HTTPS)."
            )
            return False
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            public_app(),
            lifespan="off",
            # uvicorn's logging is the process's, set up by Streamlit's server: left as it is
            # (no dictConfig, no level), and no access log, as Streamlit has it
            log_config=None,
            log_level=None,
            access_log=False,
            use_colors=False,
            server_header=False,
            proxy_headers=False,
            timeout_graceful_shutdown=2,
        )
        self._server = _Quiet(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="public results (HTTP)")
        for _ in range(100):  # started within a second, or said below
            if self._server.started or self._task.done():
                break
            await asyncio.sleep(0.01)
        if not self._server.started:
            await self.stop()
            _say(f"  forum-day app: the public results' plain-HTTP port {port} did not start.")
            return False
        Listener.port = port
        _say(f"  Phones open the public results (plain HTTP): {tls.served_results_url(None)}")
        return True

    async def stop(self) -> None:
        Listener.port = None
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=5)
        self._server = self._task = None


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def serving():
    """Run the plain-HTTP port for as long as the server runs (called from the app's lifespan):
    only under ``streamlit run`` of the app, on HTTPS, and unless ``FORUM_PUBLIC_PORT`` is off."""
    from streamlit import config

    listener = Listener()
    https = bool(config.get_option("server.sslCertFile"))
    port = network.public_port(int(config.get_option("server.port")), https)
    if getattr(config, "_server_mode", None) != "starlette-app" or not https:
        pass  # a test's client, a benchmark's runner; on plain HTTP the main port serves the results
    elif port is None and os.environ.get(network.ENV_PUBLIC_PORT, "").strip().lower() not in OFF:
        _say(f"  forum-day app: {network.ENV_PUBLIC_PORT} is not a port; phones open the results over HTTPS.")
    elif port is not None:
        await listener.start(config.get_option("server.address") or "0.0.0.0", port)
    try:
        yield listener
    finally:
        await listener.stop()
