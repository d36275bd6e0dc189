"""An empty Streamlit page, the framework's floor for the load benchmarks (bench/forum_day.py),
served as the app is: an ``st.App`` under ``streamlit run`` (the page: bench/empty_page.py),
with TCP_NODELAY on its listening socket as ui/tls.py sets it on the app's.

Without that option a small answer written in two pieces on a kept-alive connection waits for
the client's delayed acknowledgement (44 ms per answer measured here, bench/https_start.py), and
the baseline would pay a wait the app does not: the app/floor ratios would flatter the app. So the
baseline gets the same option, set the same way (``ui.tls.no_delay``), before any connection.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the app's ui package

import streamlit as st  # noqa: E402

from ui import tls  # noqa: E402

tls.no_delay()  # Streamlit bound the port before importing this file; no connection accepted yet

app = st.App("empty_page.py")
