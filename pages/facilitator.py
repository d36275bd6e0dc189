"""Facilitator and sector expert: the group's work, step by step, on the room's tablet.

Every text of the group's work that already exists is an autosaving field (ui/autosave.py):
what is typed is kept on the tablet and saved by itself, through a Wi-Fi drop and a reload.
The step and the chosen problem are in the address (?step=vote&problem=12): a reload opens
the same place.
"""

import pandas as pd
import streamlit as st

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import printing
from forum_core.report import lari
from ui import autosave, runtime, session, widgets
from ui.text import md, md_join

ctx = session.page("facilitator")
me, t, db, cur, forum, forum_id, lang = ctx.me, ctx.t, ctx.db, ctx.cur, ctx.forum, ctx.forum_id, ctx.lang
groups = forum_mod.groups_shared(db, forum_id)  # every run lists them: read once per change
by_number = {g["number"]: g for g in groups}
session.show_flashes()

# --- which group this tablet is for ---------------------------------------------------------
# A facilitator's or expert's code belongs to one group: they see and change only it.
# The organizer may open any group (?group=N keeps the choice across reloads).
if me.group_id is not None:
    by_number = {g["number"]: g for g in groups if g["id"] == me.group_id}
    if not by_number:
        st.error(t("access.group_gone"))
        st.stop()
    st.session_state["facilitator_group"] = next(iter(by_number))
wanted = st.query_params.get("group")
if me.group_id is None and wanted and wanted.isdigit() and int(wanted) in by_number:
    st.session_state["facilitator_group"] = int(wanted)
labels = {n: f"{n}. {g['name']} · {t('label.room')} {g['room'] or '—'}" for n, g in by_number.items()}
number = st.selectbox(
    t("fac.group"), list(labels), format_func=labels.get, key="facilitator_group", disabled=me.group_id is not None
)
if number is None:
    st.stop()
st.query_params["group"] = str(number)
group = by_number[number]
group_id = group["id"]
actor = session.actor()

st.title(md(f"{group['number']}. {group['name']}"))
progress = dl.progress_now(db, forum, group)
STEP_KEYS = ("who",) + dl.STEPS
# steps before the group's current one are done (who is here and the briefing have no end)
reached = STEP_KEYS.index(progress["step"]) if progress["step"] in STEP_KEYS else len(STEP_KEYS)
step_label = {key: ("✓ " if 2 <= i < reached else "") + t(f"fac.step_{key}") for i, key in enumerate(STEP_KEYS)}
reloaded = "fac_step" not in st.session_state
if reloaded:  # opening the page (or reloading it): the step in the address
    wanted_step = st.query_params.get("step")
    st.session_state["fac_step"] = wanted_step if wanted_step in STEP_KEYS else "who"
# required: a tap on the step shown (a double tap, a tap while the page redraws) keeps it; without,
# it cleared the choice and the tablet fell back to the first step (seen in Chromium, the forum day)
step = st.segmented_control(
    t("fac.steps"), STEP_KEYS, format_func=step_label.get, key="fac_step", label_visibility="collapsed", required=True
)
st.query_params["step"] = step
device = str(me.device_id or me.label or me.role)  # keeps the drafts of two signed-in devices apart


def problem_from_address(key: str, ids) -> None:
    """A reload shows the problem chosen before (?problem=); within a session each step keeps its own."""
    wanted = st.query_params.get("problem")
    if reloaded and wanted and wanted.isdigit() and int(wanted) in ids:
        st.session_state[key] = int(wanted)


def problem_to_address(problem_id) -> None:
    if problem_id is None:
        st.query_params.pop("problem", None)
    else:
        st.query_params["problem"] = str(problem_id)


def text_field(field: str, label: str, stored, multiline: bool = False, **kwargs) -> None:
    # no length limit in the browser: the laptop refuses a text that is too long, saying so (autosave.js)
    autosave.text_field(field, label, stored, lang, multiline=multiline, device=device, **kwargs)


