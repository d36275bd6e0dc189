"""The projector in the main hall: full screen, nobody touching it, following the moderator."""

from datetime import datetime

import streamlit as st

from forum_core import plenary
from ui import projector, session, tls

ctx = session.page("plenary")
t, lang, db, forum, forum_id = ctx.t, ctx.lang, ctx.db, ctx.forum, ctx.forum_id

# No Streamlit chrome, no "running" indicator, no fading while a refresh runs; the screen itself
# covers the window and sizes its type to it (ui/projector.py, ui/components/projector.js).
st.html("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stStatusWidget"], [data-testid="stDecoration"], footer {display: none !important;}
[data-stale="true"], .stale-element {opacity: 1 !important; transition: none !important;}
</style>""")


def results_address() -> str:
    """The public results page at the address phones open (ui/tls.py, forum_core/network.py: plain
    HTTP beside HTTPS, no certificate warning), not the one this screen was opened with: on the
    laptop itself that is localhost."""
    return tls.served_results_url(lang)


# Drawn once; then the screen asks the laptop itself every second for what to show (GET
# /api/screen, ui/projector.py feed): a bodiless 304 while nothing changed, where a page run
# each second cost the laptop and the projector's browser far more.
snap = plenary.snapshot(db, forum_id)
projector.show(
    projector.screen_html(snap, t, datetime.now(), results_address()),
    snap.state,
    key="projector",
    feed=projector.feed_url(lang),
)
