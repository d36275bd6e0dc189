"""Participants (organizer): search, edit, move, add, remove, import the list."""

import hashlib

import pandas as pd
import streamlit as st

from forum_core import checkin, exports, georgian, importer, printing, tokens
from forum_core import forum as forum_mod
from forum_core import participants as people
from ui import session, widgets
from ui.text import md, md_join

ctx = session.page("participants")
t, db, cur, forum_id, lang = ctx.t, ctx.db, ctx.cur, ctx.forum_id, ctx.lang
groups = forum_mod.groups(cur, forum_id)
group_label = {
    g["id"]: t(
        "participants.group_option",
        number=g["number"],
        name=g["name"],
        size=g["size"],
        low=g["target_min"],
        high=g["target_max"],
    )
    for g in groups
}
GENDER_OPTIONS = ["", "f", "m", "x"]
# Labels are computed here, not inside format_func: widgets may call it outside the script run.
gender_label = {g: t(f"gender.{g or 'none'}") for g in GENDER_OPTIONS}
# "All groups" is 0 (no group's id), not None: a select box whose label changes with the language
# takes a None kept in the session for "nothing chosen" and shows an empty box
ALL_GROUPS = 0
filter_label = {ALL_GROUPS: t("participants.all_groups"), **group_label}

st.title(t("participants.title"))
session.show_flashes()


def size_status(g: dict) -> str:
    if g["size"] < g["target_min"]:
        return t("participants.size_under")
    if g["size"] > g["target_max"]:
        return t("participants.size_over")
    return t("participants.size_ok")


def person_widgets(prefix: str, values: dict, errors) -> None:
    # no max_chars on what may be pasted (Streamlit drops a longer paste without a word): the
    # service says "too long" under the field and keeps the text
    left, right = st.columns(2)
    with left:
        st.text_input(t("label.first_name"), value=values.get("first_name") or "", key=prefix + "first_name")
        session.field_errors(errors, "first_name")
        st.text_input(
            t("label.phone"),
            value=georgian.format_phone(values.get("phone")),
            key=prefix + "phone",
            placeholder="599 12 34 56",
        )
        session.field_errors(errors, "phone")
        st.selectbox(
            t("label.gender"),
            GENDER_OPTIONS,
            key=prefix + "gender",
            index=GENDER_OPTIONS.index(values.get("gender") or ""),
            format_func=gender_label.get,
        )
        st.text_input(t("label.community"), value=values.get("community") or "", key=prefix + "community")
        session.field_errors(errors, "community")
    with right:
        st.text_input(t("label.last_name"), value=values.get("last_name") or "", key=prefix + "last_name")
        session.field_errors(errors, "last_name")
        ids = list(group_label)
        current_group = values.get("group_id")
        st.selectbox(
            t("label.group"),
            ids,
            format_func=group_label.get,
            key=prefix + "group",
            index=ids.index(current_group) if current_group in ids else None,
            placeholder=t("participants.choose_group"),
        )
        session.field_errors(errors, "group")
        st.text_input(
            t("label.birth_year"), value=str(values.get("birth_year") or ""), max_chars=4, key=prefix + "birth_year"
        )
        session.field_errors(errors, "birth_year")
        st.text_input(t("label.email"), value=values.get("email") or "", key=prefix + "email")
        session.field_errors(errors, "email")
    st.text_area(t("label.needs"), value=values.get("needs") or "", key=prefix + "needs", height=68)
    session.field_errors(errors, "needs")


def read_person(prefix: str) -> dict:
    keys = ("first_name", "last_name", "phone", "group", "gender", "birth_year", "community", "email", "needs")
    return {k: st.session_state.get(prefix + k) for k in keys}


def _forget_removal() -> None:
    st.session_state.pop("confirm_remove", None)


