"""Organizer's overview: all groups at once, so the organizers see which room needs help."""

import pandas as pd
import streamlit as st

from forum_core import deliberation as dl
from ui import session

ctx = session.page("overview")
t, cur, forum = ctx.t, ctx.cur, ctx.forum
st.title(t("overview.title"))


@st.fragment(run_every=10)
def board() -> None:
    session.still_signed_in()
    rows = dl.overview_now(session.database(), forum)
    st.dataframe(
        pd.DataFrame(
            [
                (
                    r["number"],
                    r["name"],
                    r["room"],
                    t(f"overview.step_{r['step']}"),
                    r["problems"],
                    "✓" if r["finalised"] else "—",
                    f"{r['initiatives_complete']} / {r['priorities']}",
                    r["presenter"] or "—",
                )
                for r in rows
            ],
            columns=[
                t("label.number"),
                t("label.name"),
                t("label.room"),
                t("overview.step"),
                t("overview.problems"),
                t("overview.finalised"),
                t("overview.initiatives"),
                t("fac.presenter"),
            ],
        ),
        hide_index=True,
        width="stretch",
        key="overview_table",
    )
    waiting = [r for r in rows if r["step"] != "done"]
    st.caption(t("overview.summary", done=len(rows) - len(waiting), total=len(rows), count=len(rows)))


board()