def show_stored(key: str) -> None:
    """After a refused change, a box shows what is stored again (``seen_<key>``), under the message
    saying why: a refused number left in it looked saved. For widget callbacks."""
    st.session_state[key] = st.session_state.get(f"seen_{key}")


def report(outcome, ok_key: str | None = None) -> None:
    """Turn an outcome's reason into a message on the next run."""
    if outcome.ok:
        if ok_key:
            session.flash("success", t(ok_key))
    else:
        session.flash_outcome(outcome)


# --- who is here -----------------------------------------------------------------------
if step == "who":
    people_here = dl.members(cur, forum_id, group_id)
    st.metric(t("fac.present"), f"{sum(m['present'] for m in people_here)} / {len(people_here)}")

    def toggle(pid: int) -> None:
        if st.session_state[f"here_{pid}"]:
            report(dl.mark_present(db, actor, forum_id, group_id, pid))
        else:
            report(dl.mark_absent(db, actor, forum_id, group_id, pid))

    for m in people_here:
        st.session_state[f"here_{m['id']}"] = m["present"]
        st.checkbox(md(f"{m['last_name']} {m['first_name']}"), key=f"here_{m['id']}", on_change=toggle, args=(m["id"],))
    st.divider()
    st.caption(t("fac.take_in_help"))
    query = st.text_input(t("fac.take_in_search"), key="take_in_query", max_chars=60)
    if query and len(query.strip()) >= 2:
        from forum_core import participants as people

        others = [
            p for p in people.search(cur, forum_id, query, role=session.role(), limit=6) if p["group_id"] != group_id
        ]
        if not others:
            st.caption(t("fac.take_in_none"))  # said: nothing below the box looked like a search not made
        for p in others:
            c1, c2 = st.columns([4, 1])
            c1.text(f"{p['last_name']} {p['first_name']} · {t('label.group')} {p['group_number']}")
            if c2.button(t("fac.take_in"), key=f"take_{p['id']}"):
                report(dl.take_in(db, actor, forum_id, group_id, p["id"]), "fac.taken_in")
                st.rerun()

# --- expert briefing --------------------------------------------------------------------
elif step == "briefing":
    programs = forum_mod.budget_programs(cur, forum_id, field=group["field"])
    # amounts as every page says them ("48 750,75 ₾" in Georgian; a program without one is "—", not 0 ₾)
    table = pd.DataFrame(
        [(p["program_code"], p["name"], lari(p["amount"], lang), p["year"], p["description"]) for p in programs],
        columns=[t("fac.program_code"), t("label.name"), t("fac.amount"), t("fac.year"), t("fac.description")],
    )
    st.caption(t("fac.briefing_help", field=md(group["field"])))
    total = sum(float(p["amount"] or 0) for p in programs)
    st.metric(t("fac.briefing_total"), lari(total, lang))

    @st.dialog(t("fac.briefing_title", field=md(group["field"])), width="large")
    def full_screen() -> None:
        for p in programs:
            st.markdown("### " + md(f"{p['program_code']} · {p['name']}"))
            st.markdown(f"**{lari(p['amount'], lang) or '—'}** · {p['year'] or ''}")
            st.text(p["description"] or "")

    widgets.table(
        table,
        t("fac.no_programs"),
        key="briefing_table",
        column_config={t("fac.amount"): st.column_config.TextColumn(alignment="right")},
    )
    if programs and st.button(t("fac.full_screen"), key="briefing_full"):
        full_screen()

