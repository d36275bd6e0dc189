"""The registration desk's scanner: capture, queue and card (the page and the HTTP route share it).

The scanner lives in the browser (``ui/components/desk.js``): it catches a handheld
scanner's burst of keys anywhere on the page, gives each scan an id, keeps it in the
browser until the laptop has answered it, and sends it to ``/api/scans`` (``ui/api.py``).
The answer's card is drawn here, from one template, for the route and the page alike.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from forum_core import checkin, i18n
from ui.render import render

CARD_STYLE = {
    "green": ("#0a7a2f", "#e6f6ec"),
    "amber": ("#a05a00", "#fff4df"),
    "red": ("#b3141b", "#fdeaea"),
}
_COMPONENTS = Path(__file__).resolve().parent / "components"


def card_html(result: checkin.CheckInResult, lang: str) -> str:
    """The big answer card (ui/templates/registration/card.html): people's text escaped there."""
    p = result.participant or {}
    colour = "green" if result.status == checkin.GREEN else "amber" if result.status == checkin.AMBER else "red"
    fg, bg = CARD_STYLE[colour]
    return render(
        "registration/card.html",
        t=functools.partial(i18n.t, lang),
        result=result,
        participant=p,
        colour=colour,
        fg=fg,
        bg=bg,
        name=f"{p.get('first_name', '')} {p.get('last_name', '')}".strip(),
        place=place_words(result.desk, lang),
    )


ROOM_PLACE = "room "  # a facilitator's check-in is stored as made "room <room>" (deliberation.mark_present)


def place_words(desk: str | None, lang: str) -> str:
    """Where a check-in was made, in the page's language: the desk's label as its device named it,
    or "in room 208" for a facilitator's check-in in the group's room."""
    if desk and desk.startswith(ROOM_PLACE):
        return i18n.t(lang, "desk.in_room", room=desk[len(ROOM_PLACE) :].strip() or "—")
    return desk or ""


def may_undo(result: checkin.CheckInResult, desk: str) -> bool:
    """Undo is offered only on a green card of this desk's own check-in (never on an amber one)."""
    return result.status == checkin.GREEN and bool(result.participant) and result.desk == desk


@functools.lru_cache(maxsize=1)
def _scanner():
    import streamlit as st

    return st.components.v2.component(
        "forum_desk_scanner",
        html=(_COMPONENTS / "desk.html").read_text(encoding="utf-8"),
        css=(_COMPONENTS / "desk.css").read_text(encoding="utf-8"),
        js=(_COMPONENTS / "desk.js").read_text(encoding="utf-8"),
        isolate_styles=False,  # the card's styles are inline; the page's fonts apply
    )


def scanner(desk: str, lang: str, result: checkin.CheckInResult | None = None, result_id: int = 0):
    """Mount the desk's scanner with its texts; ``result`` is an answer the page made (a check-in
    by name, a walk-in) to show as the card, ``result_id`` tells a new one from the one shown."""
    catalog = i18n.catalog(i18n.normalize_language(lang))
    # raw entries: the banner's plural forms are chosen in the browser, by the number waiting
    texts = {
        key: catalog.get(f"desk.{key}", f"desk.{key}")
        for key in ("scan_label", "scan_placeholder", "offline_banner", "undo")
    }
    person = (result.participant or {}) if result else {}
    data = {
        "desk": desk,
        "lang": lang,
        "texts": json.dumps(texts, ensure_ascii=False),
        "card": card_html(result, lang) if result else "",
        "card_id": result_id,
        "undo": bool(result) and may_undo(result, desk),
        "participant_id": person.get("id"),
    }
    return _scanner()(key="desk_scanner", data=data)


@functools.lru_cache(maxsize=1)
def _figures_refresh():
    import streamlit as st

    return st.components.v2.component("forum_desk_figures", js=(_COMPONENTS / "figures.js").read_text(encoding="utf-8"))


def figures_refresh() -> None:
    """Inside the figures' fragment: the scanner's answers (desk.js, ``forum:desk-answered``) run
    that fragment again, not the whole page (ui/components/figures.js)."""
    _figures_refresh()(key="desk_figures_refresh", on_asked_change=lambda: None)
