"""The app's own HTTP routes, served beside Streamlit by ``st.App`` (see ``app.py``).

Plain HTTP requests are what a device sends when it must be sure something arrived:
a desk's queued scans after a Wi-Fi drop, a tablet's typed text. Each request is
answered only after its unit of work committed, and carries its own id, so sending
it again (a retry, a reload) changes nothing twice.

Who is asking comes from the device cookie, as on the pages; a request without a
signed-in device, or whose role may not do it, is refused with 403.
"""

from __future__ import annotations

import json
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from forum_core import access, checkin, i18n
from forum_core import db as forum_db
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.db import DatabaseBusy
from forum_core.vocabulary import Action, Reason, may_write
from ui import projector, public_results, runtime, tls

DEVICE_COOKIE = "forum_device"
MAX_SCANS_PER_REQUEST = 200
MAX_BODY = 256 * 1024
# A tablet's text with every text it sent without an answer (autosave.js): 51 texts of at most 2,000
# characters, 3 bytes each in Georgian (UTF-8), is about 300 KB
MAX_TEXT_BODY = 512 * 1024
STORAGE_REASONS = {Reason.STORAGE_FULL, Reason.STORAGE_UNWRITABLE}


def _identity(request: Request) -> access.Identity | None:
    return access.resume(runtime.database(), request.cookies.get(DEVICE_COOKIE))


async def _json(request: Request, limit: int = MAX_BODY) -> dict | None:
    body = await request.body()
    if len(body) > limit:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _refused(status: int = 403) -> JSONResponse:
    return JSONResponse({"error": "not_allowed"}, status_code=status)


def _not_stored(failed: forum_db.StorageError, lang: str | None) -> JSONResponse:
    """The laptop could not write (disk full, file unwritable): 503, which the desk's and the
    tablets' scripts take as "not answered", so the scans and texts stay waiting in the browser and
    are sent again; the message says what happened and what to do, in the device's language."""
    reason = str(failed.reason)
    message = i18n.t(i18n.normalize_language(lang), f"reason.{reason}")
    return JSONResponse(
        {"error": reason, "reason": reason, "message": message}, status_code=503, headers={"Retry-After": "5"}
    )


def ping(request: Request) -> JSONResponse:
    """Is the laptop reachable? (the pages' connection watch asks every few seconds)."""
    return JSONResponse({"ok": True}, headers={"Cache-Control": "no-store"})


def _card(result: checkin.CheckInResult, lang: str, desk: str) -> dict:
    from ui import desk as desk_ui  # the card's template lives with the desk page's widgets

    person = result.participant or {}
    return {
        "status": str(result.status),
        "card": desk_ui.card_html(result, lang),
        "undo": desk_ui.may_undo(result, desk),
        "participant_id": person.get("id"),
    }


async def scans(request: Request) -> JSONResponse:
    """A desk's scans, in the order they were read: ``{"desk", "lang", "scans": [{"id", "code", "at"}]}``.

    ``at`` is when the desk read the code (milliseconds since 1970, from the browser)."""
    me = _identity(request)
    if me is None or not may_write(me.role, Action.CHECKIN_SCAN):
        return _refused()
    data = await _json(request)
    if data is None or not isinstance(data.get("scans"), list) or len(data["scans"]) > MAX_SCANS_PER_REQUEST:
        return JSONResponse({"error": "bad_request"}, status_code=400)
    try:
        return JSONResponse(await run_in_threadpool(_apply_scans, me, data))
    except forum_db.StorageError as failed:  # scans before it are stored; sent again, each is applied once
        return _not_stored(failed, data.get("lang"))


