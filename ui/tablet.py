"""The desks' and the groups' tablets use the whole width of a 1024-px screen (issue 17 part 7)."""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

ROLES = ("desk", "facilitator", "expert")
_COMPONENTS = Path(__file__).resolve().parent / "components"


@functools.lru_cache(maxsize=1)
def _layout():
    return st.components.v2.component(
        "forum_tablet_layout",
        html="<span hidden></span>",
        css=(_COMPONENTS / "tablet.css").read_text(encoding="utf-8"),
        isolate_styles=False,  # its rule narrows Streamlit's own page margins
    )


def full_width(role: str) -> None:
    """For a tablet's role: the sidebar starts closed (it would take 29 % of a 1024-px tablet) and the
    page's side margins are narrow on small screens (ui/components/tablet.css)."""
    if role in ROLES:
        st.set_page_config(initial_sidebar_state="collapsed")
        _layout()(key="tablet_layout")
