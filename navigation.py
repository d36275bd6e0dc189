"""What every browser session runs (served by app.py): navigation by role, language, sign-in, the page."""

import streamlit as st

from forum_core import access, i18n
from forum_core.db import StorageError
from ui import public_results, session, tablet, widgets

st.set_page_config(page_icon="🗳️", layout="wide")  # each page's title is its name in the catalog

session.app_started()
lang = session.lang()
t = session.translator()  # this run's language, looked up once
session.process_start()  # the organizer code and the backup thread, once per process
has_forum = session.current_forum() is not None
me = session.identity()
is_tablet = tablet.full_width(me.role)  # desks and group tablets: the whole width (sidebar closed, narrow margins)

# Every page is registered, so each address opens its own page, and each page checks
# the role itself (``session.guard``): /facilitator without a code shows the sign-in.
# The sidebar lists only the pages this role may open.
PAGES = [  # (file, url path, icon, needs a forum)
    ("pages/setup.py", "setup", ":material/settings:", False),
    ("pages/participants.py", "participants", ":material/group:", True),
    ("pages/access.py", "access", ":material/key:", True),
    ("pages/registration.py", "registration", ":material/how_to_reg:", True),
    ("pages/facilitator.py", "facilitator", ":material/groups:", True),
    ("pages/overview.py", "overview", ":material/dashboard:", True),
    ("pages/control.py", "control", ":material/tune:", True),
    ("pages/plenary.py", "plenary", ":material/tv:", True),
    ("pages/audit.py", "audit", ":material/history:", True),
    ("pages/report.py", "report", ":material/description:", True),
    ("pages/compare.py", "compare", ":material/compare_arrows:", True),
    ("pages/accessibility.py", "accessibility", ":material/accessibility:", False),
]


def _pages() -> dict:
    """This session's pages, made once per language and per forum or none, then kept in the session:
    a page object checks its file on the disk as it is made (14 of them: ~1.2-1.5 ms of CPU in every run).
    Each session keeps its own: ``st.navigation`` marks the page it returns as the one to run."""
    kept = st.session_state.get("_nav_pages")
    if kept is not None and kept[0] == (lang, has_forum):
        return kept[1]
    # "/" is a page of its own that sends each role on to its page; every other page
    # keeps its address (a default page would answer only at "/").
    made = {
        "home": st.Page("pages/home.py", title=t("nav.signin"), url_path="home", default=True),
        "signin": st.Page("pages/signin.py", title=t("nav.signin"), icon=":material/login:", url_path="signin"),
    }
    for path, url, icon, needs_forum in PAGES:
        if has_forum or not needs_forum:
            made[url] = st.Page(path, title=t(f"nav.{url}"), icon=icon, url_path=url)
    st.session_state["_nav_pages"] = ((lang, has_forum), made)
    return made


pages = _pages()
page = st.navigation(list(pages.values()), position="hidden")


def _choose_language() -> None:
    choice = st.session_state.get("lang_choice")
    if choice:
        st.session_state["lang"] = choice
        st.query_params["lang"] = choice


if st.query_params.get("lang") != lang:
    st.query_params["lang"] = lang  # in the address of every page, so a reload keeps the language
st.session_state["lang_choice"] = lang  # keep the switch in step with ?lang=
with st.sidebar:
    for url, p in pages.items():
        if url not in ("home", "signin") and access.may_open(me.role, url):
            st.page_link(p)
    if has_forum:  # the public results are a plain web page of the app's own server (ui/api.py), for every role
        st.markdown(public_results.link(lang))
    st.divider()
    if me.role == "public":
        st.page_link(pages["signin"])
    else:
        st.caption(session.signed_in_as(me))
        if st.button(t("access.sign_out"), key="sign_out"):
            session.sign_out()
            st.switch_page(pages["signin"])
    st.segmented_control(
        t("nav.language"),
        options=list(i18n.LANGUAGES),
        format_func=lambda code: i18n.t(code, "language.name"),
        key="lang_choice",
        on_change=_choose_language,
    )
session.follow_redirect()  # after a sign-in: the device cookie asked for; after a sign-out: to the route that clears it
# One component (ui/components/page.js): the app's own message while the laptop cannot be reached
# (never Streamlit's English dialog; on the projector only a small mark in a corner, the last picture
# stays), Streamlit's own words in the page's language, the focus ring and contrast, the tablets' margins.
widgets.page_context(lang, discreet=page.url_path == "plenary", tablet=is_tablet)

try:
    page.run()
except StorageError as failed:  # the disk is full or the file unwritable: said in words, not a trace
    session.show_storage_failure(failed)
finally:
    session.app_finished()
