"""The projector's screens as HTML, and the component that fits them to a screen (pages/plenary.py
shows one full screen, pages/control.py small previews of the same HTML).

Each mode is one template in ``ui/templates/plenary/`` whose sizes are all relative to one type
size; ``ui/components/projector.js`` finds in the browser the largest size at which everything fits
the screen it is shown on, and pages through the screen's units (cards, initiatives) when even
the smallest readable size does not fit them all.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from forum_core import forum as forum_mod
from forum_core import i18n, plenary, printing
from forum_core.db import Database
from ui.render import render

_COMPONENTS = Path(__file__).resolve().parent / "components"
# The smallest readable type, as a share of the screen's height: 28 px on a 1080-line projector,
# 20 px on a 768-line one (a line of the wall a hall can read). Below it a screen is cut into pages
# instead of shrinking further.
MIN_RATIO = 1 / 38.4
ROTATE_S = 12  # the wall's and the summary's pages turn by themselves (nobody speaks over them)


@functools.lru_cache(maxsize=8)
def qr_image(address: str) -> str:
    """The address as a QR code, base64 PNG for a data: address (made once per address)."""
    return base64.b64encode(printing.qr_png(address)).decode("ascii")


def initiative_lines(t: Callable, p: dict) -> dict:
    """A priority with its initiative as plain text, for plenary/presenting.html."""
    i = p["initiative"] or {}
    who = ", ".join(
        x
        for x in (
            t("plenary.beneficiaries_count", count=i["beneficiaries_count"]) if i.get("beneficiaries_count") else "",
            i.get("beneficiaries_age"),
            i.get("beneficiaries_specifics"),
        )
        if x
    )
    return {
        "rank": p["rank"],
        "title": p["title"],
        "pebbles": p["pebbles"],
        "initiative": i.get("title") or "",
        "goal": i.get("goal") or "",
        "who": who,
    }


def screen_html(snap: plenary.Snapshot, t: Callable, now: datetime, address: str | None) -> str:
    """What a projector shows for ``snap`` (its state says which screen), as one piece of HTML."""
    mode = snap.state.mode
    image = qr_image(address) if address else ""
    if mode == "wall":
        return render(
            "plenary/wall.html",
            t=t,
            groups=snap.groups,
            revealed=snap.state.revealed,
            done=snap.totals.groups_finalised,
            count=snap.totals.groups,
        )
    if mode == "presenting":
        group = snap.group(snap.state.presenting)
        timer = snap.state.timer
        return render(
            "plenary/presenting.html",
            t=t,
            group=group,
            phase=timer.phase(now),
            clock=plenary.clock_text(timer.remaining(now)),
            pebbles=[
                {"label": str(p["rank"]), "value": p["pebbles"], "behind": 0, "text": str(p["pebbles"])}
                for p in (group.priorities if group else ())
            ],
            priorities=[initiative_lines(t, p) for p in (group.priorities if group else ())],
        )
    if mode == "summary":
        n = snap.totals
        return render(
            "plenary/summary.html",
            t=t,
            figures=[
                (n.checked_in, t("plenary.total_participants")),
                (n.problems, t("plenary.total_problems")),
                (n.pebbles, t("plenary.total_pebbles")),
                (n.initiatives, t("plenary.total_initiatives")),
            ],
            fields=plenary.by_field(list(snap.groups)),
            revealed=snap.state.revealed,
            qr_image=image,
            address=address,
        )
    f = snap.forum
    return render(
        "plenary/welcome.html",
        t=t,
        forum=f,
        agenda=plenary.agenda(list(snap.phases), f["forum_date"], f["start_time"], now),
        arrivals=[
            {
                "label": f"{a['number']}. {a['name']}",
                "value": a["checked_in"],
                "behind": a["expected"],
                "text": f"{a['checked_in']} / {a['expected']}",
            }
            for a in snap.arrivals
        ],
        checked_in=snap.totals.checked_in,
        expected=snap.totals.expected,
        qr_image=image,
        address=address,
    )


@functools.lru_cache(maxsize=1)
def _component():
    import streamlit as st

    return st.components.v2.component(
        "forum_projector",
        css=(_COMPONENTS / "projector.css").read_text(encoding="utf-8"),
        js=(_COMPONENTS / "projector.js").read_text(encoding="utf-8"),
        isolate_styles=False,  # the full screen covers Streamlit's page; the page's fonts apply
    )


def screen_data(html: str, state: plenary.ScreenState) -> dict:
    """What projector.js needs to draw a screen: its HTML, the moderator's page turns, whether the
    pages turn by themselves (nobody speaks over the wall and the summary), the smallest type."""
    return {
        "html": html,
        "page": state.page,
        "rotate_s": ROTATE_S if state.mode in ("wall", "summary") else 0,
        "min_ratio": MIN_RATIO,
    }


def show(
    html: str, state: plenary.ScreenState, key: str, preview_width: int | None = None, feed: str | None = None
) -> None:
    """Mount a screen: the whole window, or a preview ``preview_width`` pixels wide laid out as a
    1280x720 projector. The pages turn on the moderator's command, and by themselves on screens
    nobody speaks over. ``feed``: the address the screen then asks every second for what to show
    (:data:`FEED`), instead of a page run per second."""
    data = screen_data(html, state)
    if preview_width:
        data |= {"box_width": 1280, "box_height": 720, "shown_width": preview_width}
    if feed:
        data["feed"] = feed
    _component()(key=key, data=data)


# --- the projector's own feed (GET /api/screen, ui/api.py) ------------------------------------

FEED = "/api/screen"  # ?lang=ka|en


def feed_url(lang: str) -> str:
    return f"{FEED}?lang={lang}"


@dataclass(frozen=True)
class Feed:
    body: bytes  # screen_data as JSON
    etag: str  # a weak ETag of the body: 304 while the screen (and its clock) stays the same


# What the screen shows besides its data: the presenting group's clock (each second while it runs)
# and, on the welcome screen, which phase of the agenda is on (by the forum's clock).
def _clock(snap: plenary.Snapshot, now: datetime) -> tuple:
    if snap.state.mode == "presenting":
        timer = snap.state.timer
        return (timer.phase(now), plenary.clock_text(timer.remaining(now)))
    if snap.state.mode in ("wall", "summary"):
        return ()
    f = snap.forum
    return tuple(row["current"] for row in plenary.agenda(list(snap.phases), f["forum_date"], f["start_time"], now))


FEED_TABLES = forum_mod.FORUM_CHOICE_TABLES + plenary.SNAPSHOT_TABLES
# Per database, the last screen made for each (language, results address): (data stamp, clock,
# snapshot, Feed). Two projectors ask every second; the screen changes far less often.
_made: weakref.WeakKeyDictionary[Database, dict] = weakref.WeakKeyDictionary()


def feed(db: Database, lang: str, address: str | None, now: datetime | None = None) -> Feed | None:
    """The full screen as the projector's script asks for it every second (None: no forum yet).

    Made again only after a commit to one of its tables or a change of its clock (:func:`_clock`);
    otherwise the screen made last, whose ETag lets the answer be a bodiless 304. While the
    presenting group's timer runs, its clock changes the screen each second."""
    now = now or datetime.now()
    kept = cached_feed(db, lang, address, now)
    if kept is not None:
        return kept
    stamp = db.stamp(FEED_TABLES)  # read before the data: a memo is never newer-stamped than what it saw
    forum_id = forum_mod.current_forum_id_shared(db)
    if forum_id is None:
        return None
    snap = plenary.snapshot(db, forum_id)
    clock = _clock(snap, now)
    t = functools.partial(i18n.t, lang)
    html = screen_html(snap, t, now, address)
    body = json.dumps(screen_data(html, snap.state), ensure_ascii=False).encode()
    made = Feed(body, 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    _made.setdefault(db, {})[(lang, address)] = (stamp, clock, snap, made)
    return made


def cached_feed(db: Database, lang: str, address: str | None, now: datetime | None = None) -> Feed | None:
    """The screen :func:`feed` made last if nothing it shows changed since, else None; reads no
    table. The route asks this on the server's event loop, which spares nearly every request a hop
    to a worker thread (a wait for the interpreter lock while pages run), as the public results do."""
    last = _made.get(db, {}).get((lang, address))
    if last is None or last[0] != db.stamp(FEED_TABLES) or last[1] != _clock(last[2], now or datetime.now()):
        return None
    return last[3]
