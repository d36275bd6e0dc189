"""The desks' and the groups' tablets use the whole width of a 1024-px screen (issue 17 part 7)."""

from __future__ import annotations

import streamlit as st

ROLES = ("desk", "facilitator", "expert")


def full_width(role: str) -> bool:
    """For a tablet's role: the sidebar starts closed (it would take 29 % of a 1024-px tablet); returns
    whether the page's side margins are narrow on small screens (the page component's ``tablet``,
    ui/widgets.py page_context, ui/components/tablet.css)."""
    if role in ROLES:
        st.set_page_config(initial_sidebar_state="collapsed")
        return True
    return False
