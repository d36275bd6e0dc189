"""The moderator's control of the projector: mode, presenting group and order, timer, reveal."""

from dataclasses import replace
from datetime import datetime

import streamlit as st

from forum_core import network, plenary
from ui import projector, session, tls
from ui.text import md

ctx = session.page("control")
t, lang, db, cur, forum, forum_id, actor = ctx.t, ctx.lang, ctx.db, ctx.cur, ctx.forum, ctx.forum_id, ctx.actor

st.title(t("control.title"))
session.show_flashes()
address = tls.served_url()  # the laptop's address on the venue's network (forum_core/network.py)
st.caption(t("control.projector_address", path=tls.code(network.page_url(address, "plenary", lang))))
results = tls.served_results_url(lang)  # plain HTTP beside HTTPS: no certificate warning on phones
st.caption(t("address.phones", url=tls.code(results)))
tls.show_address_notes(t)


def report(outcome) -> None:
    if not outcome.ok:
        session.flash_outcome(outcome)


snap = plenary.snapshot(db, forum_id)
state = snap.state
names = {g.group_id: f"{g.number}. {g.name}" for g in snap.groups}

# --- mode ----------------------------------------------------------------------------------
st.session_state["control_mode"] = state.mode
st.segmented_control(
    t("control.mode"),
    plenary.MODES,
    format_func=lambda m: t(f"control.mode_{m}"),
    key="control_mode",
    required=True,  # a tap on the mode shown keeps it (it cleared the choice)
    on_change=lambda: report(plenary.set_mode(db, actor, forum_id, st.session_state["control_mode"])),
)

st.session_state["control_revealed"] = state.revealed
st.toggle(
    t("control.revealed"),
    key="control_revealed",
    on_change=lambda: report(plenary.set_revealed(db, actor, forum_id, st.session_state["control_revealed"])),
)

# --- pages of a screen too long for one (counted by the projector, ui/components/projector.js) ----
back_col, on_col = st.columns(2)
back_col.button(
    t("control.previous_page"),
    key="control_page_back",
    width="stretch",
    on_click=lambda: report(plenary.turn_page(db, actor, forum_id, -1)),
)
on_col.button(
    t("control.next_page"),
    key="control_page_on",
    width="stretch",
    on_click=lambda: report(plenary.turn_page(db, actor, forum_id, +1)),
)
st.caption(t("control.pages_help"))


@st.fragment(run_every=10)
def preview() -> None:
    """What the projectors show now and after the moderator's next step: the projector's own HTML,
    fitted to a 1280x720 screen and drawn small (ui/projector.py). The screen shown now follows
    the projectors' own feed each second (its clock too); the next one changes only with a command,
    which runs this page again, or a group's vote, looked for every 10 s."""
    with st.container(key="live_preview"):  # refreshes by itself: not faded (a11y.css)
        session.still_signed_in()
        snap = plenary.snapshot(db, forum_id)
        now = datetime.now()
        coming = plenary.upcoming(snap.state)
        shown, next_col = st.columns(2)
        with shown:
            st.caption(t("control.preview_now"))
            projector.show(
                projector.screen_html(snap, t, now, results),
                snap.state,
                "preview_now",
                preview_width=400,
                feed=projector.feed_url(lang),
            )
        with next_col:
            if coming is None:
                st.caption(t("control.preview_end"))
                return
            what = t(f"control.mode_{coming.mode}")
            group = snap.group(coming.presenting) if coming.mode == "presenting" else None
            st.caption(t("control.preview_next", what=f"{what}: {group.number}. {md(group.name)}" if group else what))
            upcoming = replace(snap, state=coming)
            projector.show(projector.screen_html(upcoming, t, now, results), coming, "preview_next", preview_width=400)


st.header(t("control.preview"))
preview()

# --- presenting group and timer ---------------------------------------------------------------
st.header(t("control.presenting"))
prev_col, choice_col, next_col = st.columns([1, 3, 1])
prev_col.button(
    t("control.previous"),
    key="control_prev",
    width="stretch",
    on_click=lambda: report(plenary.step_group(db, actor, forum_id, -1)),
)
next_col.button(
    t("control.next"),
    key="control_next",
    width="stretch",
    type="primary",
    on_click=lambda: report(plenary.step_group(db, actor, forum_id, +1)),
)
if state.presenting is not None:
    st.session_state["control_group"] = state.presenting
choice_col.selectbox(
    t("control.group"),
    list(state.order),
    format_func=names.get,
    key="control_group",
    label_visibility="collapsed",
    on_change=lambda: report(plenary.present_group(db, actor, forum_id, st.session_state["control_group"])),
)


@st.fragment(run_every=1 if state.timer.running else 5)
def timer_panel() -> None:
    """The clock: each second while the timer runs. Stopped, it cannot change but by a start made
    on another laptop, looked for every 5 s; that redraws the page, which then ticks each second."""
    with st.container(key="live_timer"):  # refreshes by itself: not faded (a11y.css)
        session.still_signed_in()
        timer = plenary.snapshot(db, forum_id).state.timer
        if timer.running != state.timer.running:
            st.rerun(scope="app")
        now = datetime.now()
        colour = {"ok": "green", "last_minute": "orange", "over": "red"}[timer.phase(now)]
        st.markdown(
            f"### :{colour}[{plenary.clock_text(timer.remaining(now))}] · {t(f'control.timer_{timer.phase(now)}')}"
        )


timer_panel()
start, pause, reset = st.columns(3)
start.button(
    t("control.start"),
    key="timer_start",
    width="stretch",
    type="primary",
    on_click=lambda: report(plenary.start_timer(db, actor, forum_id)),
)
pause.button(
    t("control.pause"),
    key="timer_pause",
    width="stretch",
    on_click=lambda: report(plenary.pause_timer(db, actor, forum_id)),
)
reset.button(
    t("control.reset"),
    key="timer_reset",
    width="stretch",
    on_click=lambda: report(plenary.reset_timer(db, actor, forum_id)),
)
with st.form("slot_form", border=False):
    minutes = st.number_input(  # no limits in the box: see pages/setup.py; the service says them
        t("control.slot_minutes"),
        step=1,
        value=max(1, state.slot_s // 60),
        key="slot_minutes",
    )
    if st.form_submit_button(t("button.save")):
        report(plenary.set_slot_minutes(db, actor, forum_id, minutes))
        st.rerun()

# --- presentation order ---------------------------------------------------------------------
st.header(t("control.order"))
for position, group_id in enumerate(state.order, start=1):  # names start with the group's number
    label, up, down = st.columns([6, 1, 1])
    marker = "▶ " if group_id == state.presenting else ""
    label.text(f"{marker}{names.get(group_id, '')}")
    up.button(
        "↑",
        key=f"order_up_{group_id}",
        disabled=position == 1,
        on_click=lambda g=group_id: report(plenary.move_in_order(db, actor, forum_id, g, -1)),
    )
    down.button(
        "↓",
        key=f"order_down_{group_id}",
        disabled=position == len(state.order),
        on_click=lambda g=group_id: report(plenary.move_in_order(db, actor, forum_id, g, +1)),
    )