def _apply_scans(me: access.Identity, data: dict) -> dict:
    db = runtime.database()
    forum_id = forum_mod.current_forum_id_shared(db)
    lang = i18n.normalize_language(data.get("lang"))
    desk = str(data.get("desk") or me.label or "")[:60]
    out = []
    for scan in data["scans"]:
        if not isinstance(scan, dict) or not isinstance(scan.get("id"), str) or not isinstance(scan.get("code"), str):
            continue
        at = None
        if isinstance(scan.get("at"), (int, float)):
            at = datetime.fromtimestamp(scan["at"] / 1000)
        result = checkin.scan(db, me.actor(), forum_id, scan["code"], desk, scan_id=scan["id"], at=at)
        out.append({"id": scan["id"], **_card(result, lang, desk)})
    return {"results": out}


async def undo(request: Request) -> JSONResponse:
    """The undo on a green card: only this desk's own check-in (``{"participant_id", "desk"}``)."""
    me = _identity(request)
    if me is None or not may_write(me.role, Action.CHECKIN_UNDO):
        return _refused()
    data = await _json(request)
    if data is None or not isinstance(data.get("participant_id"), int):
        return JSONResponse({"error": "bad_request"}, status_code=400)

    def work() -> dict:
        db = runtime.database()
        forum_id = forum_mod.current_forum_id_shared(db)
        desk = str(data.get("desk") or me.label or "")[:60]
        outcome = checkin.undo(db, me.actor(), forum_id, data["participant_id"], desk, own_only=True)
        lang = i18n.normalize_language(data.get("lang"))
        return {"ok": outcome.ok, "reason": str(outcome.reason), "message": i18n.t(lang, f"reason.{outcome.reason}")}

    try:
        return JSONResponse(await run_in_threadpool(work))
    except forum_db.StorageError as failed:
        return _not_stored(failed, data.get("lang"))


async def text(request: Request) -> JSONResponse:
    """One text field of a group's work, typed on a tablet (see ``forum_core.deliberation.save_text``
    and ``ui/components/autosave.js``): ``{"field", "value", "expected": "..." | null, "lang"}``.
    The answer: ``{"ok", "reason", "current": the stored text or null, "message"}``; ``stale``
    carries the text stored meanwhile, for the tablet to show beside its own."""
    me = _identity(request)
    if me is None:
        return _refused()
    data = await _json(request, MAX_TEXT_BODY)
    if data is None or not isinstance(data.get("field"), str) or not isinstance(data.get("value"), str):
        return JSONResponse({"error": "bad_request"}, status_code=400)

    def work() -> dict:
        db = runtime.database()
        expected = data.get("expected") if isinstance(data.get("expected"), str) else None
        # the texts sent without an answer (autosave.js): a list, or one text from an older tablet;
        # save_text keeps at most MAX_UNCONFIRMED of them and only the texts among them
        unconfirmed = data.get("unconfirmed")
        if not isinstance(unconfirmed, (str, list)):
            unconfirmed = None
        outcome = dl.save_text(db, me.actor(), data["field"], data["value"], expected, unconfirmed)
        lang = i18n.normalize_language(data.get("lang"))
        # the stored text: after a save (the laptop may have trimmed it), or the newer one of a conflict
        current = outcome.value if isinstance(outcome.value, str) else None
        message = " ".join(
            [i18n.t(lang, f"reason.{outcome.reason}")] + [i18n.error_line(lang, e) for e in outcome.errors]
        )
        return {"ok": outcome.ok, "reason": str(outcome.reason), "current": current, "message": message}

    answer = await run_in_threadpool(work)
    if answer["reason"] in STORAGE_REASONS:  # not saved: the tablet keeps the text and sends it again
        return _not_stored(forum_db.StorageError(Reason(answer["reason"])), data.get("lang"))
    return JSONResponse(answer)


