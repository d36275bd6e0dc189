"""HTTPS by default: the server started on the laptop's own certificate, and the address
devices open as this server sees it.

The certificate itself is plain Python (``forum_core/network.py``: made for the laptop's
addresses, kept in ``data/tls/`` beside the database, reused across restarts, made again when
an address is new). Streamlit 1.67 runs an ``st.App`` under uvicorn, which builds its TLS
context from ``server.sslCertFile`` / ``server.sslKeyFile`` *before* it imports ``app.py``;
nothing of the app runs earlier, and no configuration file can run code. So when ``app.py``
is imported by ``streamlit run`` on a server not yet on TLS, :func:`start` makes (or renews)
the certificate and starts the same command again, once, with those two options set (as
``STREAMLIT_SERVER_SSL_*`` environment variables, which Streamlit reads like its command-line
flags); ``FORUM_TLS_RESTARTED`` guards against a loop. Everything of Streamlit's that depends
on TLS (secure cookies, the printed address) then sees it from its first line.
``FORUM_HTTP=1`` keeps plain HTTP; an organizer's own certificate in ``.streamlit/config.toml``
is used as it is.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import socket
import sys

from forum_core import network

GUARD = "FORUM_TLS_RESTARTED"
ENV_CERT = "STREAMLIT_SERVER_SSL_CERT_FILE"
ENV_KEY = "STREAMLIT_SERVER_SSL_KEY_FILE"


def _listening(port: int) -> list[socket.socket]:
    """This process's listening sockets on ``port``: Streamlit binds them before it imports app.py."""
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0 and obj.type == socket.SOCK_STREAM:
            with contextlib.suppress(OSError):
                address = obj.getsockname()
                if isinstance(address, tuple) and address[1] == port:
                    found.append(obj)
    return found


def _no_delay(port: int) -> None:
    """TCP_NODELAY on the listening socket, which every accepted connection inherits. Streamlit
    makes the socket without naming TCP (proto 0), so asyncio does not set it per connection,
    and a response written in two pieces on a kept-alive connection (headers, then body; or two
    websocket messages) waits for the client's delayed acknowledgement: 44 ms per /api/ping
    measured here with a Linux client (bench/https_start.py); Windows' delayed-ACK timer is 200 ms."""
    for sock in _listening(port):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def no_delay() -> None:
    """:func:`_no_delay` on the port an ``st.App`` under ``streamlit run`` serves: :func:`start`
    does it for the app, and the empty baseline of the load benchmarks (bench/empty_app.py) does
    the same, so the two are compared like for like."""
    from streamlit import config

    if getattr(config, "_server_mode", None) == "starlette-app":
        _no_delay(int(config.get_option("server.port")))


def _close_listening(port: int) -> None:
    """Close the listening sockets on ``port`` (inheritable), so the restarted command can bind it."""
    for sock in _listening(port):
        sock.close()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _tell(port: int, https: bool) -> None:
    """The lines the organizer reads in the terminal once the port is bound (Streamlit's own
    welcome is off in .streamlit/config.toml: it would name http:// before the restart, and asks
    the internet for an "external" address first, a second or two at a venue without one)."""
    _say(
        f"\n  Devices in the hall open: {network.phones_url(port, https)}\n"
        f"  On this laptop:           {network.base_url('localhost', port, https)}\n"
    )


def start(db_path: str | os.PathLike) -> None:
    """Called by app.py as it is imported, under ``streamlit run``: small answers leave at once
    (:func:`_no_delay`); when HTTPS is wanted and the server is not on TLS yet, make or renew the
    certificate and start the same command again on it (once); else tell the address."""
    from streamlit import config

    if getattr(config, "_server_mode", None) != "starlette-app":
        return  # not `streamlit run` (a test importing app.py, a benchmark's own runner)
    port = int(config.get_option("server.port"))
    _no_delay(port)
    if config.get_option("server.sslCertFile"):  # ours after the restart, or the organizer's own
        _tell(port, True)
        return
    if not network.https_wanted():
        _tell(port, False)
        return
    if os.environ.get(GUARD):
        _say("forum-day app: HTTPS could not be turned on; serving plain HTTP (see README, HTTPS).")
        _tell(port, False)
        return
    cert, key, made = network.ensure_certificate(network.folder_for(db_path), network.at_start())
    _say(
        f"\n  forum-day app: {'a new' if made else 'the same'} HTTPS certificate, {cert}\n"
        f"  SHA-256 {network.fingerprint(cert)}\n  Starting on it."
    )
    env = dict(os.environ, **{GUARD: "1", ENV_CERT: str(cert), ENV_KEY: str(key)})
    _close_listening(port)
    sys.stdout.flush()
    os.execve(sys.executable, list(sys.orig_argv), env)


def served_url() -> str:
    """The address devices open, as this server runs: its port, HTTPS when it serves TLS."""
    from streamlit import config

    https = bool(config.get_option("server.sslCertFile"))
    return network.phones_url(int(config.get_option("server.port")), https)


def served_results_url(lang: str | None) -> str:
    """The address phones open for the public results, as this server runs: on HTTPS the
    plain-HTTP port of the results while it runs (ui/public_port.py: no certificate warning on
    residents' phones), else the results at :func:`served_url`. The projector's QR code,
    ``/control`` and ``/access`` show this one (:func:`forum_core.network.results_url`)."""
    from streamlit import config

    from ui import public_port

    https = bool(config.get_option("server.sslCertFile"))
    return network.results_url(int(config.get_option("server.port")), https, lang, public_port.Listener.port)


def served_fingerprint() -> str:
    """The SHA-256 fingerprint of the certificate this server serves ("" on plain HTTP)."""
    from streamlit import config

    cert = config.get_option("server.sslCertFile")
    return _fingerprint(cert) if cert else ""


@functools.lru_cache(maxsize=4)
def _fingerprint(cert: str) -> str:  # read once: the server serves the same file all day
    try:
        return network.fingerprint(cert)
    except (OSError, ValueError):
        return ""


def show_address_notes(t) -> None:
    """Under the addresses on /control and /access: what the organizer must know about them
    (no network address found; plain HTTP; the certificate to accept once and its fingerprint)."""
    import streamlit as st

    if not network.at_start().reachable:
        st.warning(t("address.not_found"))
    fingerprint = served_fingerprint()
    if fingerprint:
        st.caption(t("address.certificate", fingerprint=fingerprint))
    else:
        st.caption(t("address.plain_http"))


def code(url: str) -> str:
    """An address shown as code in Markdown (nothing in it is interpreted)."""
    return f"`{url.replace('`', '')}`"
