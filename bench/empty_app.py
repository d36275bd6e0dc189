"""An empty Streamlit page: the framework's floor for the load benchmarks (bench/forum_day.py)."""

import streamlit as st

st.write("")
