"""The address "/": each person goes on to their role's page (the public to the sign-in)."""

import streamlit as st

from forum_core import access
from ui import session

session.enter_page()
me = session.identity()
has_forum = session.current_forum() is not None
st.switch_page(f"pages/{access.home_page(me.role, has_forum)}.py")
