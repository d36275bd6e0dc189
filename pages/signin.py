"""Sign in with an access code; the public results need none."""

import streamlit as st

from forum_core import access
from ui import public_results, session

session.enter_page()
t = session.translator()
me = session.identity()
has_forum = session.current_forum() is not None
if access.home_page(me.role, has_forum) != "signin":
    st.switch_page(f"pages/{access.home_page(me.role, has_forum)}.py")  # signed in: to this role's page
session.show_flashes()
session.sign_in_form()
if has_forum:
    st.divider()
    st.markdown(public_results.link(session.lang(), "access.public_results"))  # a plain page of the server
