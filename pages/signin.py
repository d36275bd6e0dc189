"""Sign in with an access code; the public results need none."""
import streamlit as st

from ui import session

session.enter_page()
t = session.translator()
session.show_flashes()
session.sign_in_form()
if session.current_forum(session.cursor()) is not None:
    st.divider()
    st.page_link("pages/results.py", label=t("access.public_results"), icon=":material/leaderboard:")
