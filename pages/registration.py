"""Registration desk: scan (handheld scanner or camera), find by name, walk-ins."""

import hashlib
from datetime import datetime

import pandas as pd
import streamlit as st

from forum_core import checkin, printing
from forum_core import forum as forum_mod
from forum_core import participants as people
from ui import desk as desk_ui
from ui import session, widgets
from ui.text import md

ctx = session.page("registration")
me, t, db, cur, forum_id, lang = ctx.me, ctx.t, ctx.db, ctx.cur, ctx.forum_id, ctx.lang
desk = st.session_state.setdefault("desk", me.label if me.role == "desk" and me.label else t("desk.default_name"))


def remember(result: checkin.CheckInResult) -> None:
    """A check-in the page made (by name, camera, walk-in): the scanner shows its card."""
    st.session_state["last_result"] = result
    st.session_state["result_id"] = st.session_state.get("result_id", 0) + 1


@session.storage_safe
def check_in_by_name(participant_id: int) -> None:
    remember(checkin.check_in_participant(db, session.actor(), forum_id, participant_id, desk))
    st.session_state["name_query"] = ""  # the next person starts a new search


st.title(t("desk.title"))
session.show_flashes()
main, side = st.columns([3, 2], gap="large")

with main:
    # The scanner (ui/desk.py, ui/components/desk.js): scans are caught wherever the focus is,
    # kept in the browser until the laptop answered, and sent over plain HTTP (ui/api.py).
    desk_ui.scanner(desk, lang, st.session_state.get("last_result"), st.session_state.get("result_id", 0))

    camera_tab, name_tab, walk_in_tab, paper_tab = widgets.tabs(
        [t("desk.tab_camera"), t("desk.tab_name"), t("desk.tab_walk_in"), t("desk.tab_paper")],
        key="desk_tab",  # the chosen tab stays through runs and a language switch
    )

    with camera_tab:
        st.caption(t("desk.camera_help"))
        # The camera starts only when asked: on plain http the browser would refuse it anyway.
        use_camera = st.toggle(t("desk.use_camera"), key="use_camera")
        photo = (st.camera_input(t("desk.camera_label"), key="camera") if use_camera else None) or st.file_uploader(
            t("desk.photo_label"), type=["jpg", "jpeg", "png", "webp"], key="photo"
        )
        if photo is not None:
            data = photo.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            if st.session_state.get("last_photo") != digest:  # each photo is read once
                st.session_state["last_photo"] = digest
                st.session_state.pop("photo_refused", None)
                try:
                    codes = checkin.read_qr(data)
                except checkin.PhotoRefused as refused:
                    codes = None
                    st.session_state["photo_refused"] = refused.reason
                if codes:
                    remember(checkin.scan(db, session.actor(), forum_id, codes[0], desk, method="camera"))
                    st.rerun()
                elif codes is not None:
                    st.session_state["no_qr"] = True
            if st.session_state.pop("no_qr", False):
                st.warning(t("desk.no_qr_found"))
            if "photo_refused" in st.session_state:  # kept until another photo: it says what to do
                st.warning(t(f"reason.{st.session_state['photo_refused']}"))

    with name_tab:
        query = st.text_input(
            t("desk.name_search"), key="name_query", max_chars=60, placeholder=t("participants.search_hint")
        )
        if query and len(query.strip()) >= 2:
            matches = people.search(cur, forum_id, query, role=session.role(), limit=8)
            present = checkin.checked_in_ids(cur, forum_id)
            if not matches:
                st.info(t("desk.no_match"))
            for p in matches:
                # a quarter, not a fifth: "რეგისტრაცია" broke mid-word in a fifth of a 1024-px desk's half
                c1, c2 = st.columns([3, 1], vertical_alignment="center")
                state = t("desk.state_in") if p["id"] in present else t("desk.state_out")
                c1.text(f"{p['last_name']} {p['first_name']} · {t('label.group')} {p['group_number']} · {state}")
                c2.button(t("desk.check_in"), key=f"checkin_{p['id']}", on_click=check_in_by_name, args=(p["id"],))
        else:
            st.caption(t("desk.name_hint"))

    groups = forum_mod.groups_shared(db, forum_id)  # once per change of the groups, for both tabs below

    with walk_in_tab:
        sizes = sorted(groups, key=lambda g: (g["size"], g["number"]))
        labels = {
            g["id"]: t("desk.group_with_size", number=g["number"], name=g["name"], size=g["size"], count=g["size"])
            for g in sizes
        }
        errors = st.session_state.get("walk_in_errors", ())
        rev = st.session_state.get("walk_in_rev", 0)

        @session.storage_safe
        def register_walk_in(rev: int) -> None:
            """Before the run that follows the click: that one run draws the card and an empty form."""
            raw = {k: st.session_state.get(f"w{rev}_{k}") for k in ("first_name", "last_name", "phone", "group")}
            actor = session.actor()
            outcome = session.submit_once(
                "walk_in",
                rev,
                lambda: checkin.register_walk_in(db, actor, forum_id, raw, desk),
                blank=not any(raw.values()),
            )
            st.session_state["walk_in_errors"] = outcome.errors
            if outcome.ok:
                st.session_state["walk_in_rev"] = rev + 1
                st.session_state["walk_in_badge"] = outcome.value.participant["id"]
                remember(outcome.value)

        with st.form("walk_in"):
            a, b = st.columns(2)
            a.text_input(t("label.first_name"), key=f"w{rev}_first_name")
            b.text_input(t("label.last_name"), key=f"w{rev}_last_name")
            # the whole width: a chosen group's name and size ("10. საჯარო სერვისები და ჩართულობა —
            # 12 მონაწილე") were cut off in half of the form on a 1024 px desk
            st.selectbox(
                t("label.group"),
                list(labels),
                format_func=labels.get,
                key=f"w{rev}_group",
                index=None,
                placeholder=t("participants.choose_group"),
            )
            st.text_input(t("desk.phone_optional"), key=f"w{rev}_phone")
            for error in errors:
                st.error(session.error_line(error))
            st.form_submit_button(
                t("desk.register_walk_in"),
                type="primary",
                on_click=register_walk_in,
                args=(rev,),
            )
        badge_for = st.session_state.get("walk_in_badge")
        if badge_for is not None:
            st.download_button(
                t("desk.walk_in_badge"),
                key="walk_in_badge_pdf",
                file_name="badge.pdf",
                mime="application/pdf",
                data=lambda: printing.badges_pdf(db.cursor(), forum_id, lang, participant_ids=[badge_for]),
            )

    with paper_tab:
        st.caption(t("desk.paper_help"))
        group_names = {g["id"]: f"{g['number']}. {g['name']}" for g in groups}
        sheet_group = st.selectbox(
            t("label.group"),
            list(group_names),
            format_func=group_names.get,
            key="paper_group",
            index=None,
            placeholder=t("participants.choose_group"),
        )
        if sheet_group is not None:
            present = checkin.checked_in_ids(cur, forum_id)
            waiting = [p for p in checkin.sign_in_sheet(cur, forum_id, sheet_group) if p["id"] not in present]
            with st.form("paper_sheet"):
                ticked_at = st.time_input(t("desk.paper_time"), key="paper_time", step=60)
                ticks = {
                    p["id"]: st.checkbox(md(f"{p['last_name']} {p['first_name']}"), key=f"tick_{p['id']}")
                    for p in waiting
                }
                if not waiting:
                    st.caption(t("desk.paper_all_in"))
                record = st.form_submit_button(t("desk.paper_record"), type="primary")
            if record:
                forum_day = session.current_forum()["forum_date"]
                at = datetime.combine(forum_day, ticked_at)
                done = sum(
                    checkin.check_in_participant(db, session.actor(), forum_id, pid, desk, method="paper", at=at).status
                    == checkin.GREEN
                    for pid, ticked in ticks.items()
                    if ticked
                )
                session.flash("success", t("desk.paper_recorded", count=done))
                st.rerun()

