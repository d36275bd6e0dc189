"""After the forum (organizer): recommendations, the reporting forum's answers, documents, exports."""

import pandas as pd
import streamlit as st

from forum_core import exports, i18n, report, report_pdf
from forum_core import forum as forum_mod
from ui import session, widgets
from ui.text import md

ctx = session.page("report")
t, db, cur, forum, forum_id, actor = ctx.t, ctx.db, ctx.cur, ctx.forum, ctx.forum_id, ctx.actor

st.title(t("report.title"))
st.caption(f"{md(forum['title'])} · {md(forum['municipality'])} · {forum['forum_date']:%d.%m.%Y}")
# Every published priority becomes a recommendation as soon as this page opens: nothing retyped.
if report.unmade(db, forum_id):
    added = report.sync(db, actor, forum_id)
    if added.reason == "added":
        st.toast(t("report.synced", count=added.value))
session.show_flashes()

recs = report.recommendations_now(db, forum_id)
groups = forum_mod.groups(cur, forum_id)
finalised = {p["group_id"] for p in report.published_now(db, forum_id)}
waiting = [g for g in groups if g["id"] not in finalised]
if waiting:
    st.warning(t("report.groups_waiting", groups=", ".join(str(g["number"]) for g in waiting)))


def flash_outcome(outcome, ok_key: str | None = None) -> None:
    if outcome.ok and outcome.reason != "unchanged" and ok_key:
        session.flash("success", t(ok_key))
    elif not outcome.ok:
        session.flash_outcome(outcome)


def save_organizers() -> None:
    # saved when the field changes, once: a refused text (too long) stays in the field with its
    # message, and is not sent again on every run
    flash_outcome(report.set_organizers(db, actor, forum_id, st.session_state["organizers"]), "report.saved")


st.text_input(
    t("report.organizers"),
    value=forum.get("organizers") or "",
    key="organizers",
    help=t("report.organizers_help"),
    on_change=save_organizers,
)

# keyed: the tab chosen stays chosen through a run that adds or removes a message above it (without a
# key the page went back to the first tab after "make the document", its download button out of sight);
# and known to the server (a run on each switch): a tab chosen while a run was still drawing the page
# went back to the first tab in 1 of 8 tries, in none of 24 with this
recs_tab, answers_tab, docs_tab, export_tab = widgets.tabs(
    [t("report.tab_recommendations"), t("report.tab_answers"), t("report.tab_documents"), t("report.tab_exports")],
    key="report_tab",  # the chosen tab stays through runs and a language switch
)

label = {r["id"]: f"{n}. {r['text'][:80]}" for n, r in enumerate(recs, start=1)}

