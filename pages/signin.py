"""Sign in with an access code; the public results need none."""
import streamlit as st

from forum_core import access
from ui import session

session.enter_page()
t = session.translator()
me = session.identity()
if me.role != "public" and (session.current_forum(session.cursor()) is not None or me.role == "organizer"):
    st.switch_page(f"pages/{access.HOME_PAGE[me.role]}.py")  # signed in: to this role's page
session.show_flashes()
session.sign_in_form()
if session.current_forum(session.cursor()) is not None:
    st.divider()
    st.page_link("pages/results.py", label=t("access.public_results"), icon=":material/leaderboard:")
