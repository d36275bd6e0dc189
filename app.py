"""The forum-day app's server: ``streamlit run app.py`` serves it (Streamlit 1.67's ``st.App``).

Streamlit runs ``navigation.py`` for every browser session (navigation by role, language,
sign-in, the page of each run); beside it, the app's own HTTP routes (``ui/api.py``) take
what a device must be sure arrived: a desk's queued scans, a tablet's typed text. The
middleware (``ui/middleware.py``) bounds the sessions one device address may open and keeps the
pages out of other sites' frames, and what every first page run needs is made as the server
starts (``ui/warmup.py``).

It serves HTTPS by default: the first thing it does is make sure the server runs on the
laptop's own certificate (``ui/tls.py``; ``FORUM_HTTP=1`` for plain HTTP).
"""

from ui import runtime, tls

tls.start(runtime.db_path())  # may start this same command again, on TLS, and not return

import streamlit as st  # noqa: E402 (after the restart above, which needs none of this)
from starlette.middleware import Middleware  # noqa: E402

from ui import api, warmup  # noqa: E402
from ui.middleware import NoFraming, SessionLimit  # noqa: E402

app = st.App(
    "navigation.py",
    routes=api.ROUTES,
    middleware=[Middleware(NoFraming), Middleware(SessionLimit)],
    lifespan=warmup.lifespan,
)