@st.dialog(t("participants.remove_title"), on_dismiss=_forget_removal)
def confirm_remove(person: dict) -> None:
    st.write(t("participants.remove_confirm", name=md(f"{person['first_name']} {person['last_name']}")))
    yes, no = st.columns(2)
    if yes.button(t("button.remove"), type="primary", key="remove_yes"):
        _forget_removal()
        outcome = people.remove(db, session.actor(), person["id"], person["version"])
        session.flash_outcome(outcome)
        st.rerun()
    if no.button(t("button.cancel"), key="remove_no"):
        _forget_removal()
        st.rerun()


list_tab, add_tab, import_tab, print_tab = widgets.tabs(
    [t("participants.tab_list"), t("participants.tab_add"), t("participants.tab_import"), t("print.tab")],
    key="participants_tab",  # the chosen tab stays through runs and a language switch
)

with list_tab:
    sizes = pd.DataFrame(
        [
            {
                t("label.number"): g["number"],
                t("label.name"): g["name"],
                t("label.room"): g["room"],
                t("label.size"): g["size"],
                t("label.target"): f"{g['target_min']}–{g['target_max']}",
                t("label.status"): size_status(g),
            }
            for g in groups
        ]
    )
    total = sum(g["size"] for g in groups)
    with st.expander(t("participants.sizes", total=total, count=total), expanded=False):
        st.dataframe(sizes, hide_index=True, width="stretch", placeholder="—")
    query_col, group_col = st.columns([2, 1])
    query = query_col.text_input(
        t("participants.search"), key="search", max_chars=80, placeholder=t("participants.search_hint")
    )
    group_filter = group_col.selectbox(
        t("label.group"), list(filter_label), key="group_filter", format_func=filter_label.get
    )
    found = people.search(cur, forum_id, query or "", role=session.role(), limit=200, group_id=group_filter or None)
    st.caption(t("participants.found", shown=len(found), total=total))
    columns = {
        key: t(f"label.{key}")
        for key in ("last_name", "first_name", "group", "phone", "community", "birth_year", "needs")
    }
    table = pd.DataFrame(
        [
            (
                p["last_name"],
                p["first_name"],
                p["group_number"],
                georgian.format_phone(p["phone"]),
                p["community"],
                p["birth_year"],
                p["needs"],
            )
            for p in found
        ],
        columns=list(columns.values()),
    )
    nobody = t("participants.none_yet") if total == 0 else t("participants.none_found")
    widgets.table(table, nobody, height=min(38 + 35 * len(found), 420), key="found_table")

    if found:
        by_id = {p["id"]: p for p in found}
        # the person just saved stays chosen: the browser keeps a select box's choice by its words,
        # and a new phone in them lost it at the next click ("issue a new code" did nothing); set
        # again before the box is drawn, the browser gets the choice with its new words
        if "edit_choice_again" in st.session_state:
            st.session_state["edit_choice"] = st.session_state.pop("edit_choice_again")
        chosen = st.selectbox(
            t("participants.choose_person"),
            list(by_id),
            index=None,
            key="edit_choice",
            format_func=lambda pid: (
                f"{by_id[pid]['last_name']} {by_id[pid]['first_name']} · {georgian.format_phone(by_id[pid]['phone'])}"
            ),
            placeholder=t("participants.choose_person_hint"),
        )
        if chosen is not None:
            person = people.get(cur, chosen)
            prefix = f"edit_{chosen}_{person['version']}_"
            edit_errors = st.session_state.get("edit_errors", ())
            with st.form("edit_person"):
                person_widgets(prefix, person, edit_errors)
                save = st.form_submit_button(t("button.save"), type="primary")
            if save:
                outcome = people.update(db, session.actor(), chosen, read_person(prefix), person["version"])
                st.session_state["edit_errors"] = outcome.errors
                st.session_state["edit_choice_again"] = chosen
                session.flash_outcome(outcome)
                st.rerun()
            # The open dialog is remembered, so its buttons work whether the dialog
            # reruns alone (browser) or with the whole page.
            code = checkin.token_of(cur, chosen)
            c1, c2, c3 = st.columns(3)
            c1.download_button(
                t("print.one_invitation"),
                key="one_invitation",
                file_name="invitation.pdf",
                mime="application/pdf",
                data=lambda: printing.invitations_pdf(db.cursor(), forum_id, lang, [chosen]),
            )
            c2.caption(t("print.current_code", code=tokens.printable(code) if code else "—"))
            if c3.button(t("print.reissue"), key="reissue_code"):
                new = checkin.reissue_token(db, session.actor(), forum_id, chosen)
                session.flash("success", t("print.reissued", code=tokens.printable(new)))
                st.rerun()
            if st.button(t("participants.remove"), key="remove_person"):
                st.session_state["confirm_remove"] = chosen
            if st.session_state.get("confirm_remove") == chosen:
                confirm_remove(person)

    st.download_button(
        t("participants.export_xlsx"),
        data=lambda: exports.participants_xlsx(db.cursor(), forum_id),
        file_name="participants.xlsx",
        key="export_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

with add_tab:
    add_errors = st.session_state.get("add_errors", ())
    add_rev = st.session_state.get("add_rev", 0)
    with st.form("add_person"):
        person_widgets(f"add{add_rev}_", {}, add_errors)
        add = st.form_submit_button(t("participants.add"), type="primary")
    if add:
        outcome = people.add(db, session.actor(), forum_id, read_person(f"add{add_rev}_"))
        st.session_state["add_errors"] = outcome.errors
        if outcome.ok:
            st.session_state["add_rev"] = add_rev + 1  # an empty form for the next person
        session.flash_outcome(outcome, t("participants.added"))
        st.rerun()

with import_tab:
    st.write(t("import.help"))
    c1, c2 = st.columns(2)
    c1.download_button(
        t("import.template_xlsx"),
        data=importer.template_xlsx,
        file_name="participants_template.xlsx",
        key="template_xlsx",
    )
    c2.download_button(
        t("import.template_csv"),
        data=importer.template_csv,
        file_name="participants_template.csv",
        mime="text/csv",
        key="template_csv",
    )
    # every format the importer reads, so the app's own message explains a file it cannot use
    upload = st.file_uploader(t("import.file"), type=importer.FILE_TYPES, key="import_file")
    if upload is not None:
        data = upload.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        sheet = st.session_state.get(f"import_sheet_{digest[:12]}")
        cached = st.session_state.get("import_preview")
        if cached is None or cached[0] != (digest, sheet):
            cached = ((digest, sheet), importer.preview(cur, forum_id, data, upload.name, sheet=sheet))
            st.session_state["import_preview"] = cached
        plan = cached[1]
        if len(plan.sheets) > 1:  # a workbook: the sheet with the headers is read, the organizer may choose
            st.selectbox(
                t("import.sheet"),
                plan.sheets,
                index=plan.sheets.index(plan.sheet) if plan.sheet in plan.sheets else 0,
                key=f"import_sheet_{digest[:12]}",
            )
            if plan.problem is None:
                st.caption(t("import.sheet_used", sheet=md(plan.sheet), line=plan.header_line))
        if plan.problem is not None:
            st.error(importer.problem_text(lang, plan.problem))
        else:
            counts = plan.counts
            m = st.columns(4)
            for col, key in zip(m, ("new", "update", "unchanged", "invalid")):
                col.metric(t(f"import.count_{key}"), counts[key])
            if plan.ignored_columns:
                st.info(t("import.ignored_columns", columns=md_join(plan.ignored_columns)))
            if plan.updates:
                st.subheader(t("import.changes_title"))
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                t("import.line"): row["line"],
                                t("import.col_name"): row["name"],
                                t("import.col_field"): row["field"],
                                t("import.col_before"): row["before"],
                                t("import.col_after"): row["after"],
                            }
                            for row in importer.change_rows(plan, lang)
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                    key="import_changes",
                    placeholder="—",
                )
            skip_duplicates = False
            if plan.possible_duplicates:
                st.subheader(t("import.duplicates_title"))
                st.caption(t("import.duplicates_help"))
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                t("import.line"): row["line"],
                                t("import.col_name"): row["name"],
                                t("label.phone"): row["phone"],
                                t("import.col_other"): row["other"],
                            }
                            for row in importer.duplicate_rows(plan, lang)
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                    key="import_duplicates",
                    placeholder="—",
                )
                choice = st.radio(
                    t("import.duplicates_choice"),
                    ["add", "skip"],
                    key="import_duplicates_choice",
                    format_func=lambda c: t(f"import.duplicates_{c}"),
                    horizontal=True,
                )
                skip_duplicates = choice == "skip"
            if plan.invalid:
                st.warning(t("import.has_invalid", count=counts["invalid"]))
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                t("import.line"): row.line,
                                t("import.column"): t(f"label.{e.field}"),
                                t("import.reason"): session.error_plain(e),
                                t("import.value"): row.raw.get(e.field, ""),
                            }
                            for row in plan.invalid
                            for e in row.errors
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                    placeholder="—",
                )
            changes = counts["new"] + counts["update"] - (len(plan.possible_duplicates) if skip_duplicates else 0)
            if changes == 0:  # the rows with errors are not "on the list": said so when there are some
                st.info(
                    t("import.nothing_but_invalid", count=counts["invalid"]) if plan.invalid else t("import.nothing")
                )
            else:
                label = t("import.confirm_valid") if plan.invalid else t("import.confirm", count=changes)
                if st.button(label, type="primary", key="import_confirm"):
                    outcome = importer.apply(
                        db,
                        session.actor(),
                        forum_id,
                        data,
                        upload.name,
                        skip_invalid=bool(plan.invalid),
                        sheet=plan.sheet or None,
                        skip_duplicates=skip_duplicates,
                    )
                    st.session_state.pop("import_preview", None)
                    if outcome.ok:
                        session.flash("success", t("import.done", **outcome.value.counts))
                    else:
                        session.flash("error", t(f"import.failed_{outcome.reason}"))
                    st.rerun()
                if plan.invalid:
                    st.caption(t("import.or_fix"))