# --- strengths and weaknesses -------------------------------------------------------------
elif step == "assessment":
    items = dl.assessment(cur, group_id)

    def add(kind: str) -> None:
        text = st.session_state.get(f"new_{kind}", "")
        if not text.strip():  # the box emptied (a refused text cleared to start again): nothing to add
            return
        outcome = dl.add_item(db, actor, group_id, kind, text)
        if outcome.ok:
            st.session_state[f"new_{kind}"] = ""
        elif outcome.errors and all(error.field == "text" for error in outcome.errors):
            # said under the box, where the refused text waits to be shortened: at the page's top it
            # was out of sight on a tablet once the list was long
            st.session_state[f"new_{kind}_errors"] = outcome.errors
        else:
            report(outcome)

    for column, kind in zip(st.columns(2), dl.ITEM_KINDS):
        with column:
            st.subheader(t(printing.KIND_HEADINGS[kind]))
            for number_in_list, item in enumerate(items[kind], start=1):
                text_field(dl.field_id("item", item["id"]), f"{t(f'fac.{kind}')} {number_in_list}", item["text"])
                up, down, delete = st.columns(3)
                up.button(
                    "↑", key=f"up_{item['id']}", on_click=lambda i=item["id"]: report(dl.move_item(db, actor, i, -1))
                )
                down.button(
                    "↓", key=f"down_{item['id']}", on_click=lambda i=item["id"]: report(dl.move_item(db, actor, i, 1))
                )
                delete.button(
                    t("button.delete"),
                    key=f"del_{item['id']}",
                    on_click=lambda i=item["id"]: report(dl.delete_item(db, actor, i)),
                )
            st.text_input(t(f"fac.add_{kind}"), key=f"new_{kind}", on_change=add, args=(kind,))
            session.field_errors(st.session_state.pop(f"new_{kind}_errors", None), "text")

