"""The forum-day app's server: ``streamlit run app.py`` serves it (Streamlit 1.67's ``st.App``).

Streamlit runs ``navigation.py`` for every browser session (navigation by role, language,
sign-in, the page of each run); beside it, the app's own HTTP routes (``ui/api.py``) take
what a device must be sure arrived: a desk's queued scans, a tablet's typed text. The
middleware (``ui/middleware.py``) bounds the sessions one device address may open, and what
every first page run needs is made as the server starts (``ui/warmup.py``).
"""

import streamlit as st
from starlette.middleware import Middleware

from ui import api, warmup
from ui.middleware import SessionLimit

app = st.App("navigation.py", routes=api.ROUTES, middleware=[Middleware(SessionLimit)], lifespan=warmup.lifespan)
