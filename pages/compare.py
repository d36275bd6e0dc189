"""Several forums side by side (organizer): fields and priorities, and the problems that came back."""
import pandas as pd
import streamlit as st

from forum_core import comparison, exports
from forum_core import forum as forum_mod
from ui import session
from ui.render import esc

session.enter_page()
session.guard("compare")
t = session.translator()
cur = session.cursor()

st.title(t("compare.title"))
st.caption(t("compare.help"))
forums = forum_mod.list_forums(cur)
forum_label = {f["id"]: f"{f['municipality']} {f['forum_date']:%Y} · {f['title']}" for f in forums}
chosen = st.multiselect(t("compare.forums"), list(forum_label), default=list(forum_label),
                        format_func=forum_label.get, key="compare_forums")
files = st.file_uploader(t("compare.upload"), type=["zip"], accept_multiple_files=True, key="compare_files",
                         help=t("compare.upload_help"))

db = session.database()
summaries = [comparison.from_database_now(db, forum_id) for forum_id in chosen]
for file in files or []:
    try:
        summaries.append(comparison.from_export(file.getvalue(), file.name))
    except exports.NotAnExport:
        st.error(t("compare.not_an_export", name=file.name))

summaries = comparison.in_time_order(summaries)
status_mark = {s: t(f"compare.mark_{s}") for s in ("included", "partly", "not_included", "outside_competence")}


def mark(status) -> str:
    return f" {status_mark[status]}" if status in status_mark else ""


def cell(items: list[dict]) -> str:
    return "".join(f"<li>{esc(p['title'])} <b>({p['pebbles']})</b>{esc(mark(p.get('status')))}</li>" for p in items)


if len(summaries) < 1:
    st.info(t("compare.choose"))
else:
    st.subheader(t("compare.by_field"))
    st.caption(t("compare.marks", **{k: v for k, v in status_mark.items()}))
    rows = comparison.by_field(summaries)
    head = "".join(f"<th>{esc(s.label)}</th>" for s in summaries)
    body = "".join(f"<tr><th>{esc(r['field'])}</th>"
                   + "".join(f"<td><ol>{cell(r.get(s.key, []))}</ol></td>" for s in summaries) + "</tr>"
                   for r in rows)
    st.html(f"""<style>.cmp {{border-collapse: collapse; width: 100%; font-size: .92rem;}}
.cmp th, .cmp td {{border: 1px solid #ddd; padding: .3rem .5rem; vertical-align: top; text-align: left;}}
.cmp ol {{margin: 0; padding-left: 1.2rem;}}</style>
<table class="cmp"><tr><th>{esc(t("compare.field"))}</th>{head}</tr>{body}</table>""")
    st.subheader(t("compare.came_back"))
    back = comparison.came_back(summaries)
    if not back:
        st.caption(t("compare.none_came_back"))
    else:
        st.dataframe(pd.DataFrame([{
            t("compare.problem"): c["title"],
            t("compare.appearances"): " → ".join(
                f"{a['forum']}: {a['rank']}. ({a['pebbles']}){mark(a['status'])}"
                for a in c["appearances"]),
            t("compare.funded_before"): t("compare.yes") if c["funded_before"] else t("compare.no")} for c in back]),
            hide_index=True, width="stretch", key="came_back_table")
