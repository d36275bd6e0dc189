"""The audit trail read back: filters, and a group's counts at any moment."""

import time
from datetime import datetime

from forum_core import audit, checkin, i18n, plenary
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor
from tests.conftest import ORGANIZER

ROOM = Actor("facilitator", "tablet 201", group_id=1)  # the demo forum's first group


def test_filters_by_group_role_and_kind(db, demo_forum):
    g1, g2 = forum_mod.groups(db.cursor(), demo_forum)[:2]
    a = dl.add_problem(db, ROOM, g1["id"], "გზები").value
    dl.set_pebbles(db, ROOM, a, 3)
    dl.add_item(db, ROOM, g1["id"], "weakness", "წყალი")
    b = dl.add_problem(db, ORGANIZER, g2["id"], "ბაღი").value
    person = people.all_active(db.cursor(), demo_forum)[0]
    checkin.scan(db, Actor("desk", "Desk 1"), demo_forum, checkin.token_of(db.cursor(), person["id"]), "Desk 1")
    plenary.set_mode(db, Actor("moderator", "stage"), demo_forum, "wall")
    cur = db.cursor()
    assert any(e["action"] == "participant.add" for e in audit.entries(cur, demo_forum, group_id=g1["id"]))
    first = audit.entries(cur, demo_forum, group_id=g1["id"], role="facilitator")
    assert [e["action"] for e in first] == ["assessment.add", "vote.count", "problem.add"]  # newest first
    assert first[1]["before"] == {"round": 0, "pebbles": 0} and first[1]["after"] == {"round": 0, "pebbles": 3}
    assert {e["device"] for e in first} == {"tablet 201"}
    assert [e["entity_id"] for e in audit.entries(cur, demo_forum, group_id=g2["id"], kind="problem")] == [str(b)]
    assert [e["action"] for e in audit.entries(cur, demo_forum, role="moderator")] == ["plenary.mode"]
    scans = audit.entries(cur, demo_forum, kind="checkin")
    assert [e["action"] for e in scans] == ["checkin.scan"] and scans[0]["group_id"] == person["group_id"]
    assert audit.entries(cur, demo_forum, role="facilitator", kind="vote")[0]["after"]["pebbles"] == 3
    assert len(audit.entries(cur, demo_forum, limit=3)) == 3


def test_vote_counts_replayed_at_any_moment(db, demo_forum):
    group = forum_mod.groups(db.cursor(), demo_forum)[0]
    a = dl.add_problem(db, ROOM, group["id"], "გზები").value
    b = dl.add_problem(db, ROOM, group["id"], "ბაღი").value
    dl.set_pebbles(db, ROOM, a, 3)
    time.sleep(0.01)
    middle = datetime.now()
    time.sleep(0.01)
    dl.set_pebbles(db, ROOM, a, 7)
    dl.set_pebbles(db, ROOM, b, 2)
    cur = db.cursor()
    assert len(audit.vote_moments(cur, group["id"])) == 3
    then = {r["title"]: r["pebbles"] for r in audit.counts_at(cur, group["id"], middle)}
    assert then == {"გზები": 3, "ბაღი": None}
    now = {r["title"]: r["pebbles"] for r in audit.counts_at(cur, group["id"], datetime.now())}
    assert now == {"გზები": 7, "ბაღი": 2}


def test_the_devices_the_app_names_itself_are_said_in_the_readers_language():
    """The first start's and the command line's entries: a Georgian reader saw "first start"."""
    from forum_core.db import CLI_ACTOR, FIRST_START_ACTOR

    assert audit.device("ka", FIRST_START_ACTOR.device) == "პირველი გაშვება"
    assert audit.device("ka", CLI_ACTOR.device) == "ბრძანების ხაზი"
    assert audit.device("en", FIRST_START_ACTOR.device) == "first start"
    assert audit.device("ka", "მაგიდა 1") == "მაგიდა 1"  # a label a person typed, as typed


def test_a_merge_names_the_merged_problem_by_its_title(db, demo_forum):
    """The audit said "value: 17" for the problem merged away; it names its title."""
    group = forum_mod.groups(db.cursor(), demo_forum)[0]
    keep = dl.add_problem(db, ROOM, group["id"], "გზები", "ორმოები").value
    merged = dl.add_problem(db, ROOM, group["id"], "ტროტუარები").value
    assert dl.merge_problems(db, ROOM, keep, merged).ok
    (entry,) = audit.entries(db.cursor(), demo_forum, kind="problem.merge")
    for lang in ("ka", "en"):
        said = audit.sentence(lang, entry)
        assert f"{i18n.t(lang, 'audit.field.merged_problem')}: ტროტუარები" in said, said
        assert str(merged) not in said and i18n.t(lang, "audit.field_other") not in said, said


def test_the_reporting_forums_changes_name_their_recommendation(finished_db):
    """The audit said "mayor's answer recorded. amount: 15000.00 → 16000.00" and "merged: — → 4": no
    recommendation named, an id, an amount not in lari; and its kinds had no choice for them."""
    from forum_core import report

    recs = report.recommendations(finished_db.cursor(), 1)
    first, second, third = recs[0], recs[1], recs[2]
    assert report.record_answer(finished_db, ORGANIZER, first["id"], {"status": "partly", "amount": "15 000"}).ok
    assert report.record_answer(finished_db, ORGANIZER, first["id"], {"status": "included", "amount": "16 000,5"}).ok
    assert report.merge(finished_db, ORGANIZER, second["id"], third["id"]).ok
    assert report.move(finished_db, ORGANIZER, second["id"], -1).ok
    assert report.edit_wording(finished_db, ORGANIZER, first["id"], "გზების შეკეთება").ok
    entries = audit.entries(finished_db.cursor(), 1, kind="report")[:5]  # then the recommendations made
    assert [e["action"] for e in entries] == [
        "report.edit",
        "report.order",
        "report.merge",
        "report.answer",
        "report.answer",
    ]
    for lang in ("ka", "en"):
        edit, order, merge, answer, _ = (audit.sentence(lang, e) for e in entries)
        named = f"{i18n.t(lang, 'audit.field.recommendation')}: "
        assert answer[1:].startswith(i18n.t(lang, "action.report.answer")[1:]), answer
        assert answer.split(". ", 1)[1].startswith(named + first["text"][:40]), answer
        tetri = "," if lang == "ka" else "."  # the decimal sign of the reader's language
        assert f"15\u00a0000\u00a0₾ → 16\u00a0000{tetri}50\u00a0₾" in answer and "15000.00" not in answer, answer
        assert f"{i18n.t(lang, 'report.status')}: " in answer, answer  # the page's word for it, not "outcome"
        assert named + third["text"][:40] in merge and f": — → {second['text'][:40]}" in merge, merge
        assert str(second["id"]) not in merge.replace(second["text"], "").replace(third["text"], ""), merge
        assert named + second["text"][:40] in order and i18n.t(lang, "audit.field.place") in order, order
        assert named + first["original"][:40] in edit and "გზების შეკეთება" in edit, edit  # the groups' words name it
        assert i18n.t(lang, "audit.field_other") not in " ".join((edit, order, merge, answer))
    assert audit.sentence("en", entries[0])[0].isupper()  # an English sentence begins with a capital
    assert audit.sentence("ka", entries[0])[0] == i18n.t("ka", "action.report.edit")[0]  # no Mtavruli