with side:
    st.text_input(t("desk.name_label"), key="desk", max_chars=30)

    @st.fragment(run_every=5)
    def live_figures() -> None:
        with st.container(key="live_figures"):  # refreshes by itself: not faded (a11y.css)
            session.still_signed_in()
            desk_ui.figures_refresh()  # a scan's answer runs this fragment again (ui/components/figures.js)
            fcur = db.cursor()
            rows = checkin.arrivals(fcur, forum_id)
            came = sum(r["checked_in"] for r in rows)
            expected = sum(r["expected"] for r in rows)
            st.metric(t("desk.checked_in_total"), f"{came} / {expected}")
            # a plain table: its text wraps in a tablet's narrow column instead of scrolling sideways
            # (it reads its cells as Markdown: the groups' names and rooms escaped); the count beside
            # the name: last, it was cut on the organizer's 1024-px laptop, the sidebar open (a tour)
            st.table(
                pd.DataFrame(
                    [(r["number"], md(r["name"]), f"{r['checked_in']} / {r['expected']}", md(r["room"])) for r in rows],
                    columns=[t("label.number"), t("label.name"), t("desk.came"), t("label.room")],
                ).set_index(t("label.number"))
            )
            st.markdown(f"**{t('desk.recent', desk=md(desk))}**")
            last = checkin.recent(fcur, forum_id, desk=desk, limit=10)
            if not last:
                st.caption(t("desk.none_yet"))
            for e in last:
                kind = t("desk.recent_undo") if e["kind"] == "undo" else ""
                st.text(
                    f"{e['happened_at']:%H:%M:%S} · {e['last_name']} {e['first_name']} · "
                    f"{t('label.group')} {e['group_number']} {kind}"
                )

    live_figures()