# --- problems ------------------------------------------------------------------------------
elif step == "problems":
    problem_rows = dl.problems(cur, group_id)
    locked = dl.finalised(cur, group_id) is not None
    if locked:
        st.info(t("fac.locked"))
    rev = st.session_state.get("problem_rev", 0)

    def add_problem(rev: int) -> None:
        """Before the run that follows the click: that one run shows the new problem and an empty form."""
        title, detail = st.session_state[f"pt_{rev}"], st.session_state[f"pd_{rev}"]
        outcome = session.submit_once(
            f"add_problem_{group_id}",
            rev,
            lambda: dl.add_problem(db, actor, group_id, title, detail),
            blank=not (title or "").strip() and not (detail or "").strip(),
        )
        if outcome.ok:
            st.session_state["problem_rev"] = rev + 1
            # said, because on a long list the new row is below the table's fold; the stored title,
            # as a second click's replayed outcome comes with the emptied form's
            rows = dl.problems(db.cursor(), group_id)
            added = next((p["title"] for p in rows if p["id"] == outcome.value), "")
            session.flash("success", t("fac.problem_added", title=md(added), count=len(rows)))
        else:
            report(outcome)

    # No max_chars on fields people paste into: Streamlit's field drops a paste longer than its limit
    # without a word; the service keeps nothing and says how long the text may be.
    with st.form("add_problem", clear_on_submit=False):
        st.text_input(t("fac.problem_title"), key=f"pt_{rev}")
        st.text_area(t("fac.problem_detail"), key=f"pd_{rev}", height=68)
        st.form_submit_button(
            t("fac.add_problem"),
            type="primary",
            disabled=locked,
            on_click=add_problem,
            args=(rev,),
        )
    titles = {p["id"]: p["title"] + (" ⚑" if p["outside_competence"] else "") for p in problem_rows}
    if not problem_rows:
        st.caption(t("fac.no_problems_yet"))  # an empty table would say "empty" in Streamlit's English
        st.stop()
    st.dataframe(
        pd.DataFrame(
            [
                (p["title"], p["detail"], t("fac.outside") if p["outside_competence"] else "", p["competence_note"])
                for p in problem_rows
            ],
            columns=[t("fac.problem_title"), t("label.detail"), t("fac.expert_flag"), t("fac.competence_note")],
        ),
        hide_index=True,
        width="stretch",
        key="problem_table",
        placeholder="—",
    )
    # One problem at a time is edited, flagged, merged or deleted: a list of 60 editors would be slow.
    problem_from_address("problem_choice", titles)
    widgets.current_words("problem_choice", titles.get)  # a renamed problem: its new title in the box
    chosen = st.selectbox(
        t("fac.choose_problem"),
        list(titles),
        format_func=titles.get,
        index=None,
        key="problem_choice",
        placeholder=t("fac.choose_problem_hint"),
    )
    problem_to_address(chosen)
    p = next((x for x in problem_rows if x["id"] == chosen), None)
    if p is not None:
        # The wording saves itself (no form to submit): an edit begun before a merge or another
        # device's save is refused as stale and shown beside the newer text, never written over it.
        with st.container(border=True, key=f"edit_problem_{p['id']}"):
            text_field(
                dl.field_id("problem", p["id"], "title"),
                t("fac.problem_title"),
                p["title"],
                disabled=locked,
            )
            text_field(
                dl.field_id("problem", p["id"], "detail"),
                t("fac.problem_detail"),
                p["detail"],
                multiline=True,
                disabled=locked,
            )
        st.markdown(f"**{t('fac.expert_flag')}**")

        def flag(pid: int) -> None:
            note = next((x["competence_note"] for x in dl.problems(db.cursor(), group_id) if x["id"] == pid), "")
            report(
                dl.flag_competence(db, actor, pid, st.session_state[f"fo_{pid}"], note or "", expected_note=note or ""),
                "fac.saved",
            )

        st.session_state[f"fo_{p['id']}"] = bool(p["outside_competence"])
        st.checkbox(t("fac.outside_competence"), key=f"fo_{p['id']}", on_change=flag, args=(p["id"],))
        text_field(
            dl.field_id("competence_note", p["id"]),
            t("fac.competence_note"),
            p["competence_note"],
            multiline=True,
            placeholder=t("fac.competence_note_hint"),
            rows=2,
        )
        # Merging: the problem chosen in this box is the one that disappears into the one above.
        others = [i for i in titles if i != p["id"]]
        c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
        target = c1.selectbox(
            t("fac.merge_with"),
            others,
            format_func=titles.get,
            index=None,
            key=f"merge_{p['id']}",
            placeholder=t("fac.merge_hint"),
        )
        if c2.button(t("fac.merge"), key=f"do_merge_{p['id']}", disabled=target is None or locked):
            report(dl.merge_problems(db, actor, p["id"], target), "fac.merged")
            st.rerun()
        if target is not None:
            c1.caption(t("fac.merge_effect", gone=md(titles[target]), kept=md(titles[p["id"]])))
        if c3.button(t("button.delete"), key=f"del_problem_{p['id']}", disabled=locked):
            report(dl.delete_problem(db, actor, p["id"]))
            st.session_state.pop("problem_choice", None)
            st.rerun()

# --- the blind recount: a second person counts the pebbles without seeing the first count ------
elif step == "vote" and st.session_state.get("recount_mode"):
    st.toggle(t("fac.recount_mode"), key="recount_mode")
    st.info(t("fac.recount_help"))
    published = dl.finalised(cur, group_id)
    excluded = dl.ranking_now(db, forum, group_id).excluded
    recount_rows = [p for p in dl.problems(cur, group_id) if p["id"] not in excluded]
    again = dl.recounts(cur, group_id)

    def recounted(pid: int) -> None:
        outcome = dl.set_recount(db, actor, pid, st.session_state[f"recount_{pid}"])
        report(outcome)
        if not outcome.ok:
            show_stored(f"recount_{pid}")

    if recount_rows:
        recount_titles = {p["id"]: p["title"] for p in recount_rows}
        chosen = widgets.stepped_choice(
            "recount", t("fac.counting"), list(recount_titles), recount_titles.get, (1, 6, 1)
        )
        key = f"recount_{chosen}"
        if st.session_state.get(f"seen_{key}", "∅") != again.get((chosen, 0)):
            st.session_state[key] = again.get((chosen, 0))
            st.session_state[f"seen_{key}"] = again.get((chosen, 0))
        # no limits in the box: Streamlit refuses a number past them in the browser, saying so only
        # in a tooltip a tablet cannot hover; the service refuses it with the page's message
        st.number_input(
            t("fac.recount"),
            step=1,
            key=key,
            on_change=recounted,
            args=(chosen,),
            disabled=published is not None,
        )
        done = sum((p["id"], 0) in again for p in recount_rows)
        st.caption(t("fac.recounted", done=done, total=len(recount_rows), count=len(recount_rows)))

