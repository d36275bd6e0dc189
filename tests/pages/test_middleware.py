"""Sessions per device address and the metrics endpoint (ui/middleware.py), over HTTP."""

import contextlib

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from ui.middleware import NoFraming, SessionLimit


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


def uploads() -> TestClient:
    async def upload(request):
        return PlainTextResponse(f"stored {len(await request.body())}")

    app = Starlette(
        routes=[Route("/_stcore/upload_file/{session}/{file}", upload, methods=["PUT", "POST"])],
        middleware=[Middleware(SessionLimit, per_address=8)],
    )
    return TestClient(app)


def test_uploads_only_from_sessions_whose_role_has_an_uploader():
    from ui import runtime

    runtime.note_session("organizer-session", "organizer")
    runtime.note_session("desk-session", "desk")
    runtime.note_session("projector-session", "projector")
    http = uploads()
    photo = b"x" * 1000
    assert http.put("/_stcore/upload_file/organizer-session/f1", content=photo).text == "stored 1000"
    assert http.put("/_stcore/upload_file/desk-session/f1", content=photo).text == "stored 1000"
    for session in ("projector-session", "never-seen", "public-phone"):  # no uploader on their pages
        assert http.put(f"/_stcore/upload_file/{session}/f1", content=photo).status_code == 403
    big = b"x" * (9 * 2**20)  # a desk uploads QR photos: 8 MiB at most
    assert http.put("/_stcore/upload_file/desk-session/f2", content=big).status_code == 413


def test_no_answer_may_be_shown_in_another_sites_frame():
    def own_policy(request):
        return PlainTextResponse("results", headers={"Content-Security-Policy": "default-src 'none'"})

    app = Starlette(
        routes=[Route("/setup", lambda r: PlainTextResponse("page")), Route("/results", own_policy)],
        middleware=[Middleware(NoFraming)],
    )
    http = TestClient(app)
    page = http.get("/setup")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    results = http.get("/results")  # its own policy is kept, not joined by a second one
    assert results.headers["x-frame-options"] == "DENY"
    assert results.headers.get_list("content-security-policy") == ["default-src 'none'"]
