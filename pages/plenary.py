"""The projector in the main hall: full screen, nobody touching it, following the moderator."""

from datetime import datetime

import streamlit as st

from forum_core import network, plenary, printing
from ui import session, tls
from ui.render import arrivals_chart, pebble_chart, render

ctx = session.page("plenary")
t, lang, db, forum, forum_id = ctx.t, ctx.lang, ctx.db, ctx.forum, ctx.forum_id

# No Streamlit chrome, no "running" indicator, no fading while a refresh runs;
# type sized by the screen's width so 1920x1080 and 1280x720 both read from the back.
st.html("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stStatusWidget"], [data-testid="stDecoration"], footer {display: none !important;}
.stMainBlockContainer, .block-container {padding: 1.2vw 2vw !important; max-width: 100% !important;}
[data-stale="true"], .stale-element {opacity: 1 !important; transition: none !important;}
.pl {font-family: "Noto Sans Georgian", "Noto Sans", "DejaVu Sans", sans-serif; color: #111; line-height: 1.25;}
.pl h1 {font-size: 3.2vw; margin: 0 0 .4vw 0; font-weight: 800;}
.pl h2 {font-size: 2.2vw; margin: .2vw 0; font-weight: 700;}
.pl .sub {font-size: 1.5vw; color: #333;}
.pl .big {font-size: 5vw; font-weight: 800; color: #0b5cad;}
.pl .phase {font-size: 1.5vw; padding: .25vw .6vw; border-radius: .4vw;}
.pl .phase.now {background: #0b5cad; color: #fff; font-weight: 700;}
.pl .wall {display: grid; grid-template-columns: repeat(5, 1fr); gap: .8vw;}
.pl .card {border: .15vw solid #0b5cad; border-radius: .6vw; padding: .6vw .8vw; background: #f6f9fc;}
.pl .card h3 {font-size: 1.3vw; margin: 0 0 .3vw 0; font-weight: 800;}
.pl .card ol {margin: 0; padding-left: 1.4vw; font-size: 1.05vw;}
.pl .card li {margin: .15vw 0;}
.pl .peb {font-weight: 800; color: #0b5cad; white-space: nowrap;}
.pl .working {font-size: 1.2vw; color: #555; font-style: italic;}
.pl .flag {color: #a15c00; font-size: .9em;}
.pl .timer {font-size: 7vw; font-weight: 900; text-align: center; border-radius: 1vw; padding: .2vw 0;
            font-variant-numeric: tabular-nums;}
.pl .timer.ok {background: #0a7a3d; color: #fff;}
.pl .timer.last_minute {background: #f0a500; color: #111;}
.pl .timer.over {background: #c0141c; color: #fff;}
.pl .initiative {font-size: 1.15vw; margin: .3vw 0; border-left: .4vw solid #0b5cad; padding-left: .6vw;}
.pl .totals {display: grid; grid-template-columns: repeat(4, 1fr); gap: 1vw; text-align: center;}
.pl .totals .big {font-size: 3.4vw;}
.pl .summary {margin-top: .6vw;}
.pl .summary .card ol {font-size: .9vw;}
</style>""")


def results_address() -> str:
    """The public results page at the address phones open (forum_core/network.py), not the one
    this screen was opened with: on the laptop itself that is localhost."""
    return network.page_url(tls.served_url(), "results", lang)


def qr_block(address: str | None, width: int = 220) -> None:
    if address:
        st.image(printing.qr_png(address), width=width)
        st.html(render("plenary/qr.html", t=t, address=address))


def welcome(snap: plenary.Snapshot, now: datetime) -> None:
    f = snap.forum
    left, right = st.columns([3, 1])
    agenda = plenary.agenda(list(snap.phases), f["forum_date"], f["start_time"], now)
    with left:
        st.html(render("plenary/welcome.html", forum=f, agenda=agenda))
    with right:
        st.html(render("plenary/arrived.html", t=t, checked_in=snap.totals.checked_in, expected=snap.totals.expected))
    chart_col, qr_col = st.columns([4, 1])
    with chart_col:
        spec, data = arrivals_chart(
            list(snap.arrivals),
            t("plenary.expected"),
            t("plenary.came"),
            height=min(560, 44 * max(1, len(snap.arrivals))),
        )
        st.vega_lite_chart(data, spec, width="stretch")
    with qr_col:
        qr_block(results_address())


def wall(snap: plenary.Snapshot) -> None:
    st.html(
        render(
            "plenary/wall.html",
            t=t,
            groups=snap.groups,
            revealed=snap.state.revealed,
            done=snap.totals.groups_finalised,
            count=snap.totals.groups,
        )
    )


def presenting(snap: plenary.Snapshot, now: datetime) -> None:
    group = snap.group(snap.state.presenting)
    if group is None:
        st.html(render("plenary/heading.html", text=t("plenary.no_group")))
        return
    timer = snap.state.timer
    left, right = st.columns([3, 1])
    with left:
        st.html(render("plenary/group.html", t=t, group=group))
    with right:
        st.html(render("plenary/timer.html", phase=timer.phase(now), clock=plenary.clock_text(timer.remaining(now))))
    if not group.finalised:
        st.html(render("plenary/working.html", t=t))
        return
    chart, initiatives = st.columns([2, 3])
    with chart:
        spec, data = pebble_chart(list(group.priorities), t("plenary.pebbles"), height=360)
        st.vega_lite_chart(data, spec, width="stretch")
    with initiatives:
        st.html(render("plenary/initiatives.html", t=t, priorities=[initiative_lines(p) for p in group.priorities]))


def initiative_lines(p: dict) -> dict:
    """A priority with its initiative as plain text, for plenary/initiatives.html."""
    i = p["initiative"] or {}
    who = ", ".join(
        x
        for x in (
            t("plenary.beneficiaries_count", count=i["beneficiaries_count"]) if i.get("beneficiaries_count") else "",
            i.get("beneficiaries_age"),
            i.get("beneficiaries_specifics"),
        )
        if x
    )
    return {
        "rank": p["rank"],
        "title": p["title"],
        "pebbles": p["pebbles"],
        "initiative": i.get("title") or "",
        "goal": i.get("goal") or "",
        "who": who,
    }


def summary(snap: plenary.Snapshot) -> None:
    n = snap.totals
    figures = [
        (n.checked_in, t("plenary.total_participants")),
        (n.problems, t("plenary.total_problems")),
        (n.pebbles, t("plenary.total_pebbles")),
        (n.initiatives, t("plenary.total_initiatives")),
    ]
    left, right = st.columns([6, 1])
    with left:
        st.html(render("plenary/totals.html", t=t, figures=figures))
    with right:
        qr_block(results_address(), width=150)
    st.html(
        render("plenary/summary.html", t=t, fields=plenary.by_field(list(snap.groups)), revealed=snap.state.revealed)
    )


@st.fragment(run_every=1)
def screen() -> None:
    """Redrawn every second (the timer); the data comes from the shared snapshot, which is
    recomputed only after a commit, so the newest finalised vote shows within a second or two."""
    session.still_signed_in()
    snap = plenary.snapshot(db, forum_id)
    now = datetime.now()
    mode = snap.state.mode
    if mode == "wall":
        wall(snap)
    elif mode == "presenting":
        presenting(snap, now)
    elif mode == "summary":
        summary(snap)
    else:
        welcome(snap, now)


screen()
