"""The public results for phones (``/results``): a plain HTML page from the app's own HTTP route.

When the projector shows the QR code, a whole hall opens this address within seconds. A
Streamlit session per phone (a websocket, a script run, memory) would crowd out the desks;
a plain page costs one HTTP answer. The page is made once per change of what it shows (the
groups' published priorities, the mayor's answers, the moderator's hide/reveal), per
language, through the database's read cache (``Database.read_through``: dropped when a unit
of work writes one of :data:`PAGE_TABLES`), and kept with its gzip form and ETag, so a
thousand phones asking cost a thousand lookups, not a thousand renders.

Phones refresh it with a conditional request (``If-None-Match``): ``304 Not Modified`` and
no body while nothing changed. The refresh is a small script (``ui/components/results.js``)
rather than a ``<meta http-equiv="refresh">``: a meta refresh during a Wi-Fi drop replaces
the results with the browser's error page, which never refreshes again, and reloads the
whole page (scroll position, a blink) every time; the script keeps the last results on
screen, swaps only ``<main>`` when the ETag changed and tries again after a failure.
Without JavaScript, a ``<noscript>`` meta refresh still updates the page.

Same content rules as the projector's wall: finalised priorities and initiative headlines
(:func:`forum_core.plenary.public_results`), after the reporting forum the municipality's
answer; no person's name (presenters neither); nothing while the moderator hides results.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from markupsafe import Markup

from forum_core import forum as forum_mod
from forum_core import i18n, plenary, report
from forum_core.db import Database
from ui.render import render

REFRESH_SECONDS = 10  # how often an open page asks whether the results changed
NOSCRIPT_REFRESH_SECONDS = 20  # without JavaScript: a whole-page reload, so less often
SCRIPT = (Path(__file__).resolve().parent / "components" / "results.js").read_text(encoding="utf-8")
# The page's only script is the app's own file (never people's text), inlined to spare a
# thousand phones a second request; the Content-Security-Policy allows exactly this script.
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
# The lari sign's font (static/fonts, a face for ₾ alone): Streamlit serves it at /app/static on the
# app's port, ui/public_port.py at the same path on the phones' port; fetched only by a page showing ₾.
FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONTS_URL = "/app/static/fonts"
CSP = (
    f"default-src 'none'; script-src '{SCRIPT_HASH}'; style-src 'unsafe-inline'; connect-src 'self'; "
    "font-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# What the page shows is read from these tables (plenary's screen and results read models,
# the report's answers, the current forum); a unit of work writing one of them makes the
# page anew on the next request. A write that changes nothing shown keeps the same ETag.
PAGE_TABLES = tuple(
    sorted(
        {"app_setting", "forum", "plenary_event", "working_group", "participant", "problem", "pebble_count"}
        | {"group_event", "initiative"}
        | set(report.REPORT_TABLES)
    )
)


@dataclass(frozen=True)
class Page:
    html: bytes
    gzipped: bytes  # compressed once per change, not once per phone
    etag: str  # a weak ETag (W/"..."), the same for the gzipped and the plain page


_making = threading.Lock()
made = 0  # pages made since the start (tests and the bench count renders)


def page(db: Database, lang: str) -> Page:
    """The public page in ``lang`` as the data is now; made only after a change.

    One lock: after a change the first phone makes the page while the others wait for it,
    instead of each making the same page."""
    with _making:
        forum_id = forum_mod.current_forum_id_shared(db)
        return db.read_through(
            ("public_results_page", forum_id, lang), PAGE_TABLES, lambda cur: _make(db, forum_id, lang)
        )


def cached(db: Database, lang: str) -> Page | None:
    """The page if it was made since the last change of what it shows, else None; reads no table.

    The route asks this on the server's event loop, which spares nearly every phone's request a
    hop to a worker thread (each a wait for the interpreter lock while pages run); only after a
    change does a request go to a thread to make the page (:func:`page`)."""
    forum_id = db.peek(("current_forum_id",), forum_mod.FORUM_CHOICE_TABLES)
    return db.peek(("public_results_page", forum_id, lang), PAGE_TABLES) if forum_id is not None else None


def _said(t, lang: str, answer: dict) -> dict:
    """The municipality's answer as the page shows it: a CSS class and the words (and the amount)."""
    amount = (
        f" · {report.lari(answer['amount'], lang)}"
        if answer["amount"] is not None and answer["status"] in report.FUNDED
        else ""
    )
    return {"status": answer["status"], "text": t(f"report.status_{answer['status']}") + amount}


def content(db: Database, forum_id: int | None, lang: str) -> dict:
    """What the page shows, as template context: only what a phone in the hall may see."""
    t = partial(i18n.t, lang)
    context = {"t": t, "forum": None, "hidden": False, "groups": [], "statuses": {}, "total": 0}
    if forum_id is None:
        return context
    snap = plenary.snapshot(db, forum_id)
    forum = snap.forum
    context["forum"] = {
        "title": forum["title"],
        "municipality": forum["municipality"],
        "date": f"{forum['forum_date']:%d.%m.%Y}" if forum.get("forum_date") else "",
    }
    if not snap.state.revealed:  # the moderator hid the results: phones follow the projector
        context["hidden"] = True
        return context
    context["groups"] = plenary.public_results(snap)
    context["total"] = len(snap.groups)
    answers = report.public_statuses(db, forum_id)  # after the reporting forum: the mayor's answer
    context["statuses"] = {
        p["problem_id"]: _said(t, lang, answers[p["problem_id"]])
        for g in context["groups"]
        for p in g["priorities"]
        if answers.get(p["problem_id"])
    }
    return context


def _make(db: Database, forum_id: int | None, lang: str) -> Page:
    global made
    made += 1
    context = content(db, forum_id, lang)
    # The ETag is the hash of what changes (<main>, in this language), so the script can read
    # it from the page it came with; the rest of the page follows from the language alone.
    main = render("results/main.html", **context)
    # Weak: the same page is sent gzipped or not, and a strong ETag would have to differ between them.
    etag = 'W/"' + hashlib.sha256(f"{lang}\n{main}".encode()).hexdigest()[:32] + '"'
    other = next(code for code in i18n.LANGUAGES if code != lang)
    html = render(
        "results/page.html",
        **context,
        lang=lang,
        etag=etag,
        other={"code": other, "name": i18n.t(other, "language.name")},
        refresh_seconds=REFRESH_SECONDS,
        noscript_refresh_seconds=NOSCRIPT_REFRESH_SECONDS,
        fonts_url=FONTS_URL,
        script=Markup(SCRIPT),  # the app's own file, see SCRIPT
    ).encode()
    return Page(html, gzip.compress(html, compresslevel=6, mtime=0), etag)


def matches(if_none_match: str | None, etag: str) -> bool:
    """Does the request's ``If-None-Match`` name this ETag (weak forms and ``*`` included)?"""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}  # weak comparison
    return "*" in tags or etag.removeprefix("W/") in tags


def link(lang: str, key: str = "nav.results") -> str:
    """A Markdown link to the public results in ``lang`` for the pages' sidebar and sign-in: a plain
    web page of the server, not a Streamlit page, so ``st.page_link`` cannot name it."""
    return f":material/leaderboard: [{i18n.t(lang, key)}](/results?lang={lang})"
