"""The empty page itself (bench/empty_app.py serves it): one element, nothing else."""

import streamlit as st

st.write("")
