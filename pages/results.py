"""Public results for participants' phones: finalised priorities and initiative headlines only."""

import streamlit as st

from forum_core import plenary, report
from ui import session
from ui.render import render

session.enter_page()
session.guard("results")
t = session.translator()
db = session.database()
forum = session.current_forum(session.cursor())
forum_id = forum["id"]

st.html("""<style>
.res {font-size: 1.05rem; line-height: 1.35;}
.res ol {padding-left: 1.3rem; margin: .2rem 0 .6rem 0;}
.res .peb {color: #0b5cad; font-weight: 700; white-space: nowrap;}
.res .ini {color: #333; font-size: .95rem; margin: .1rem 0 .3rem 0;}
.res .flag {color: #a15c00; font-size: .9rem;}
.res .status {font-size: .9rem; font-weight: 600; white-space: nowrap;}
.res .status.included {color: #1b7a3e;} .res .status.partly {color: #b07000;}
.res .status.not_included {color: #b42323;} .res .status.outside_competence {color: #5a5a8c;}
</style>""")
st.title(t("results.title"))
st.caption(f"{forum['title']} · {forum['municipality']} · {forum['forum_date']:%d.%m.%Y}")


@st.fragment(run_every=10)
def results() -> None:
    snap = plenary.snapshot(db, forum_id)
    if not snap.state.revealed:  # the moderator hid the results: phones follow the projector
        st.info(t("plenary.hidden"))
        return
    published = plenary.public_results(snap)
    if not published:
        st.info(t("results.none_yet"))
        return
    st.caption(t("results.count", done=len(published), total=len(snap.groups), count=len(snap.groups)))
    answers = report.public_statuses(db, forum_id)  # after the reporting forum: the mayor's answer
    statuses = {
        p["problem_id"]: said(answers[p["problem_id"]])
        for g in published
        for p in g["priorities"]
        if answers.get(p["problem_id"])
    }
    for g in published:
        with st.container(border=True):
            st.html(render("results/group.html", t=t, group=g, statuses=statuses))


def said(answer: dict) -> dict:
    """The municipality's answer as results/group.html shows it: a CSS class and the words (and the amount)."""
    amount = (
        f" · {answer['amount']:,.0f} ₾".replace(",", " ")
        if answer["amount"] is not None and answer["status"] in report.FUNDED
        else ""
    )
    return {"status": answer["status"], "text": t(f"report.status_{answer['status']}") + amount}


results()