# --- the pebble vote -------------------------------------------------------------------------
elif step == "vote":
    st.toggle(t("fac.recount_mode"), key="recount_mode")
    result = dl.ranking_now(db, forum, group_id)
    published = dl.finalised(cur, group_id)
    in_force = dl.counts(cur, group_id)
    problem_rows = dl.problems(cur, group_id)
    voting = [p for p in problem_rows if p["id"] not in result.excluded]

    def typed(pid: int, round_: int) -> None:
        key = f"peb_{pid}_{round_}"
        outcome = dl.set_pebbles(
            db, actor, pid, st.session_state[key], round_, expected=st.session_state.get(f"seen_{key}")
        )
        if outcome.reason == "stale":
            session.flash("warning", t("fac.reason_stale_count", count=outcome.value))
        else:
            report(outcome)
            if not outcome.ok:
                show_stored(key)

    def bump(pid: int, round_: int, delta: int) -> None:
        """+ and − act on the count shown: refused (stale) if another device changed it meanwhile."""
        key = f"peb_{pid}_{round_}"
        shown = st.session_state.get(key)
        if shown is None:
            shown = st.session_state.get(f"seen_{key}", 0)
        outcome = dl.set_pebbles(
            db, actor, pid, min(dl.MAX_PEBBLES, max(0, int(shown) + delta)), round_, expected=int(shown)
        )
        if outcome.reason == "stale":
            session.flash("warning", t("fac.reason_stale_count", count=outcome.value))
        else:
            report(outcome)

    def count_row(p: dict, round_: int, locked: bool) -> None:
        key = f"peb_{p['id']}_{round_}"
        value = in_force.get((p["id"], round_), 0)
        # The box shows the stored count: also when it comes back on a second pass (Streamlit
        # forgot the box's value while another problem was shown), or another device changed it.
        if key not in st.session_state or st.session_state.get(f"seen_{key}") != value:
            st.session_state[key] = value
            st.session_state[f"seen_{key}"] = value
        # one row on a phone-wide screen too (stacked, "−" stood above the count and "+" below it), its
        # columns narrower than Streamlit's 128 px least (a11y.css, "countrow_")
        with st.container(key=f"countrow_{key}"):
            name, minus, number_col, plus = st.columns([4, 1, 2, 1], vertical_alignment="center", wrap=False)
            mark = " ⚑" if p["outside_competence"] else ""
            name.text(p["title"] + mark)
            minus.button(
                "−", key=f"minus_{key}", on_click=bump, args=(p["id"], round_, -1), disabled=locked, width="stretch"
            )
            number_col.number_input(  # no limits in the box: see the recount's
                t("fac.pebbles"),
                step=1,
                key=key,
                on_change=typed,
                args=(p["id"], round_),
                disabled=locked,
                label_visibility="collapsed",
            )
            plus.button(
                "+", key=f"plus_{key}", on_click=bump, args=(p["id"], round_, 1), disabled=locked, width="stretch"
            )

    if published:
        st.success(t("fac.finalised"))
    st.metric(
        t("fac.pebbles_counted"),
        f"{result.total} / {result.capacity}",
        help=t("fac.capacity_help", per=forum["pebbles_per_participant"], count=forum["pebbles_per_participant"]),
    )
    if result.over_by:
        st.warning(t("fac.over_count", over=result.over_by, count=result.over_by, capacity=result.capacity))
    # Counting goes problem by problem, as the pebbles are counted on each sheet:
    # one row with big buttons at a time (60 rows of inputs would make every tap slow).
    if voting:
        vote_ids = [p["id"] for p in voting]
        # Option labels must not change while the problem is chosen: the browser keeps a
        # select box's choice by its label, so a label with the count in it would lose
        # the choice on the next count. The counts stand in the row below and the ranking.
        vote_titles = {p["id"]: f"{p['title']}{' ⚑' if p['outside_competence'] else ''}" for p in voting}
        problem_from_address("count_choice", vote_ids)
        chosen = widgets.stepped_choice("count", t("fac.counting"), vote_ids, vote_titles.get, (1, 6, 1))
        problem_to_address(chosen)
        current = next(p for p in voting if p["id"] == chosen)
        count_row(current, 0, published is not None)
    if result.excluded:
        st.caption(t("fac.excluded", titles=md_join(p["title"] for p in problem_rows if p["id"] in result.excluded)))

    st.subheader(t("fac.ranking"))
    widgets.table(
        pd.DataFrame(
            [
                (
                    r.rank,
                    r.title + (" ⚑" if r.outside_competence else ""),
                    r.pebbles,
                    t(f"fac.basis_{r.basis}") if r.problem_id in {x.problem_id for x in result.top} else "",
                )
                for r in result.ranked
            ],
            columns=[t("fac.rank"), t("fac.problem_title"), t("fac.pebbles"), t("fac.basis")],
        ),
        t("fac.no_problems_yet"),
        key="ranking_table",
    )

    # The latest re-vote stays open for typing until the vote is finalised, even once
    # its first counts already break the tie (the ranking updates as counts are typed).
    revotes = dl.events(cur, group_id, ("revote",))
    if revotes and not published:
        latest = revotes[-1]["payload"]
        st.markdown(f"**{t('fac.revote_round', round=latest['round'])}**")
        for p in [p for p in problem_rows if p["id"] in latest["tied"]]:  # a handful at most
            count_row(p, latest["round"], False)
    if result.tie and not published:
        tied = {p["id"]: p for p in problem_rows if p["id"] in result.tie}
        st.warning(
            t(
                "fac.tie",
                places=result.tie_places,
                count=result.tie_places,
                titles=md_join(p["title"] for p in tied.values()),
            )
        )
        if st.button(t("fac.start_revote"), key="start_revote"):
            report(dl.start_revote(db, actor, group_id, result.tie))
            st.rerun()
        with st.form("tie_decision"):
            chosen = st.multiselect(
                t("fac.decision_chosen", places=result.tie_places),
                list(tied),
                format_func=lambda i: tied[i]["title"],
                max_selections=result.tie_places,
                key="tie_chosen",
            )
            reason = st.text_input(t("fac.decision_reason"), key="tie_reason")
            if st.form_submit_button(t("fac.decide")):
                report(dl.decide_tie(db, actor, group_id, result.tie, chosen, reason), "fac.tie_decided")
                st.rerun()

    # The photo of the board, kept with the counts in force as it is taken (checkable later).
    photo_facts = dl.photos_now(db, forum_id).get(group_id)
    with st.expander(t("fac.photo_title"), expanded=photo_facts is None and result.total > 0):
        if photo_facts:
            st.image(dl.photo_image(cur, photo_facts["id"]), width=320)
            st.caption(t("fac.photo_taken", time=photo_facts["happened_at"].strftime("%H:%M")))
        if session.role() in runtime.UPLOADING_ROLES:
            st.caption(t("fac.photo_help", max_mb=dl.PHOTO_MAX_BYTES // 2**20))
            shot = (
                st.camera_input(t("fac.photo_take"), key="photo_shot")
                if st.toggle(t("fac.photo_camera"), key="photo_camera")
                else None
            )
            picked = st.file_uploader(
                t("fac.photo_upload"),
                type=["jpg", "jpeg", "png", "webp"],
                key="photo_file",
                max_upload_size=dl.PHOTO_MAX_BYTES // 2**20,  # its "up to … per file" says what the help above says
            )
            for photo in (shot, picked):
                if photo is not None and st.session_state.get("photo_saved") != photo.file_id:
                    st.session_state["photo_saved"] = photo.file_id  # each picture once, not on every rerun
                    report(dl.save_photo(db, actor, group_id, photo.getvalue()), "fac.photo_saved")
                    st.rerun()

    differences = [] if published else dl.recount_differences(cur, group_id)

    def show_differences() -> None:
        st.warning(t("fac.recount_differs", count=len(differences)))
        st.dataframe(
            pd.DataFrame(
                [(d["title"], d["count"], "—" if d["recount"] is None else d["recount"]) for d in differences],
                columns=[t("fac.problem_title"), t("fac.pebbles"), t("fac.recount")],
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )

    if differences:
        show_differences()

    @st.dialog(t("fac.finalise"))
    def confirm_finalise() -> None:
        st.write(t("fac.finalise_confirm"))
        if result.over_by:  # said again where it is decided: a miscount is finalised knowingly or not at all
            st.warning(t("fac.over_count", over=result.over_by, count=result.over_by, capacity=result.capacity))
        if differences:
            show_differences()
        for r in result.top:
            st.text(f"{r.rank}. {r.title} ({r.pebbles})")
        if st.button(t("fac.finalise"), type="primary", key="finalise_yes"):
            report(dl.finalise(db, actor, forum, group_id), "fac.finalised")
            st.session_state.pop("confirm_finalise", None)
            st.rerun()

    if not published:
        if st.button(t("fac.finalise"), type="primary", key="finalise", disabled=bool(result.tie) or not result.top):
            st.session_state["confirm_finalise"] = True
        if st.session_state.get("confirm_finalise"):
            confirm_finalise()
    elif actor.role == "organizer":
        with st.form("reopen"):
            reason = st.text_input(t("fac.reopen_reason"), key="reopen_reason")
            if st.form_submit_button(t("fac.reopen")):
                report(dl.reopen(db, actor, group_id, reason), "fac.reopened")
                st.rerun()

# --- priorities and initiatives ----------------------------------------------------------------
elif step == "initiatives":
    top = dl.priorities(cur, group_id)
    if not top:
        st.info(t("fac.no_priorities"))
    programs = forum_mod.budget_programs(cur, forum_id)
    program_label = {p["id"]: f"{p['program_code']} · {p['name']}" for p in programs}

    def save(problem_id: int, name: str) -> None:
        key = f"ini_{problem_id}_{name}"
        value = st.session_state[key]
        outcome = dl.save_initiative_field(
            db, actor, group_id, problem_id, name, value, st.session_state.get(f"seen_{key}")
        )
        if outcome.reason == "stale":
            session.flash("warning", t("fac.reason_stale_field"))
        elif not outcome.ok:
            report(outcome)
            show_stored(key)

    def widget(row: dict, name: str, kind: str = "text", options=None) -> None:
        key = f"ini_{row['problem_id']}_{name}"
        value = row.get(name)
        label = t(f"ini.{name}")
        if kind in ("text", "area"):  # typed text saves itself, through a Wi-Fi drop and a reload
            text_field(
                dl.field_id("initiative", group_id, row["problem_id"], name),
                label,
                value,
                multiline=kind == "area",
                key=key,
            )  # st-key-ini_<problem>_<name>
            return
        # show what is stored (maybe by another device), also when the widget comes back after
        # another priority was shown (Streamlit forgot its value meanwhile)
        if key not in st.session_state or st.session_state.get(f"seen_{key}", "∅") != value:
            st.session_state[key] = value
            st.session_state[f"seen_{key}"] = value
        args = (row["problem_id"], name)
        if kind == "number":
            # no limit in the box (see the counts'): the service refuses a negative number, saying so
            st.number_input(label, key=key, on_change=save, args=args, step=1, value=None)
        elif kind == "choice":
            st.selectbox(
                label,
                options,
                key=key,
                on_change=save,
                args=args,
                format_func=lambda v, n=name: t(f"ini.{n}_{v or 'none'}"),
                placeholder=t(f"ini.{name}_none"),  # nothing chosen yet: "—", as the option (not Streamlit's English)
            )
        elif kind == "program":
            st.selectbox(
                label,
                [None] + list(program_label),
                key=key,
                on_change=save,
                args=args,
                format_func=lambda v: program_label.get(v, "—"),
                placeholder="—",  # nothing chosen yet, as the option (Streamlit's own is "Choose an option")
            )

    rows = {item["problem_id"]: dl.initiative(cur, group_id, item["problem_id"]) for item in top}
    item_label = {
        item["problem_id"]: f"{'✓ ' if dl.is_complete(rows[item['problem_id']]) else ''}{item['rank']}. "
        f"{item['title']} ({item['pebbles']})"
        for item in top
    }
    problem_from_address("priority_choice", item_label)
    chosen_priority = (
        st.radio(
            t("fac.priorities"), list(item_label), format_func=lambda i: md(item_label.get(i)), key="priority_choice"
        )
        if top
        else None
    )
    problem_to_address(chosen_priority)
    for item in [i for i in top if i["problem_id"] == chosen_priority]:  # one form at a time keeps taps fast
        row = rows[item["problem_id"]]
        with st.container(border=True):
            left, right = st.columns(2)
            with left:
                widget(row, "kind", "choice", list(dl.INITIATIVE_CHOICE["kind"]))
                widget(row, "title")
                widget(row, "goal", "area")
                for hint in dl.smart_hints(row.get("goal") or ""):
                    st.caption("💡 " + t(f"ini.{hint}"))
                widget(row, "actions", "area")
                widget(row, "large_scale", "choice", list(dl.YES_NO))
                widget(row, "sufficient", "choice", list(dl.YES_NO))
                widget(row, "program_id", "program")
            with right:
                widget(row, "beneficiaries_count", "number")
                widget(row, "beneficiaries_age")
                widget(row, "beneficiaries_specifics", "area")
                widget(row, "vulnerable_groups")
                widget(row, "resources_needed", "area")
                widget(row, "resources_available", "area")
                widget(row, "partners")
                widget(row, "cost_gel", "number")

# --- presenter and summary --------------------------------------------------------------------
elif step == "presenter":
    here = [m for m in dl.members(cur, forum_id, group_id) if m["present"]]
    current = dl.presenter(cur, group_id)
    if current:
        st.success(t("fac.presenter_is", name=md(f"{current['first_name']} {current['last_name']}")))
    names = {m["id"]: f"{m['last_name']} {m['first_name']}" for m in here}
    chosen = st.selectbox(
        t("fac.presenter"),
        list(names),
        format_func=names.get,
        index=None,
        key="presenter_choice",
        placeholder=t("fac.presenter_hint"),
    )
    if st.button(t("button.save"), key="save_presenter", disabled=chosen is None):
        report(dl.set_presenter(db, actor, forum_id, group_id, chosen), "fac.saved")
        st.rerun()
    st.download_button(
        t("fac.summary_pdf"),
        key="summary_pdf",
        file_name=f"group_{group['number']}.pdf",
        mime="application/pdf",
        data=lambda: printing.group_summary_pdf(db.cursor(), forum_id, group_id, lang),
    )
