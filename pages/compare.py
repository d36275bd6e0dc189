"""Several forums side by side (organizer): fields and priorities, and the problems that came back."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from forum_core import comparison, exports, rollup
from forum_core import forum as forum_mod
from ui import session
from ui.render import render
from ui.text import md

ctx = session.page("compare")
t, cur, db = ctx.t, ctx.cur, ctx.db

st.title(t("compare.title"))
st.caption(t("compare.help"))
forums = forum_mod.list_forums(cur)
forum_label = {f["id"]: f"{f['municipality']} {f['forum_date']:%Y} · {f['title']}" for f in forums}
chosen = st.multiselect(
    t("compare.forums"), list(forum_label), default=list(forum_label), format_func=forum_label.get, key="compare_forums"
)
files = st.file_uploader(
    t("compare.upload"), type=["zip"], accept_multiple_files=True, key="compare_files", help=t("compare.upload_help")
)

rollup_file = st.file_uploader(
    t("compare.rollup_upload"), type=["duckdb"], key="compare_rollup", help=t("compare.rollup_help")
)
rollup_path = st.text_input(t("compare.rollup_path"), key="compare_rollup_path", help=t("compare.rollup_path_help"))

summaries = [comparison.from_database_now(db, forum_id) for forum_id in chosen]
for file in files or []:
    try:
        summaries.append(comparison.from_export(file.getvalue(), file.name))
    except exports.NotAnExport:
        st.error(t("compare.not_an_export", name=md(file.name)))


def rollup_forums(path, name: str) -> list:
    try:
        return comparison.from_rollup(path)
    except rollup.NotARollup:
        st.error(t("compare.not_a_rollup", name=md(name)))
        return []


rolled = []
if rollup_file is not None:
    # DuckDB opens files, not bytes: the upload goes to a temporary file, read once, then removed.
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "rollup.duckdb"
        target.write_bytes(rollup_file.getvalue())
        rolled += rollup_forums(target, rollup_file.name)
if rollup_path.strip():
    path = Path(rollup_path.strip()).expanduser()
    rolled += rollup_forums(path, rollup_path.strip()) if path.is_file() else []
    if not path.is_file():
        st.error(t("compare.rollup_not_found", name=md(rollup_path.strip())))
if rolled:
    labels = {s.key: s.label for s in rolled}
    picked = st.multiselect(
        t("compare.rollup_forums", count=len(rolled)),
        list(labels),
        default=list(labels) if len(labels) <= 12 else list(labels)[:12],
        format_func=labels.get,
        key="compare_rollup_pick",
    )
    summaries += [s for s in rolled if s.key in set(picked)]

summaries, repeats = comparison.without_repeats(summaries)
for repeat, first in repeats:
    st.warning(t("compare.same_forum", name=md(repeat.source or repeat.label), forum=md(first.label)))
summaries = comparison.in_time_order(summaries)
status_mark = {s: t(f"compare.mark_{s}") for s in ("included", "partly", "not_included", "outside_competence")}


def mark(status) -> str:
    return f" {status_mark[status]}" if status in status_mark else ""


if len(summaries) < 1:
    st.info(t("compare.choose"))
else:
    st.header(t("compare.by_field"))
    st.caption(t("compare.marks", **dict(status_mark.items())))
    st.html(
        render("compare/table.html", t=t, summaries=summaries, rows=comparison.by_field(summaries), marks=status_mark)
    )
    st.header(t("compare.came_back"))
    back = comparison.came_back(summaries)
    if not back:
        st.caption(t("compare.none_came_back"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("compare.problem"): c["title"],
                        t("compare.appearances"): " → ".join(
                            f"{a['forum']}: {a['rank']}. ({a['pebbles']}){mark(a['status'])}" for a in c["appearances"]
                        ),
                        t("compare.funded_before"): t("compare.yes") if c["funded_before"] else t("compare.no"),
                    }
                    for c in back
                ]
            ),
            hide_index=True,
            width="stretch",
            key="came_back_table",
            placeholder="—",
        )