with recs_tab:
    st.caption(t("report.recs_help"))
    if not recs:
        st.info(t("report.no_recommendations"))

    def save_wording(rec_id: int) -> None:
        flash_outcome(report.edit_wording(db, actor, rec_id, st.session_state[f"wording_{rec_id}"]), "report.saved")

    def step(rec_id: int, delta: int) -> None:
        flash_outcome(report.move(db, actor, rec_id, delta))

    def join(rec_id: int) -> None:
        other = st.session_state.get(f"merge_{rec_id}")
        if other is not None:
            flash_outcome(report.merge(db, actor, rec_id, other), "report.merged")
            st.session_state[f"merge_{rec_id}"] = None

    def take_out(member_id: int) -> None:
        flash_outcome(report.unmerge(db, actor, member_id), "report.unmerged")

    # The whole list as one table, and one recommendation at a time to work on: fifty
    # recommendations with their widgets each would make every keystroke's rerun slow.
    if recs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "#": n,
                        t("report.col_recommendation"): r["text"],
                        t("report.col_groups"): ", ".join(map(str, r["groups"])),
                        t("fac.pebbles"): r["pebbles"],
                        t("report.col_edited"): "✓" if r["edited"] else "",
                        t("report.col_merged"): str(len(r["merged"])) if r["merged"] else "",  # one type per column
                    }
                    for n, r in enumerate(recs, start=1)
                ]
            ),
            hide_index=True,
            width="stretch",
            key="recs_table",
            placeholder="—",
        )
        chosen = widgets.stepped_choice("rec", t("report.working_on"), [r["id"] for r in recs], label.get)
        n, rec = next((n, r) for n, r in enumerate(recs, start=1) if r["id"] == chosen)
        with st.container(border=True, key=f"rec_{rec['id']}"):
            head, up, down = st.columns([12, 1, 1], vertical_alignment="center")
            head.markdown(f"**{n}\\. {md(rec['text'])}**")
            up.button(
                "↑",
                key=f"up_{rec['id']}",
                on_click=step,
                args=(rec["id"], -1),
                disabled=n == 1,
                help=t("report.move_up"),
            )
            down.button(
                "↓",
                key=f"down_{rec['id']}",
                on_click=step,
                args=(rec["id"], 1),
                disabled=n == len(recs),
                help=t("report.move_down"),
            )
            st.caption(
                t(
                    "report.from_groups",
                    groups="; ".join(
                        f"{s['group_number']}. {md(s['group_name'])} — {md(s['title'])}"
                        + (
                            f" ({t('report.rank_pebbles', rank=i18n.ordinal(session.lang(), s['rank']), count=s['pebbles'])})"
                            if s["still_priority"]
                            else f" ({t('report.no_longer_priority')})"
                        )
                        for s in rec["sources"]
                    ),
                )
            )
            if rec["stale"]:
                st.warning(t("report.stale"))
            st.text_area(
                t("report.wording"),
                value=rec["wording"],
                key=f"wording_{rec['id']}",
                height=68,
                placeholder=rec["original"],
                help=t("report.wording_help"),
                on_change=save_wording,
                args=(rec["id"],),
            )
            left, right = st.columns([3, 1], vertical_alignment="bottom")  # "გაერთიანება" whole at 1024 px
            others = [r["id"] for r in recs if r["id"] != rec["id"]]
            left.selectbox(
                t("report.merge_with"),
                others,
                index=None,
                format_func=label.get,
                key=f"merge_{rec['id']}",
                placeholder=t("report.merge_placeholder"),
            )
            right.button(t("report.merge"), key=f"join_{rec['id']}", on_click=join, args=(rec["id"],))
            for member in rec["merged"]:
                st.button(
                    t("report.take_out", title=md(rec["merged_texts"][member][:80])),
                    key=f"out_{member}",
                    on_click=take_out,
                    args=(member,),
                )

with answers_tab:
    st.caption(t("report.answers_help"))
    status_label = {s: t(f"report.status_{s}") for s in report.STATUSES}
    by_label = {v: k for k, v in status_label.items()}
    table = pd.DataFrame(
        [
            {
                "n": n,
                "text": r["text"],
                "groups": ", ".join(str(g) for g in r["groups"]),
                "status": status_label.get((r["answer"] or {}).get("status")),
                "program_code": (r["answer"] or {}).get("program_code") or "",
                # as text, read by the service: a number cell read "12500,50" (a Georgian decimal comma)
                # as 1250050 and dropped an amount too large for it without a word
                "amount": report.money(r["answer"]["amount"], ctx.lang)
                if r["answer"] and r["answer"]["amount"] is not None
                else None,
                "reason": (r["answer"] or {}).get("reason") or "",
            }
            for n, r in enumerate(recs, start=1)
        ]
    )
    if recs:
        codes = [p["program_code"] for p in forum_mod.budget_programs(cur, forum_id)]
        # The editor keeps typed changes by row number: a key made of the list's order makes a
        # reordered or merged list start clean instead of putting answers on other rows.
        editor_key = "answers_" + "_".join(str(r["id"]) for r in recs)
        edited = st.data_editor(
            table,
            key=editor_key,
            hide_index=True,
            width="stretch",
            disabled=["n", "text", "groups"],
            column_order=["n", "text", "groups", "status", "program_code", "amount", "reason"],
            # no limits in the cells (the editor cuts a long reason and drops a minus sign without a
            # word): the service refuses them, saying so, and rows in error stay as typed
            column_config={
                # the number and the words stay in view while the answer's columns scroll (1024 px; not on a phone)
                "n": st.column_config.NumberColumn("#", width="small", pinned=True),
                "text": st.column_config.TextColumn(t("report.col_recommendation"), width="medium", pinned=True),
                "groups": st.column_config.TextColumn(t("report.col_groups"), width="small"),
                "status": st.column_config.SelectboxColumn(
                    t("report.status"), options=list(status_label.values()), width="medium"
                ),
                "program_code": st.column_config.TextColumn(
                    t("report.program_code"), help=t("report.program_help", codes=", ".join(codes))
                ),
                "amount": st.column_config.TextColumn(t("report.amount_gel"), help=t("label.amount_help")),
                "reason": st.column_config.TextColumn(t("report.reason"), width="medium"),
            },
            placeholder="—",
        )
        if st.button(t("report.save_answers"), key="save_answers", type="primary"):
            typed = [
                {
                    "id": rec_id,  # by the row's place, never from a cell (see widgets.row_ids)
                    "n": row["n"],
                    "status": by_label.get(row["status"]),
                    "program_code": row["program_code"],
                    "amount": row["amount"],
                    "reason": row["reason"],
                }
                for row, rec_id in zip(edited.to_dict("records"), widgets.row_ids(editor_key, [r["id"] for r in recs]))
            ]
            outcomes = report.record_answers(db, actor, typed)
            saved = sum(o.reason == "saved" for o in outcomes.values())
            # each named by its recommendation's number ("1. …" read as a Markdown list's own numbering)
            problems = [
                t("report.answer_error", n=n, error=session.error_line(e))
                for n, o in outcomes.items()
                if not o.ok
                for e in o.errors
            ]
            # said in toasts too: the messages at the page's top are out of sight below the grid (1024
            # px), and a browser's redraw of the grid after the save can run the page again at once
            if saved:
                session.flash("success", t("report.answers_saved", count=saved), toast=True)
            for line in problems:
                session.flash("error", line, toast=True)
            for n, o in outcomes.items():
                for w in o.warnings if o.ok else ():
                    said = t("report.answer_error", n=n, error=i18n.error_text(session.lang(), w))
                    session.flash("warning", said, toast=True)
            if not problems:  # saved: the table shows what is stored; rows in error stay as typed
                st.session_state.pop(editor_key, None)
            st.rerun()

