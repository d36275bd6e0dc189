"""The plenary: screen state from the moderator's events, the timer, the read models."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from forum_core import checkin, demo, plenary
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor
from tests.conftest import ORGANIZER

MODERATOR = Actor("moderator", "stage laptop")
T0 = datetime(2027, 5, 30, 14, 30, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- the timer (pure) -------------------------------------------------------------------------


def test_timer_counts_down_pauses_and_turns_amber_then_red():
    timer = plenary.Timer(420)
    assert timer.remaining(at(100)) == 420 and timer.phase(at(0)) == "ok"
    running = plenary.Timer(420, running_since=at(0))
    assert running.remaining(at(60)) == 360
    assert running.phase(at(359)) == "ok" and running.phase(at(361)) == "last_minute"
    assert running.phase(at(420)) == "over" and running.remaining(at(450)) == -30
    paused = plenary.Timer(420, None, running.elapsed(at(100)))
    assert paused.remaining(at(10_000)) == 320


def test_clock_text():
    assert plenary.clock_text(420) == "7:00"
    assert plenary.clock_text(5.4) == "0:05"
    assert plenary.clock_text(0) == "0:00"
    assert plenary.clock_text(-90) == "−1:30"
    assert plenary.clock_text(-0.5) == "−0:01"


def test_default_slot_shares_the_presentations_phase():
    phases = [forum_mod.Phase("opening", 30), forum_mod.Phase("work", 180), forum_mod.Phase("presentations", 70)]
    assert plenary.default_slot_seconds(phases, 10) == 420
    assert plenary.default_slot_seconds(phases, 12) == 330  # 5 min 50 s, rounded down to 30 s
    assert plenary.default_slot_seconds([], 0) == 420


def test_fold_of_events():
    ev = lambda kind, payload, s: {"kind": kind, "payload": payload, "happened_at": at(s)}  # noqa: E731
    state = plenary.fold([], [11, 12, 13], 420)
    assert (state.mode, state.presenting, state.order, state.revealed) == ("welcome", 11, (11, 12, 13), True)
    state = plenary.fold(
        [
            ev("mode", {"mode": "presenting"}, 0),
            ev("present", {"group_id": 12}, 1),
            ev("timer_start", {}, 10),
            ev("timer_pause", {}, 70),
            ev("timer_start", {}, 100),
            ev("order", {"group_ids": [13, 11]}, 101),
            ev("reveal", {"revealed": False}, 102),
        ],
        [11, 12, 13],
        420,
    )
    assert state.mode == "presenting" and state.presenting == 12 and not state.revealed
    assert state.order == (13, 11, 12)  # groups missing from a saved order keep their place at the end
    assert state.timer.running and state.timer.remaining(at(160)) == 420 - 60 - 60
    # a new presenting group starts with a fresh, stopped timer
    state = plenary.fold([ev("timer_start", {}, 0), ev("present", {"group_id": 13}, 30)], [11, 12, 13], 420)
    assert not state.timer.running and state.timer.remaining(at(999)) == 420
    # a group that no longer exists is not shown
    assert plenary.fold([ev("present", {"group_id": 99}, 0)], [11, 12], 420).presenting == 11


def test_pages_turn_forward_and_back_and_start_again_with_every_screen_and_group():
    ev = lambda kind, payload: {"kind": kind, "payload": payload, "happened_at": at(0)}  # noqa: E731
    turn = [ev("page", {"step": 1}), ev("page", {"step": 1}), ev("page", {"step": -1})]
    assert plenary.fold(turn, [11, 12], 420).page == 1
    assert plenary.fold([ev("page", {"step": -1})], [11, 12], 420).page == 0  # never before the first
    assert plenary.fold([*turn, ev("mode", {"mode": "wall"})], [11, 12], 420).page == 0
    assert plenary.fold([*turn, ev("present", {"group_id": 12})], [11, 12], 420).page == 0


def test_the_next_step_for_the_preview():
    state = plenary.fold([], [11, 12, 13], 420)
    steps = []
    while state is not None and len(steps) < 10:
        steps.append((state.mode, state.presenting if state.mode == "presenting" else None))
        state = plenary.upcoming(replace(state, page=2))
        assert state is None or state.page == 0  # a new screen starts on its first page
    assert steps == [
        ("welcome", None),
        ("wall", None),
        ("presenting", 11),
        ("presenting", 12),
        ("presenting", 13),
        ("summary", None),
    ]


def test_turning_pages_is_the_stage_s_command(forum_in_full_swing, db):
    assert plenary.turn_page(db, MODERATOR, forum_in_full_swing, -1).reason == "unchanged"  # on the first page
    assert plenary.turn_page(db, MODERATOR, forum_in_full_swing, +1).ok
    assert plenary.screen_state(db.cursor(), forum_in_full_swing).page == 1
    assert not plenary.turn_page(db, Actor("desk", "desk 1"), forum_in_full_swing, +1).ok


# --- the moderator's commands ---------------------------------------------------------------


def test_commands_drive_the_state_and_are_audited(db, demo_forum):
    groups = forum_mod.groups(db.cursor(), demo_forum)
    assert plenary.set_mode(db, MODERATOR, demo_forum, "wall").ok
    assert plenary.set_mode(db, MODERATOR, demo_forum, "wall").reason == "unchanged"
    assert plenary.set_mode(db, MODERATOR, demo_forum, "disco").reason == "bad_mode"
    assert plenary.step_group(db, MODERATOR, demo_forum, -1).reason == "end_of_order"
    assert plenary.step_group(db, MODERATOR, demo_forum, +1).ok
    state = plenary.screen_state(db.cursor(), demo_forum)
    assert state.mode == "wall" and state.presenting == groups[1]["id"]
    assert plenary.move_in_order(db, MODERATOR, demo_forum, groups[9]["id"], -1).ok
    order = plenary.screen_state(db.cursor(), demo_forum).order
    assert order[-2:] == (groups[9]["id"], groups[8]["id"])
    assert plenary.present_group(db, MODERATOR, demo_forum, 999_999).reason == "not_found"
    assert plenary.start_timer(db, MODERATOR, demo_forum).ok
    assert plenary.start_timer(db, MODERATOR, demo_forum).reason == "unchanged"
    assert plenary.screen_state(db.cursor(), demo_forum).timer.running
    assert plenary.pause_timer(db, MODERATOR, demo_forum).ok
    assert plenary.pause_timer(db, MODERATOR, demo_forum).reason == "unchanged"
    assert plenary.set_slot_minutes(db, MODERATOR, demo_forum, "-3").reason == "invalid"
    assert plenary.set_slot_minutes(db, MODERATOR, demo_forum, "abc").reason == "invalid"
    assert plenary.set_slot_minutes(db, MODERATOR, demo_forum, 5).ok
    state = plenary.screen_state(db.cursor(), demo_forum)
    assert state.slot_s == 300 and state.timer.remaining(datetime.now()) == 300
    assert plenary.set_revealed(db, MODERATOR, demo_forum, False).ok
    assert not plenary.screen_state(db.cursor(), demo_forum).revealed
    audited = (
        db.cursor()
        .execute("SELECT role, device, action FROM audit_log WHERE action LIKE 'plenary.%' ORDER BY id")
        .fetchall()
    )
    assert len(audited) == 7 and audited[0] == ("moderator", "stage laptop", "plenary.mode")


def test_agenda_marks_the_current_phase():
    phases = [forum_mod.Phase("გახსნა", 30), forum_mod.Phase("ჯგუფები", 180), forum_mod.Phase("პრეზენტაციები", 70)]
    rows = plenary.agenda(phases, T0.date(), T0.replace(hour=11, minute=0).time(), T0.replace(hour=11, minute=45))
    assert [r["current"] for r in rows] == [False, True, False]
    assert str(rows[2]["starts"]) == "14:30:00" and str(rows[2]["ends"]) == "15:40:00"
    after = plenary.agenda(phases, T0.date(), T0.replace(hour=11).time(), T0.replace(hour=16))
    assert not any(r["current"] for r in after)


# --- read models --------------------------------------------------------------------------------


@pytest.fixture
def day(db, forum_in_full_swing):
    """The demo forum with eight of ten groups finalised (a copy of the session's file, made with
    demo.simulate_group_work(..., group_numbers=1..8) == 8, see tests/conftest.py)."""
    return forum_in_full_swing


def test_snapshot_shows_finalised_groups_in_rank_order(db, day):
    snap = plenary.snapshot(db, day)
    assert [g.finalised for g in snap.groups] == [True] * 8 + [False] * 2
    first = snap.groups[0]
    assert [p["rank"] for p in first.priorities] == [1, 2, 3, 4, 5]
    pebbles = [p["pebbles"] for p in first.priorities]
    assert pebbles == sorted(pebbles, reverse=True)
    assert first.presenter and first.priorities[0]["initiative"]["goal"]
    assert snap.groups[9].priorities == ()
    n = snap.totals
    assert (n.groups_finalised, n.groups, n.problems, n.initiatives) == (8, 10, 64, 40)
    assert n.checked_in == 80 and n.expected == 117
    assert n.pebbles == sum(
        dl.ranking(db.cursor(), forum_mod.get_forum(db.cursor(), day), g.group_id).total for g in snap.groups
    )
    assert sum(a["checked_in"] for a in snap.arrivals) == 80


def test_snapshot_follows_every_commit_and_is_reused_between(db, day):
    first = plenary.snapshot(db, day)
    again = plenary.snapshot(db, day)  # nothing written: the cached parts, not recomputed
    assert again.groups is first.groups and again.arrivals is first.arrivals
    # a check-in refreshes the arrivals, a finalised vote the wall
    absent = next(
        p for p in people.all_active(db.cursor(), day) if p["id"] not in checkin.checked_in_ids(db.cursor(), day)
    )
    checkin.check_in_participant(db, ORGANIZER, day, absent["id"], "Desk 1")
    assert plenary.snapshot(db, day).totals.checked_in == first.totals.checked_in + 1
    assert demo.simulate_group_work(db, ORGANIZER, day, group_numbers=[9]) == 1
    after = plenary.snapshot(db, day)
    assert after.groups[8].finalised and after.totals.groups_finalised == 9
    assert after == plenary.build_snapshot(db.cursor(), day)
    # reopening takes the group off the wall again
    assert dl.reopen(db, ORGANIZER, after.groups[8].group_id, "ხელახლა დათვლა").ok
    assert not plenary.snapshot(db, day).groups[8].finalised
    # the moderator's events refresh the screen state
    plenary.set_mode(db, MODERATOR, day, "summary")
    assert plenary.snapshot(db, day).state.mode == "summary"


def test_public_results_hold_no_personal_data(db, day):
    published = plenary.public_results(plenary.snapshot(db, day))
    assert len(published) == 8
    text = repr(published)
    for p in people.all_active(db.cursor(), day):
        assert p["phone"] not in text
        if p["birth_year"]:
            assert "'birth_year'" not in text
    # no person's name, presenters included (the day's presenters are set for every finalised group)
    presenters = [g.presenter for g in plenary.snapshot(db, day).groups if g.finalised]
    assert len(presenters) == 8 and all(presenters)
    for p in people.all_active(db.cursor(), day):
        assert f"{p['first_name']} {p['last_name']}" not in text
    assert not any(name in text for name in presenters)
    assert all("presenter" not in g for g in published)
    assert "token" not in text and "phone" not in text


def test_public_results_follow_the_moderators_hide(db, day):
    assert len(plenary.public_results(plenary.snapshot(db, day))) == 8
    assert plenary.set_revealed(db, MODERATOR, day, False).ok
    assert plenary.public_results(plenary.snapshot(db, day)) == []
    assert plenary.set_revealed(db, MODERATOR, day, True).ok
    assert len(plenary.public_results(plenary.snapshot(db, day))) == 8


def test_flagged_priority_is_marked(db, demo_forum):
    forum = forum_mod.get_forum(db.cursor(), demo_forum)
    db.cursor().execute("UPDATE forum SET flagged_in_vote = true WHERE id = ?", [demo_forum])
    forum["flagged_in_vote"] = True
    group = forum_mod.groups(db.cursor(), demo_forum)[0]
    a = dl.add_problem(db, ORGANIZER, group["id"], "პენსიები").value
    b = dl.add_problem(db, ORGANIZER, group["id"], "გზები").value
    assert dl.flag_competence(db, ORGANIZER, a, True, "ცენტრალური ხელისუფლება").ok
    dl.set_pebbles(db, ORGANIZER, a, 5)
    dl.set_pebbles(db, ORGANIZER, b, 3)
    assert dl.finalise(db, ORGANIZER, forum, group["id"]).ok
    top = plenary.snapshot(db, demo_forum).groups[0].priorities
    assert [(p["title"], p["outside_competence"]) for p in top] == [("პენსიები", True), ("გზები", False)]