with print_tab:
    st.caption(t("print.help"))
    # Names with letters no bundled font has would print blank: say who, before printing.
    unprintable = printing.unprintable_people(cur, forum_id)
    if unprintable:
        st.warning(
            t(
                "print.unprintable",
                people=md_join(
                    (f"{p['first_name']} {p['last_name']} ({p['group_number']}) — {chars}" for p, chars in unprintable),
                    "; ",
                ),
            )
        )

    def make_pdf(kind: str, build) -> None:
        """Build a PDF with a progress bar; keep it for the download button below."""
        bar = st.progress(0.0, text=t("print.working"))
        data = build(
            lambda done, total: bar.progress(done / max(total, 1), text=t("print.progress", done=done, total=total))
        )
        bar.empty()
        st.session_state[f"pdf_{kind}"] = data

    if st.button(t("print.make_invitations"), key="make_invitations"):
        make_pdf("invitations", lambda progress: printing.invitations_pdf(cur, forum_id, lang, progress=progress))
    if "pdf_invitations" in st.session_state:
        st.download_button(
            t("print.download_invitations"),
            st.session_state["pdf_invitations"],
            file_name="invitations.pdf",
            mime="application/pdf",
            key="dl_invitations",
        )
    st.divider()
    badge_groups = st.multiselect(
        t("print.badge_groups"),
        list(group_label),
        format_func=group_label.get,
        key="badge_groups",
        placeholder=t("participants.all_groups"),
    )
    if st.button(t("print.make_badges"), key="make_badges"):
        make_pdf(
            "badges",
            lambda progress: printing.badges_pdf(
                cur, forum_id, lang, group_ids=badge_groups or None, progress=progress
            ),
        )
    if "pdf_badges" in st.session_state:
        st.download_button(
            t("print.download_badges"),
            st.session_state["pdf_badges"],
            file_name="badges.pdf",
            mime="application/pdf",
            key="dl_badges",
        )
    st.divider()
    st.download_button(
        t("print.sign_in_sheets"),
        key="dl_sheets",
        file_name="sign_in_sheets.pdf",
        mime="application/pdf",
        data=lambda: printing.sign_in_sheets_pdf(db.cursor(), forum_id, lang),
    )
