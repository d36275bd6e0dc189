"""Setup (organizer): start a forum (demo or new), its settings, agenda and working groups."""

import shutil
import tempfile
from datetime import date, time
from pathlib import Path

import pandas as pd
import streamlit as st

from forum_core import backup, demo, programs, publication, report, tables
from forum_core import forum as forum_mod
from ui import representation as rep_ui
from ui import session, widgets
from ui.text import md

UPLOAD_PREFIX = "forum-restore-"  # where an uploaded backup ZIP is unpacked until it is restored or dismissed


def drop_upload_copy(source: Path) -> None:
    """Remove the unpacked copy of an uploaded backup (never an automatic backup's folder)."""
    if source.parent.name.startswith(UPLOAD_PREFIX):
        shutil.rmtree(source.parent, ignore_errors=True)


ctx = session.page("setup")
t, db, cur, current = ctx.t, ctx.db, ctx.cur, ctx.forum
errors = st.session_state.get("setup_errors", ())
# Table editors keep their edits under their key; a new key after a save starts them afresh.
editor_rev = st.session_state.get("editor_rev", 0)  # a new forum chosen: every field and table anew


def table_key(table: str) -> str:
    """A data editor's key: new when the forum changes or when this table is saved, not when
    another one is (one count for all dropped the groups' unsaved typing when the programs were
    saved, a browser tour). Each count only grows, so their sum never repeats a key."""
    return f"{table}_editor_{editor_rev + st.session_state.get(f'{table}_rev', 0)}"


def renew_table(table: str) -> None:
    """The table is drawn anew under a new key (see :func:`table_key`): its edits are stored, and it
    shows what is stored now; or its save was refused, and it shows what the save would have stored."""
    st.session_state[f"{table}_rev"] = st.session_state.get(f"{table}_rev", 0) + 1