with docs_tab:
    st.caption(t("report.docs_help"))
    doc_lang = st.segmented_control(
        t("report.doc_language"),
        list(i18n.LANGUAGES),
        default=session.lang(),
        format_func=lambda code: i18n.t(code, "language.name"),
        key="doc_lang",
        required=True,  # a tap on the language chosen keeps it
    )
    if st.button(t("report.make_recommendations"), key="make_recommendations"):
        bar = st.progress(0.0, text=t("print.working"))
        data = report_pdf.recommendations_pdf(
            cur,
            forum_id,
            doc_lang,
            progress=lambda done, total: bar.progress(done / total, text=t("print.progress", done=done, total=total)),
        )
        bar.empty()
        st.session_state["pdf_recommendations"] = (doc_lang, data)
    if "pdf_recommendations" in st.session_state:
        made_lang, data = st.session_state["pdf_recommendations"]
        st.download_button(
            t("report.download_recommendations"),
            data,
            key="dl_recommendations",
            file_name=f"recommendations-{made_lang}.pdf",
            mime="application/pdf",
        )
    st.divider()
    st.download_button(
        t("report.download_participants_report"),
        key="dl_participants_report",
        file_name=f"report-to-participants-{doc_lang}.pdf",
        mime="application/pdf",
        data=lambda: report_pdf.participants_report_pdf(db.cursor(), forum_id, doc_lang),
    )

with export_tab:
    st.caption(t("report.export_help"))
    name = st.selectbox(
        t("report.export_table"),
        exports.table_names(),
        key="export_table",
        format_func=lambda n: t(f"report.export_table_{n}"),  # the file is named after the table (n)
    )
    left, right = st.columns(2)
    left.download_button(
        t("report.download_csv"),
        key="dl_csv",
        file_name=f"{name}.csv",
        mime="text/csv",
        data=lambda: exports.table_csv(exports.one_table(db.cursor(), forum_id, name)),
    )
    right.download_button(
        t("report.download_xlsx"),
        key="dl_xlsx",
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        data=lambda: exports.tables_xlsx({name: exports.one_table(db.cursor(), forum_id, name)}),
    )
    st.divider()
    st.download_button(
        t("report.download_all_xlsx"),
        key="dl_all_xlsx",
        file_name="forum-all-tables.xlsx",  # not "forum.xlsx": the one-table export of "forum" is named so
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        data=lambda: exports.tables_xlsx(exports.tables(db.cursor(), forum_id)),
    )
    st.download_button(
        t("report.download_parquet"),
        key="dl_parquet",
        file_name="forum-parquet.zip",
        mime="application/zip",
        data=lambda: exports.parquet_zip(db.cursor(), forum_id),
    )
    st.download_button(
        t("report.download_anonymised"),
        key="dl_anonymised",
        file_name="forum-anonymised.zip",
        mime="application/zip",
        help=t("report.anonymised_help"),
        data=lambda: exports.parquet_zip(db.cursor(), forum_id, anonymised=True),
    )
