"""Sessions per device address and the metrics endpoint (ui/middleware.py), over HTTP."""

import contextlib

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from ui.middleware import SessionLimit


async def stream(websocket):
    await websocket.accept()
    with contextlib.suppress(WebSocketDisconnect):
        await websocket.receive_text()  # held open until the test closes it


def client(per_address: int) -> TestClient:
    app = Starlette(
        routes=[
            WebSocketRoute("/_stcore/stream", stream),
            Route("/results", lambda r: PlainTextResponse("page")),
            Route("/_stcore/metrics", lambda r: PlainTextResponse("metrics")),
            Route("/api/ping", lambda r: PlainTextResponse("ok")),
        ],
        middleware=[Middleware(SessionLimit, per_address=per_address)],
    )
    return TestClient(app)  # its client address is "testclient": another device on the Wi-Fi


def test_one_address_holds_at_most_n_sessions_and_is_told_why():
    http = client(2)
    with http.websocket_connect("/_stcore/stream"), http.websocket_connect("/_stcore/stream"):
        with pytest.raises(WebSocketDisconnect), http.websocket_connect("/_stcore/stream"):
            pass
        page = http.get("/results")
        assert page.status_code == 429 and "Too many pages open" in page.text and "ჩანართები" in page.text
        assert http.get("/api/ping").text == "ok"  # the app's routes still answer (a desk's queued scans)
    assert http.get("/results").text == "page"  # tabs closed: room again
    with http.websocket_connect("/_stcore/stream"):
        pass


def test_metrics_only_for_the_laptop_itself():
    assert client(2).get("/_stcore/metrics").status_code == 404