def cell_words(value) -> str:
    """A cell's value quoted in a sentence, as the table shows it: "—" for an empty one, a whole
    number without the ".0" the table gives back."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return md(value)


def said_of_table(table: str, outcome, success: str, merged, titles: dict, stored: list[dict]) -> None:
    """A table's save, said at the page's top: done (the table then shows what is stored), or that
    the reasons are listed under the table, naming their rows (no cell of the table is marked, and
    the groups' reasons were said twice, at the top and under it).

    Refused with reasons, the table shows the rows the save would have stored (``merged``: the
    person's edits, unsaved, on the rows ``stored`` now, and another organizer's rows added
    meanwhile), so each "row N" of a reason is the table's; a row whose deletion was refused is back
    in its place. Saved, each cell another organizer had changed too is named with both words, and
    each row they deleted that comes back (``titles``: the columns' titles)."""
    if outcome.ok:
        renew_table(table)
    if outcome.ok or not outcome.errors:
        session.flash_outcome(outcome, success)
    else:
        session.flash("error", t("setup.listed_below"))
        refused = {e.params.get("id") for e in outcome.errors if e.code in forum_mod.DELETION_REFUSALS}
        key = table_key(table)
        renew_table(table)  # nothing was stored
        widgets.editor_renew(key, table_key(table), stored, tables.put_back(merged.rows, stored, refused))
    if outcome.ok:
        for change in merged.replaced:
            column = titles.get(change.column, change.column)
            theirs, mine = cell_words(change.theirs), cell_words(change.mine)
            session.flash(
                "warning", t("setup.replaced_theirs", row=change.row, column=column, theirs=theirs, mine=mine)
            )
        for row in merged.restored:
            session.flash("warning", t("setup.restored_row", row=row))


session.show_flashes()


def settings_widgets(prefix: str, values: dict) -> None:
    """The forum's fields, each with its errors from the last save right under it."""
    st.text_input(t("label.title"), value=values.get("title", ""), key=f"{prefix}title")
    session.field_errors(errors, "title")
    left, right = st.columns(2)
    with left:
        st.text_input(t("label.municipality"), value=values.get("municipality", ""), key=f"{prefix}municipality")
        session.field_errors(errors, "municipality")
        st.date_input(
            t("label.forum_date"),
            value=values.get("forum_date") or date.today(),
            key=f"{prefix}forum_date",
            format="DD.MM.YYYY",
        )
        session.field_errors(errors, "forum_date")
        # no limits in the boxes: Streamlit refuses a number past them in the browser and the form
        # then saves the last number it took, without a word; the service refuses it, under the box
        st.number_input(
            t("label.duration_min"),
            step=10,
            value=int(values.get("duration_min") or 240),
            key=f"{prefix}duration_min",
        )
        session.field_errors(errors, "duration_min")
        st.number_input(
            t("label.priorities_per_group"),
            value=int(values.get("priorities_per_group") or 5),
            key=f"{prefix}priorities_per_group",
        )
        session.field_errors(errors, "priorities_per_group")
    with right:
        st.text_input(t("label.venue"), value=values.get("venue", ""), key=f"{prefix}venue")
        session.field_errors(errors, "venue")
        st.time_input(
            t("label.start_time"), value=values.get("start_time") or time(11, 0), step=300, key=f"{prefix}start_time"
        )
        session.field_errors(errors, "start_time")
        st.number_input(
            t("label.pebbles_per_participant"),
            value=int(values.get("pebbles_per_participant") or 3),
            key=f"{prefix}pebbles_per_participant",
        )
        session.field_errors(errors, "pebbles_per_participant")
    st.text_area(t("label.goals"), value=values.get("goals") or "", key=f"{prefix}goals")
    session.field_errors(errors, "goals")
    st.checkbox(
        t("label.flagged_in_vote"),
        value=bool(values.get("flagged_in_vote")),
        key=f"{prefix}flagged_in_vote",
        help=t("setup.flagged_help"),
    )


def read_settings(prefix: str) -> dict:
    keys = (
        "title",
        "municipality",
        "forum_date",
        "venue",
        "start_time",
        "duration_min",
        "pebbles_per_participant",
        "priorities_per_group",
        "goals",
        "flagged_in_vote",
    )
    return {k: st.session_state.get(prefix + k) for k in keys}


def new_forum_form() -> None:
    with st.form("new_forum"):
        settings_widgets("new_", {})
        submitted = st.form_submit_button(t("setup.create"), type="primary")
    if submitted:
        phases = [{"name": t(f"phase.{key}"), "minutes": minutes} for key, minutes in forum_mod.DEFAULT_PHASES]
        drafts = forum_mod.default_groups({k: t(f"field.{k}") for k in forum_mod.DEFAULT_FIELDS})
        outcome = forum_mod.create_forum(db, session.actor(), read_settings("new_"), phases, drafts)
        st.session_state["setup_errors"] = outcome.errors
        if outcome.ok:
            session.flash("success", t("setup.created"))
        st.rerun()


if current is None:
    st.title(t("setup.welcome"))
    st.write(t("setup.welcome_text"))
    demo_col, new_col = st.columns([1, 2])
    with demo_col:
        st.subheader(t("setup.demo_title"))
        st.caption(t("setup.demo_text"))
        if st.button(t("setup.load_demo"), type="primary", key="load_demo"):
            demo.load_demo(db, session.actor())
            session.flash("success", t("setup.demo_loaded"))
            st.rerun()
    with new_col:
        st.subheader(t("setup.new_title"))
        new_forum_form()
    st.stop()

# --- an existing forum -----------------------------------------------------------
forum_id = current["id"]
st.title(t("setup.title"))
forums = forum_mod.list_forums(cur)
if len(forums) > 1:
    labels = {f["id"]: f"{f['title']} — {f['forum_date']:%d.%m.%Y}" for f in forums}
    chosen = st.selectbox(
        t("setup.current_forum"),
        options=list(labels),
        index=list(labels).index(forum_id),
        format_func=labels.get,
        key="forum_choice",
    )
    if chosen != forum_id:
        forum_mod.set_current_forum(db, session.actor(), chosen)
        for key in [k for k in st.session_state if str(k).startswith("s_")]:
            del st.session_state[key]  # the other forum's values must not stay in the fields
        st.session_state["editor_rev"] = st.session_state.get("editor_rev", 0) + 1
        st.rerun()

settings_tab, groups_tab, programs_tab, new_tab = widgets.tabs(
    [t("setup.tab_settings"), t("setup.tab_groups"), t("setup.tab_programs"), t("setup.tab_new")],
    key="setup_tab",  # the chosen tab stays through runs and a language switch
)

with settings_tab:
    with st.form("settings"):
        settings_widgets("s_", current)
        st.markdown(f"**{t('setup.agenda')}**")
        phases = forum_mod.phases(cur, forum_id)
        phase_df = pd.DataFrame([{"name": p.name, "minutes": p.minutes} for p in phases], columns=["name", "minutes"])
        edited_phases = st.data_editor(
            phase_df,
            num_rows="dynamic",
            hide_index=True,
            key=table_key("phases"),
            width="stretch",
            column_config={
                "name": st.column_config.TextColumn(t("label.phase_name"), required=True),
                "minutes": st.column_config.NumberColumn(t("label.minutes"), step=5),
            },
            placeholder="—",
        )
        for error in errors:
            if error.field.startswith("phase"):
                st.error(session.error_line(error), icon="⚠️")
        for warning in st.session_state.get("setup_warnings", ()):
            st.warning(session.error_text(warning))
        saved = st.form_submit_button(t("button.save"), type="primary")
    if saved:
        raw_phases = edited_phases.to_dict("records")
        outcome = forum_mod.update_settings(db, session.actor(), forum_id, read_settings("s_"), raw_phases)
        st.session_state["setup_errors"] = outcome.errors
        st.session_state["setup_warnings"] = outcome.warnings
        if outcome.ok:
            renew_table("phases")
            session.flash("success", t("setup.saved"))
        else:
            session.flash("error", t("setup.not_saved"))
        st.rerun()
    # The official code goes into the publication export's manifest (forum_core.publication).
    with st.form("municipality_code"):
        st.text_input(
            t("label.municipality_code"),
            value=publication.municipality_code(cur, forum_id),
            max_chars=publication.CODE_MAX,
            key=f"municipality_code_{editor_rev}",
            help=t("setup.municipality_code_help"),
        )
        session.field_errors(st.session_state.get("setup_code_errors", ()), "municipality_code")
        code_saved = st.form_submit_button(t("setup.municipality_code_save"))
    if code_saved:
        outcome = publication.set_municipality_code(
            db, session.actor(), forum_id, st.session_state.get(f"municipality_code_{editor_rev}")
        )
        st.session_state["setup_code_errors"] = outcome.errors
        if outcome.ok:
            session.flash("success", t("setup.municipality_code_saved"))
        st.rerun()

with groups_tab:
    columns = ["number", "name", "field", "room", "facilitator", "expert", "target_min", "target_max", "size"]
    stored_groups = [{c: g[c] for c in columns} | {"id": g["id"]} for g in forum_mod.groups(cur, forum_id)]
    groups_key = table_key("groups")
    # the rows shown when editing began, while edits are pending (another organizer may save meanwhile)
    shown_groups = widgets.editor_base(groups_key, stored_groups, ctx.lang)
    # numbered from 1, as the refusals number the rows (the numbers are hidden; the table's menu shows them)
    group_df = pd.DataFrame(shown_groups, columns=columns, index=pd.RangeIndex(1, len(shown_groups) + 1))
    group_titles = {c: t(f"label.{c}") for c in columns}
    st.caption(t("setup.groups_help"))
    edited = st.data_editor(
        group_df,
        num_rows="dynamic",
        hide_index=True,
        key=groups_key,
        width="stretch",
        # no limits in the cells (see the programs' editor below): the service says what is wrong
        column_config={
            "number": st.column_config.NumberColumn(group_titles["number"], step=1),
            "name": st.column_config.TextColumn(group_titles["name"]),
            "field": st.column_config.TextColumn(group_titles["field"]),
            "room": st.column_config.TextColumn(group_titles["room"]),
            "facilitator": st.column_config.TextColumn(group_titles["facilitator"]),
            "expert": st.column_config.TextColumn(group_titles["expert"]),
            "target_min": st.column_config.NumberColumn(group_titles["target_min"]),
            "target_max": st.column_config.NumberColumn(group_titles["target_max"]),
            "size": st.column_config.NumberColumn(group_titles["size"], disabled=True),
        },
        placeholder="—",
    )
    group_errors = st.session_state.get("group_errors", ())
    for error in group_errors:
        st.error(session.error_line(error), icon="⚠️")
    for warning in st.session_state.get("group_warnings", ()):
        st.warning(session.error_text(warning))
    if st.button(t("setup.save_groups"), type="primary", key="save_groups"):
        merged = widgets.editor_rows(edited, groups_key, stored_groups)
        drafts = [forum_mod.GroupDraft(**{k: v for k, v in row.items() if k != "size"}) for row in merged.rows]
        outcome = forum_mod.save_groups(db, session.actor(), forum_id, drafts)
        st.session_state["group_errors"] = outcome.errors
        st.session_state["group_warnings"] = outcome.warnings
        said_of_table("groups", outcome, t("setup.groups_saved"), merged, group_titles, stored_groups)
        st.rerun()

with programs_tab:
    st.caption(t("setup.programs_help"))
    program_columns = list(forum_mod.PROGRAM_COLUMNS)
    stored_programs = [
        # an amount as text, as it is typed: a number cell dropped the Georgian decimal comma
        {c: (report.money(p[c], ctx.lang) if c == "amount" and p[c] is not None else p[c]) for c in program_columns}
        | {"id": p["id"]}
        for p in forum_mod.budget_programs(cur, forum_id)
    ]
    programs_key = table_key("programs")
    shown_programs = widgets.editor_base(programs_key, stored_programs, ctx.lang)
    # the columns in the order shown (the amount beside its code and name: after the field it was out
    # of sight at 1024 px, a tour), which the table's show/hide menu follows too (it listed the field
    # first, a tour)
    shown_order = ["program_code", "name", "amount", "year", "field", "description"]
    program_df = pd.DataFrame(shown_programs, columns=shown_order, index=pd.RangeIndex(1, len(shown_programs) + 1))
    program_titles = {
        "field": t("label.field"),
        "program_code": t("fac.program_code"),
        "name": t("label.name"),
        "amount": t("label.amount"),  # named as its refusals name it ("Amount (GEL)")
        "year": t("fac.year"),
        "description": t("fac.description"),
    }
    edited_programs = st.data_editor(
        program_df,
        num_rows="dynamic",
        hide_index=True,
        key=programs_key,
        width="stretch",
        # no limits in the cells: the editor cuts a long text and drops a minus sign without a word;
        # the service refuses them, saying so, and the table keeps what was typed
        column_config={
            "field": st.column_config.TextColumn(program_titles["field"]),
            "program_code": st.column_config.TextColumn(program_titles["program_code"], width="small"),
            "name": st.column_config.TextColumn(program_titles["name"], width=300),
            "amount": st.column_config.TextColumn(program_titles["amount"], help=t("label.amount_help")),
            "year": st.column_config.NumberColumn(program_titles["year"], format="%d"),
            "description": st.column_config.TextColumn(program_titles["description"]),
        },
        placeholder="—",
    )
    for error in st.session_state.get("program_errors", ()):
        st.error(session.error_line(error), icon="⚠️")
    if st.button(t("setup.save_programs"), type="primary", key="save_programs"):
        merged = widgets.editor_rows(edited_programs, programs_key, stored_programs)
        # the table holds every program: a row deleted in it removes its program
        outcome = forum_mod.save_programs(db, session.actor(), forum_id, merged.rows, complete=True)
        st.session_state["program_errors"] = outcome.errors
        said_of_table("programs", outcome, t("setup.saved"), merged, program_titles, stored_programs)
        st.rerun()
    upload = st.file_uploader(t("setup.programs_file"), type=["csv", "xlsx"], key="programs_file")
    if upload is not None and st.button(t("setup.programs_import"), key="programs_import"):
        outcome = programs.import_programs(
            db, session.actor(), forum_id, upload.getvalue(), upload.name, lang=session.lang()
        )
        st.session_state["program_errors"] = outcome.errors
        if outcome.ok:
            renew_table("programs")
        session.flash(
            "success" if outcome.ok else "error",
            t("setup.programs_imported", count=outcome.value) if outcome.ok else t("setup.listed_below"),
        )
        st.rerun()

with new_tab:
    st.caption(t("setup.new_text"))
    new_forum_form()

# --- the municipality's population: the representation table's optional third column ------------------
# (behind a toggle: its nine fields cost a few ms on every run of a page the organizer uses often)
if st.toggle(t("rep.population_title"), key="population_open"):
    rep_ui.population_form(ctx)

# --- backups ----------------------------------------------------------------------------------------
with st.expander(t("backup.title")):
    auto = session.auto_backup()
    if auto is None:
        st.caption(t("backup.auto_off"))
    else:
        st.caption(
            t("backup.auto_on", minutes=f"{auto.minutes:g}", keep=auto.keep, count=auto.keep, folder=str(auto.folder))
        )
        if auto.last is not None:
            st.caption(t("backup.last", name=auto.last.name))
        if auto.last_error:
            st.error(t("backup.failed", error=md(auto.last_error)))
    if st.button(t("backup.now"), key="backup_now"):
        actor = session.actor()  # a backup a person takes is in the audit trail (it holds everyone's data)
        made = (
            auto.run_once(actor)
            if auto is not None
            else backup.backup(db, Path(tempfile.mkdtemp()) / backup.dated_name(), actor)  # named by its time
        )
        st.session_state["backup_zip"] = (f"{made.name}.zip", backup.zip_backup(made))
    if st.session_state.get("backup_zip"):
        name, data = st.session_state["backup_zip"]
        st.download_button(t("backup.download", name=name), data, name, "application/zip", key="backup_download")

    st.subheader(t("backup.restore_title"))
    st.caption(t("backup.restore_help"))
    kept = backup.list_backups(auto.folder) if auto is not None else []
    chosen = st.selectbox(
        t("backup.restore_choose"),
        kept,
        index=None,
        format_func=lambda p: p.name,
        key="restore_choice",
        placeholder=t("backup.restore_placeholder"),
    )
    uploaded = st.file_uploader(t("backup.restore_upload"), type=["zip"], key="restore_upload")

    def forget_restore(keep: bool = False) -> None:
        pending = st.session_state.pop("restore_pending", None)
        st.session_state.pop("restore_pending_name", None)
        if pending and not keep:
            drop_upload_copy(Path(pending))

    # The question stays open across reruns (a pending restore in the session) until it is
    # answered or dismissed, so nothing is restored by a click that did not see it.
    @st.dialog(t("backup.restore_confirm_title"), on_dismiss=forget_restore)
    def confirm_restore(source: Path, name: str) -> None:
        # the backup as the organizer knows it (the uploaded file's name, or the automatic backup's),
        # not the laptop's paths ("/…/forum.duckdb-ში … ასლით upload" said nothing to a clerk)
        st.warning(t("backup.restore_confirm", name=md(name)))
        yes, no = st.columns(2)
        if yes.button(t("backup.restore_yes"), key="restore_yes", type="primary"):
            forget_restore(keep=True)
            try:
                backup.restore_running(db, source, session.actor(), name)
                session.flash("success", t("backup.restored", name=name))
            except backup.BackupError as error:
                session.flash("error", t(f"backup.error_{error.code}"))
            finally:
                drop_upload_copy(source)
            st.rerun()
        if no.button(t("backup.restore_no"), key="restore_no"):
            forget_restore()
            st.rerun()

    if st.button(t("backup.restore"), key="restore_start", disabled=chosen is None and uploaded is None):
        source, name = chosen, (chosen.name if chosen is not None else "")
        if uploaded is not None:
            name = uploaded.name
            forget_restore()  # an earlier upload's copy
            unpacked = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
            try:
                source = backup.unzip_backup(uploaded.getvalue(), unpacked / "upload")
            except backup.BackupError as error:
                shutil.rmtree(unpacked, ignore_errors=True)
                st.error(t(f"backup.error_{error.code}"))
                source = None
        if source is not None:
            st.session_state["restore_pending"] = str(source)
            st.session_state["restore_pending_name"] = name
    if st.session_state.get("restore_pending"):
        confirm_restore(Path(st.session_state["restore_pending"]), st.session_state.get("restore_pending_name", ""))
