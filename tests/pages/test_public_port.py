"""The public results on plain HTTP beside HTTPS (ui/public_port.py): residents' phones open them
from the projector's QR code without a certificate warning, and that port serves nothing else.

Over HTTP with Starlette's TestClient (the port's whole application), the real listener on a
free port (started, answering, stopped; a port already taken leaves the app running without
it), the address function phones are given (forum_core/network.py), and the pages that show
it. The real server with both ports: tests/e2e/test_https.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import urllib.error
import urllib.request

import pytest
from starlette.testclient import TestClient

from forum_core import network, plenary
from forum_core.db import Actor
from forum_core.i18n import t
from tests.pages.conftest import open_app, texts
from ui import public_port, public_results, runtime

MODERATOR = Actor("moderator", "stage")
HALL = network.Found(host="192.168.77.5", addresses=("192.168.77.5",), hostname="forum-laptop")


# --- the address phones open --------------------------------------------------------------


def test_the_public_port_is_the_next_one_or_the_organizers_and_only_beside_https():
    assert network.public_port(8501, https=True, environ={}) == 8502
    assert network.public_port(8501, https=True, environ={"FORUM_PUBLIC_PORT": "8080"}) == 8080
    for off in ("0", "off", "OFF", "no", "eighty", "70000", "8501"):  # off, or not a port this can use
        assert network.public_port(8501, https=True, environ={"FORUM_PUBLIC_PORT": off}) is None
    assert network.public_port(8501, https=False, environ={}) is None  # plain HTTP: the main port serves them


def test_phones_are_given_the_plain_http_port_while_it_runs():
    assert network.results_url(8501, True, "ka", 8502, HALL) == "http://192.168.77.5:8502/results?lang=ka"
    assert network.results_url(8501, True, "en", None, HALL) == "https://192.168.77.5:8501/results?lang=en"
    assert network.results_url(8501, False, "en", None, HALL) == "http://192.168.77.5:8501/results?lang=en"
    named = network.Found(host="forum.lan", addresses=(), hostname="x", configured="https://forum.lan:443")
    assert network.results_url(443, True, None, 8502, named) == "http://forum.lan:8502/results"
    six = network.Found(host="2001:db8::5", addresses=("2001:db8::5",), hostname="x")
    assert network.results_url(8501, True, "ka", 8502, six) == "http://[2001:db8::5]:8502/results?lang=ka"


# --- the port's whole application --------------------------------------------------------


@pytest.fixture
def public(swing_db):
    return TestClient(public_port.public_app())


def test_the_results_and_nothing_else(public):
    page = public.get("/results?lang=en")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="en"' in page.text and t("en", "results.title") in page.text
    assert "script-src 'sha256-" in page.headers["content-security-policy"]
    assert "set-cookie" not in page.headers
    again = public.get("/results?lang=en", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert public.head("/results/?lang=ka").status_code == 200
    home = public.get("/?lang=en", follow_redirects=False)
    assert home.status_code == 302 and home.headers["location"] == "/results?lang=en"
    assert public.get("/", follow_redirects=False).headers["location"] == "/results?lang=ka"
    for path in ("/api/ping", "/api/device", "/_stcore/health", "/_stcore/stream", "/plenary", "/control", "/x"):
        answer = public.get(path, cookies={"forum_device": "anything"})
        assert answer.status_code == 404, path
        assert "set-cookie" not in answer.headers, path
    # and the lari sign's font the page names (its file as it ships), read-only, nothing beside it
    assert "font-src 'self'" in page.headers["content-security-policy"]
    assert f'url("{public_results.FONTS_URL}/lari-regular.ttf")' in page.text
    font = public.get(f"{public_results.FONTS_URL}/lari-regular.ttf")
    assert font.status_code == 200 and font.content == (public_results.FONTS / "lari-regular.ttf").read_bytes()
    for path in ("/app/static/fonts/../../app.py", "/app/static/fonts/%2e%2e/%2e%2e/app.py", "/app/static/x"):
        assert public.get(path).status_code == 404, path
    assert public.post(f"{public_results.FONTS_URL}/lari-regular.ttf").status_code == 405
    assert public.post("/results", content=b"{}").status_code == 405
    assert public.post("/api/scans", json={}).status_code == 404


def test_the_public_port_follows_the_moderators_hide(public):
    shown = public.get("/results?lang=en").text
    assert plenary.set_revealed(runtime.database(), MODERATOR, 1, False).ok
    hidden = public.get("/results?lang=en").text
    assert "<li>" in shown and "<li>" not in hidden and t("en", "plenary.hidden") in hidden


# --- the real listener -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_listener_serves_and_stops_and_a_taken_port_is_passed_over(swing_db):
    async def scenario():
        listener = public_port.Listener()
        port = _free_port()
        assert await listener.start("127.0.0.1", port)
        assert public_port.Listener.port == port
        answer = await asyncio.to_thread(urllib.request.urlopen, f"http://127.0.0.1:{port}/results", timeout=5)
        assert answer.status == 200 and b"data-etag" in answer.read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            await asyncio.to_thread(urllib.request.urlopen, f"http://127.0.0.1:{port}/api/ping", timeout=5)
        assert refused.value.code == 404
        await listener.stop()
        assert public_port.Listener.port is None
        with pytest.raises(OSError):  # closed
            await asyncio.to_thread(urllib.request.urlopen, f"http://127.0.0.1:{port}/results", timeout=2)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            other = public_port.Listener()
            assert not await other.start("127.0.0.1", taken.getsockname()[1])
            assert public_port.Listener.port is None
            await other.stop()

    # its own event loop in its own thread (a browser test before it may leave one running here)
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, scenario()).result(timeout=60)


# --- the pages that show it ------------------------------------------------------------------


@pytest.fixture
def on_https_with_the_public_port(tmp_path, monkeypatch):
    """The server as `streamlit run` runs it on its certificate, the public port open on 8502."""
    from streamlit import config

    monkeypatch.setattr(network, "at_start", lambda: HALL)
    cert, _, _ = network.ensure_certificate(tmp_path / "tls", HALL)
    real = config.get_option
    options = {"server.sslCertFile": str(cert), "server.port": 8501}
    monkeypatch.setattr(config, "get_option", lambda key: options[key] if key in options else real(key))
    monkeypatch.setattr(public_port.Listener, "port", 8502)


def test_control_access_and_the_projectors_qr_code_give_phones_the_plain_http_port(
    demo_db, on_https_with_the_public_port
):
    control = texts(open_app("en", "pages/control.py", role="moderator"))
    assert "http://192.168.77.5:8502/results?lang=en" in control
    assert "https://192.168.77.5:8501/plenary?lang=en" in control  # everything else stays HTTPS
    assert "http://192.168.77.5:8502/results?lang=ka" in texts(open_app("ka", "pages/access.py"))
    projector = open_app("ka", "pages/plenary.py", role="projector")
    (screen,) = [
        json.loads(e.proto.json)
        for e in projector.get("bidi_component")
        if e.proto.component_name.endswith("forum_projector")
    ]
    assert "http://192.168.77.5:8502/results?lang=ka" in screen["html"]  # under the QR code, which holds it
