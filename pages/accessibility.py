"""Accessibility statement (everyone, no sign-in): on the model of the EU Web Accessibility Directive's."""

import streamlit as st

from forum_core import accessibility as a11y
from ui import session

session.enter_page()
session.guard("accessibility")
t = session.translator()
forum = session.current_forum()

st.title(t("a11y.title"))
st.write(t("a11y.intro", standard=a11y.STANDARD))

st.header(t("a11y.status_heading"))
st.write(t(f"a11y.status_{a11y.STATUS}", standard=a11y.STANDARD))

st.header(t("a11y.gaps_heading"))
st.markdown("\n".join(f"- {t(f'a11y.gap_{gap}')}" for gap in a11y.NOT_YET))

st.header(t("a11y.tested_heading"))
st.write(t("a11y.tested", version=a11y.AXE_CORE_VERSION, date=f"{a11y.TESTED_ON:%d.%m.%Y}"))

st.header(t("a11y.contact_heading"))
contact = a11y.contact(forum)
st.write(t("a11y.contact"))
if contact:
    st.text(contact)  # the organizers as the forum names them: people's text, shown as text

st.caption(t("a11y.statement_date", date=f"{a11y.STATEMENT_DATE:%d.%m.%Y}"))
