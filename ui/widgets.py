"""Widgets several pages share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from forum_core import i18n


def stepped_choice(
    prefix: str, label: str, ids: list, format_func: Callable[[Any], str], widths: tuple[int, int, int] = (1, 10, 1)
) -> Any:
    """A select box with ◀ ▶ buttons beside it, for going through a list one item at a time
    (keys ``<prefix>_choice``, ``<prefix>_prev``, ``<prefix>_next``); returns the chosen id."""
    key = f"{prefix}_choice"
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]

    def step(delta: int) -> None:
        current = st.session_state.get(key)
        index = ids.index(current) if current in ids else -delta
        st.session_state[key] = ids[(index + delta) % len(ids)]

    prev_col, choice_col, next_col = st.columns(list(widths), vertical_alignment="bottom")
    prev_col.button("◀", key=f"{prefix}_prev", on_click=step, args=(-1,), width="stretch")
    choice_col.selectbox(label, ids, format_func=format_func, key=key)
    next_col.button("▶", key=f"{prefix}_next", on_click=step, args=(1,), width="stretch")
    return st.session_state[key]


_COMPONENTS = Path(__file__).resolve().parent / "components"


@functools.lru_cache(maxsize=1)
def _connection_component():
    return st.components.v2.component(
        "forum_connection_watch",
        css=(_COMPONENTS / "connection.css").read_text(encoding="utf-8"),
        js=(_COMPONENTS / "connection.js").read_text(encoding="utf-8"),
        isolate_styles=False,  # its styles hide Streamlit's own connection dialog, outside the component
    )


def connection_watch(lang: str, discreet: bool = False) -> None:
    """Every page: the app's own message while the laptop cannot be reached (ui/components/connection.js)."""
    _connection_component()(
        key="connection_watch", data={"lang": lang, "discreet": discreet, "offline": i18n.t(lang, "connection.offline")}
    )


@functools.lru_cache(maxsize=1)
def _redirect_component():
    return st.components.v2.component("forum_redirect", js=(_COMPONENTS / "redirect.js").read_text(encoding="utf-8"))


def redirect(url: str) -> None:
    """Send the browser to ``url`` (a path of this app) and stop this run."""
    _redirect_component()(key="redirect", data={"url": url})
    st.stop()


@functools.lru_cache(maxsize=1)
def _words_component():
    return st.components.v2.component(
        "forum_streamlit_words",
        js=(_COMPONENTS / "words.js").read_text(encoding="utf-8"),
    )


@functools.lru_cache(maxsize=1)
def _a11y_css() -> str:
    return (_COMPONENTS / "a11y.css").read_text(encoding="utf-8")


# Streamlit's own English words that its API cannot set, by the catalog key that replaces them
STREAMLIT_WORDS = {
    "Skip to main content": "streamlit.skip_to_content",
    "Upload": "streamlit.upload",
    "Drag and drop a file here": "streamlit.drop_file",
    "Drag and drop files here": "streamlit.drop_file",
    "Press Enter to apply": "streamlit.press_enter",
    "Press Enter to submit form": "streamlit.press_enter_form",
    "No results": "streamlit.no_results",
}


def streamlit_words(lang: str) -> None:
    """Every page: Streamlit's own words in the page's language, the focus ring and contrast
    styles (ui/components/words.js, a11y.css)."""
    _words_component()(
        key="streamlit_words",
        data={
            "exact": {english: i18n.t(lang, key) for english, key in STREAMLIT_WORDS.items()},
            "limit": i18n.t(lang, "streamlit.upload_limit"),
            "css": _a11y_css(),  # put in the document's head by words.js: global, kept across page changes
        },
    )
