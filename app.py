"""The forum-day app: navigation, language, and the page of this run."""
import streamlit as st

from forum_core import i18n
from ui import session

st.set_page_config(page_title="Forum", page_icon="🗳️", layout="wide")

session.app_started()
lang = session.lang()
cur = session.cursor()
has_forum = session.current_forum(cur) is not None

pages = [st.Page("pages/setup.py", title=session.t("nav.setup"), icon=":material/settings:", url_path="setup", default=True)]
if has_forum:
    pages.append(st.Page("pages/participants.py", title=session.t("nav.participants"), icon=":material/group:",
                         url_path="participants"))
    pages.append(st.Page("pages/facilitator.py", title=session.t("nav.facilitator"), icon=":material/groups:",
                         url_path="facilitator"))
    pages.append(st.Page("pages/overview.py", title=session.t("nav.overview"), icon=":material/dashboard:",
                         url_path="overview"))
    pages.append(st.Page("pages/registration.py", title=session.t("nav.registration"), icon=":material/how_to_reg:",
                         url_path="registration"))
    pages.append(st.Page("pages/control.py", title=session.t("nav.control"), icon=":material/tune:",
                         url_path="control"))
    pages.append(st.Page("pages/plenary.py", title=session.t("nav.plenary"), icon=":material/tv:",
                         url_path="plenary"))
    pages.append(st.Page("pages/results.py", title=session.t("nav.results"), icon=":material/leaderboard:",
                         url_path="results"))
page = st.navigation(pages)



def _choose_language() -> None:
    choice = st.session_state.get("lang_choice")
    if choice:
        st.session_state["lang"] = choice
        st.query_params["lang"] = choice


st.session_state["lang_choice"] = lang  # keep the switch in step with ?lang=
with st.sidebar:
    st.segmented_control(session.t("nav.language"), options=list(i18n.LANGUAGES),
                         format_func=lambda code: i18n.t(code, "language.name"),
                         key="lang_choice", on_change=_choose_language)

try:
    page.run()
finally:
    session.app_finished()
