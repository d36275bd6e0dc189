"""Widgets several pages share."""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st


def stepped_choice(prefix: str, label: str, ids: list, format_func: Callable[[Any], str],
                   widths: tuple[int, int, int] = (1, 10, 1)) -> Any:
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
