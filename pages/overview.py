"""Organizer's overview: all groups at once, so the organizers see which room needs help, who
came against who was invited, and each group's pebble count beside the photo of its board."""

import pandas as pd
import streamlit as st

from forum_core import deliberation as dl
from forum_core import representation
from ui import pebble_photo, session
from ui import representation as rep_ui

ctx = session.page("overview")
t, cur, forum = ctx.t, ctx.cur, ctx.forum
st.title(t("overview.title"))
session.show_flashes()


@st.fragment(run_every=10)
def board() -> None:
    with st.container(key="live_board"):  # refreshes by itself: not faded (a11y.css)
        session.still_signed_in()
        db = session.database()
        rows = dl.overview_now(db, forum)
        photos = dl.photos_now(db, forum["id"])
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
                        photos[r["group_id"]]["happened_at"].strftime("%H:%M") if r["group_id"] in photos else "—",
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
                    t("overview.photo"),
                ],
            ),
            hide_index=True,
            width="stretch",
            key="overview_table",
            placeholder="—",
        )
        waiting = [r for r in rows if r["step"] != "done"]
        st.caption(t("overview.summary", done=len(rows) - len(waiting), total=len(rows), count=len(rows)))

        st.header(t("rep.title"))
        table = representation.table(db, forum["id"], public=False)
        voted = sum(r["finalised"] for r in rows)
        st.caption(t("rep.groups_voted", voted=voted, total=len(rows), count=len(rows)) + " " + t("rep.definition"))
        rep_ui.show(t, ctx.lang, table, "representation")


board()

# --- the photo of a group's board beside its counts (chosen, so the refresh sends no pictures) ---
st.header(t("overview.photos_title"))
photos = dl.photos_now(ctx.db, forum["id"])
if not photos:
    st.caption(t("overview.no_photos"))
else:
    chosen = st.selectbox(
        t("overview.photo_group"),
        list(photos),
        format_func=lambda gid: f"{photos[gid]['number']}. {photos[gid]['name']}",
        index=None,
        key="overview_photo_group",
        placeholder=t("overview.photo_group_hint"),
    )
    if chosen is not None:
        pebble_photo.beside_counts(t, cur, chosen, photos[chosen])