def _next(request: Request) -> str:
    """Where to go after: a path of this app only (never another site)."""
    target = request.query_params.get("next") or "/"
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def device(request: Request) -> Response:
    """Set the device cookie of a sign-in (``?handoff=...``).

    Asked by the signed-in page's script (POST, ui/components/signin.js): ``204`` with the cookie,
    ``404`` without one for a handoff unknown, used or expired; the page stays loaded. Opened by the
    browser (GET, the script's fallback): the cookie and a redirect to ``?next=``; for a handoff
    unknown, used or expired, the sign-in again (``?unfinished=1``: it says why), in ``?lang=``.
    The cookie is HttpOnly (no page script can read it), SameSite=Strict, Secure when the
    app is served over HTTPS, and lasts as long as the device session does."""
    found = runtime.collect(request.query_params.get("handoff", ""))
    no_store = {"Cache-Control": "no-store"}
    if request.method == "POST":
        response = Response(status_code=204 if found else 404, headers=no_store)
    elif found is None:
        lang = i18n.normalize_language(request.query_params.get("lang"))
        return RedirectResponse(f"/signin?lang={lang}&unfinished=1", status_code=303, headers=no_store)
    else:
        response = RedirectResponse(_next(request), status_code=303, headers=no_store)
    if found is not None:
        token, max_age = found
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response


def signout(request: Request) -> RedirectResponse:
    """Forget the device cookie (the device session itself is already signed out)."""
    response = RedirectResponse(_next(request), status_code=303, headers={"Cache-Control": "no-store"})
    response.delete_cookie(
        DEVICE_COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


async def results(request: Request) -> Response:
    """The public results for phones (no code needed): HTML made once per change, see ui/public_results.py.

    ``?lang=ka|en`` (Georgian by default); ``If-None-Match`` with the current ETag gets ``304``."""
    lang = i18n.normalize_language(request.query_params.get("lang"))
    try:
        db = runtime.database()
        page = public_results.cached(db, lang) or await run_in_threadpool(public_results.page, db, lang)
    except DatabaseBusy:
        return Response("503", status_code=503, headers={"Retry-After": "10"})
    headers = {
        "ETag": page.etag,
        "Cache-Control": "no-cache",  # a phone may keep it, but asks each time whether it changed
        "Vary": "Accept-Encoding",
        "Content-Language": lang,
        "Content-Security-Policy": public_results.CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if public_results.matches(request.headers.get("if-none-match"), page.etag):
        return Response(status_code=304, headers=headers)
    body = page.html
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = page.gzipped  # compressed once per change; Streamlit's gzip leaves an encoded answer alone
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


async def screen(request: Request) -> Response:
    """The projector's screen for its script (``ui/components/projector.js``), asked every second:
    ``{"html", "page", "rotate_s", "min_ratio"}`` as in ``ui/projector.py``; ``?lang=ka|en``.

    A device that may open the projector's page only (403 otherwise: signed out, the script
    then reloads the page, which shows the sign-in); ``If-None-Match`` with the current ETag
    gets ``304`` and no body, which is nearly every second."""
    me = _identity(request)
    if me is None or not access.may_open(me.role, "plenary"):
        return _refused()
    lang = i18n.normalize_language(request.query_params.get("lang"))
    address = tls.served_results_url(lang)
    try:
        db = runtime.database()
        made = projector.cached_feed(db, lang, address) or await run_in_threadpool(projector.feed, db, lang, address)
    except DatabaseBusy:
        return Response(status_code=503, headers={"Retry-After": "5"})
    if made is None:
        return JSONResponse({"error": "no_forum"}, status_code=404)
    headers = {"ETag": made.etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if public_results.matches(request.headers.get("if-none-match"), made.etag):
        return Response(status_code=304, headers=headers)
    return Response(made.body, media_type="application/json", headers=headers)


ROUTES = [
    Route("/results", results, methods=["GET", "HEAD"]),
    Route("/results/", results, methods=["GET", "HEAD"]),
    Route("/api/device", device, methods=["GET", "POST"]),
    Route("/api/signout", signout, methods=["GET"]),
    Route("/api/ping", ping, methods=["GET", "HEAD"]),
    Route("/api/scans", scans, methods=["POST"]),
    Route("/api/undo", undo, methods=["POST"]),
    Route("/api/text", text, methods=["POST"]),
    Route(projector.FEED, screen, methods=["GET"]),
]
