"""The write path knows groups: a facilitator or expert of one group changes nothing of another's.

Every service that changes a group's work is tried by the facilitator and the expert of
group 2 on group 1's work; each must answer ``outside_group`` and write nothing (no row,
no audit entry). The list is checked against vocabulary.GROUP_SCOPED, so a new
group-scoped action without a case here fails."""

import pytest

from forum_core import checkin
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor
from forum_core.vocabulary import GROUP_SCOPED, Action
from tests.conftest import ORGANIZER


@pytest.fixture
def two_rooms(db, demo_forum):
    """Group 1 with a recorded session (problems, counts, an item, a tie); group 2's tablet."""
    forum = forum_mod.get_forum(db.cursor(), demo_forum)
    g1, g2 = forum_mod.groups(db.cursor(), demo_forum)[:2]
    members = dl.members(db.cursor(), demo_forum, g1["id"])
    for m in members[:6]:
        assert dl.mark_present(db, ORGANIZER, demo_forum, g1["id"], m["id"]).ok
    problems = [dl.add_problem(db, ORGANIZER, g1["id"], f"პრობლემა {i}").value for i in range(7)]
    for pid, n in zip(problems, (9, 8, 7, 6, 4, 4, 0)):
        dl.set_pebbles(db, ORGANIZER, pid, n)
    item = dl.add_item(db, ORGANIZER, g1["id"], "strength", "აქტიური მოსახლეობა").value
    stranger = next(p for p in people.all_active(db.cursor(), demo_forum) if p["group_id"] == g2["id"])
    return {
        "forum": forum,
        "g1": g1["id"],
        "g2": g2["id"],
        "problems": problems,
        "item": item,
        "member": members[0]["id"],
        "absent": members[8]["id"],
        "stranger": stranger,
    }


def board_photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(out, "JPEG")
    return out.getvalue()


def attempts(db, r):
    f, g1, p, forum_id = r["forum"], r["g1"], r["problems"], r["forum"]["id"]
    return {  # action -> what a tablet of group 2 tries on group 1
        Action.ASSESSMENT_ADD: lambda a: dl.add_item(db, a, g1, "weakness", "x"),
        Action.ASSESSMENT_EDIT: lambda a: dl.edit_item(db, a, r["item"], "y", "აქტიური მოსახლეობა"),
        Action.ASSESSMENT_MOVE: lambda a: dl.move_item(db, a, r["item"], 1),
        Action.ASSESSMENT_DELETE: lambda a: dl.delete_item(db, a, r["item"]),
        Action.PROBLEM_ADD: lambda a: dl.add_problem(db, a, g1, "ახალი"),
        Action.PROBLEM_EDIT: lambda a: dl.edit_problem(db, a, p[0], "ახალი", "", ("პრობლემა 0", "")),
        Action.PROBLEM_DELETE: lambda a: dl.delete_problem(db, a, p[6]),
        Action.PROBLEM_MERGE: lambda a: dl.merge_problems(db, a, p[0], p[1]),
        Action.PROBLEM_FLAG: lambda a: dl.flag_competence(db, a, p[2], True, "note"),
        Action.VOTE_COUNT: lambda a: dl.set_pebbles(db, a, p[0], 1),
        Action.VOTE_REVOTE: lambda a: dl.start_revote(db, a, g1, [p[4], p[5]]),
        Action.VOTE_DECIDE: lambda a: dl.decide_tie(db, a, g1, [p[4], p[5]], [p[4]], "reason"),
        Action.VOTE_FINALISE: lambda a: dl.finalise(db, a, f, g1),
        Action.INITIATIVE_SAVE: lambda a: dl.save_initiative_field(db, a, g1, p[0], "goal", "x", None),
        "whole initiative": lambda a: dl.save_initiative(db, a, g1, p[0], {"goal": "x", "title": "y"}),
        Action.GROUP_PRESENTER: lambda a: dl.set_presenter(db, a, forum_id, g1, r["member"]),
        Action.CHECKIN_FACILITATOR: lambda a: dl.mark_present(db, a, forum_id, g1, r["absent"]),
        Action.CHECKIN_UNDO: lambda a: dl.mark_absent(db, a, forum_id, g1, r["member"]),
        Action.PARTICIPANT_MOVE: lambda a: dl.take_in(db, a, forum_id, g1, r["stranger"]["id"]),
        Action.VOTE_PHOTO: lambda a: dl.save_photo(db, a, g1, board_photo()),
        Action.VOTE_RECOUNT: lambda a: dl.set_recount(db, a, p[0], 9),
        "plus": lambda a: dl.add_pebbles(db, a, p[0], +1),
    }


def test_every_group_scoped_service_refuses_another_group(db, two_rooms):
    cases = attempts(db, two_rooms)
    # the audit-only members (check-in entry, group events) are written by the services above
    covered = set(cases) | {
        Action.CHECKIN_CHECK_IN,
        Action.GROUP_REVOTE,
        Action.GROUP_TIE_DECISION,
        Action.GROUP_FINALISE,
    }
    assert covered >= GROUP_SCOPED, GROUP_SCOPED - covered
    cur = db.cursor()
    before = cur.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    for role in ("facilitator", "expert"):
        other_room = Actor(role, "tablet of group 2", two_rooms["g2"])
        for action, attempt in cases.items():
            outcome = attempt(other_room)
            assert outcome.reason == "outside_group", (role, action, outcome)
    assert cur.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before  # nothing written


def test_the_same_services_work_in_the_own_group(db, two_rooms):
    own = Actor("facilitator", "tablet of group 1", two_rooms["g1"])
    cases = attempts(db, two_rooms)
    for action in (
        Action.PROBLEM_ADD,
        Action.VOTE_COUNT,
        Action.ASSESSMENT_ADD,
        Action.INITIATIVE_SAVE,
        Action.CHECKIN_FACILITATOR,
        Action.PARTICIPANT_MOVE,
        Action.VOTE_PHOTO,
        Action.VOTE_RECOUNT,
    ):
        assert cases[action](own).ok, action


def test_facilitators_read_no_personal_data(db, demo_forum):
    person = people.all_active(db.cursor(), demo_forum)[0]
    digits = person["phone"][-6:]
    assert [p["id"] for p in people.search(db.cursor(), demo_forum, digits, role="desk")] == [person["id"]]
    for role in ("facilitator", "expert", "moderator", "projector", "public"):
        assert people.search(db.cursor(), demo_forum, digits, role=role) == []  # no trying digits
        found = people.search(db.cursor(), demo_forum, person["last_name"], role=role)
        assert found and all(set(p) & {"phone", "birth_year", "community", "needs", "email"} == set() for p in found)
    members = dl.members(db.cursor(), demo_forum, person["group_id"])
    assert all(set(m) == {"id", "first_name", "last_name", "present"} for m in members)
    assert (
        checkin.check_in_participant(
            db,
            Actor("facilitator", "t", person["group_id"] + 1),
            demo_forum,
            person["id"],
            "room",
            method="facilitator",
        ).status
        == "outside_group"
    )
