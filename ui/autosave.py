"""A tablet's text field that saves itself and survives a Wi-Fi drop (ui/components/autosave.*).

The field is drawn by the browser, not by Streamlit: what is typed is kept in the browser
(localStorage) as it is typed and sent to ``POST /api/text`` (``ui/api.py`` ->
``forum_core.deliberation.save_text``) after a short pause and on leaving the field, again
and again until the laptop answers. The status line says whether it is saved; a text
changed meanwhile on another device is shown beside the person's own, for them to choose.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

from forum_core import i18n

_COMPONENTS = Path(__file__).resolve().parent / "components"
TEXTS = ("saving", "saved", "offline", "conflict", "conflict_help", "theirs", "mine", "keep_mine", "take_theirs")


@functools.lru_cache(maxsize=1)
def _component():
    return st.components.v2.component(
        "forum_autosave",
        html=(_COMPONENTS / "autosave.html").read_text(encoding="utf-8"),
        css=(_COMPONENTS / "autosave.css").read_text(encoding="utf-8"),
        js=(_COMPONENTS / "autosave.js").read_text(encoding="utf-8"),
        isolate_styles=False,  # the page's fonts apply; the label's for= finds its field
    )


def widget_key(field_id: str) -> str:
    """The Streamlit key of a field's component (and its ``st-key-…`` class in the page)."""
    return "autosave_" + "".join(c if c.isalnum() else "_" for c in field_id)


def text_field(
    field_id: str,
    label: str,
    stored_value: str | None,
    lang: str,
    multiline: bool = False,
    *,
    device: str = "",
    disabled: bool = False,
    placeholder: str = "",
    rows: int = 3,
    key: str | None = None,
) -> None:
    """Mount the autosaving field ``field_id`` (see ``deliberation.save_text``) showing ``stored_value``.

    ``device`` keeps drafts of two people sharing a browser apart (the signed-in device); ``key``
    is the Streamlit key (its ``st-key-…`` class in the page), by default made from the field id."""
    texts = {name: i18n.t(lang, f"autosave.{name}") for name in TEXTS}
    texts["not_allowed"] = i18n.t(lang, "reason.not_allowed")
    data = {
        "field": field_id,
        "label": label,
        "stored": stored_value or "",
        "multiline": multiline,
        "device": device,
        "disabled": disabled,
        "placeholder": placeholder,
        "rows": rows,
        "lang": lang,
        "texts": texts,
    }
    _component()(key=key or widget_key(field_id), data=data)
