"""Audit trail (organizer): every change, filtered; a group's vote counts at any moment."""

import pandas as pd
import streamlit as st

from forum_core import access, audit
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from ui import pebble_photo, session, widgets

ctx = session.page("audit")
t, cur, forum_id = ctx.t, ctx.cur, ctx.forum_id
groups = forum_mod.groups(cur, forum_id)
group_label = {g["id"]: f"{g['number']}. {g['name']}" for g in groups}

st.title(t("audit.title"))
c1, c2, c3 = st.columns(3)
# "All" is a value of its own (no group's id, no role's or kind's name), not None: a select box whose
# label changes with the language takes a None kept in the session for "nothing chosen" (an empty box)
ALL_GROUPS, ALL = 0, "all"
group_id = c1.selectbox(
    t("label.group"),
    [ALL_GROUPS] + list(group_label),
    format_func=lambda g: t("audit.all") if g == ALL_GROUPS else group_label[g],
    key="audit_group",
)
role = c2.selectbox(
    t("access.role"),
    [ALL] + list(access.ROLES),
    format_func=lambda r: t("audit.all") if r == ALL else t(f"role.{r}"),
    key="audit_role",
)
kind = c3.selectbox(
    t("audit.kind"),
    [ALL] + list(audit.KINDS),
    format_func=lambda k: t("audit.all") if k == ALL else t(f"audit.kind.{k}"),
    key="audit_kind",
)


limit = st.select_slider(t("audit.limit"), [100, 200, 500, 2000], value=200, key="audit_limit")
rows = audit.entries(
    cur, forum_id, group_id or None, None if role == ALL else role, None if kind == ALL else kind, limit=limit
)
widgets.table(
    pd.DataFrame(
        [
            (
                r["happened_at"],
                t(f"role.{r['role']}"),
                audit.device(ctx.lang, r["device"]),
                group_label.get(r["group_id"], ""),
                audit.sentence(ctx.lang, r, group_label.get),  # readable words, never codes or JSON
            )
            for r in rows
        ],
        columns=[
            t("audit.when"),
            t("access.role"),
            t("audit.device"),
            t("label.group"),
            t("audit.what"),
        ],
    ),
    t("audit.none"),
    key="audit_table",
)
st.caption(t("audit.shown", count=len(rows)))

st.header(t("audit.replay"))
replay_group = st.selectbox(t("label.group"), list(group_label), format_func=group_label.get, key="replay_group")
moments = audit.vote_moments(cur, replay_group)
if not moments:
    st.info(t("audit.no_counts"))
else:
    moment = st.select_slider(
        t("audit.moment"),
        options=moments,
        value=moments[-1],
        format_func=lambda m: m.strftime("%H:%M:%S"),
        key="replay_moment",
    )
    widgets.table(
        pd.DataFrame(
            [(r["title"], r["pebbles"]) for r in audit.counts_at(cur, replay_group, moment)],
            columns=[t("audit.problem"), t("plenary.pebbles")],
        ),
        t("table.empty"),
        key="replay_table",
    )
# The group's photo of its pebble board, beside the counts it was taken with and those now.
board_photo = dl.photos(cur, forum_id).get(replay_group)
if board_photo:
    st.markdown(f"**{t('fac.photo_title')}**")
    pebble_photo.beside_counts(t, cur, replay_group, board_photo, width=360)
