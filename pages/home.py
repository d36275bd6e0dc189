"""The address "/": each person goes on to their role's page (the public to the sign-in)."""
import streamlit as st

from forum_core import access
from ui import session

session.enter_page()
me = session.identity()
has_forum = session.current_forum(session.cursor()) is not None
st.switch_page(f"pages/{access.HOME_PAGE[me.role] if has_forum or me.role == 'organizer' else 'signin'}.py")
