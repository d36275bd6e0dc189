"""Recommendations from the published priorities, the committee's edits, the mayor's answers, the numbers."""

from collections import Counter
from decimal import Decimal

import pytest

from forum_core import checkin, demo, report
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor, Database
from tests.conftest import ORGANIZER


@pytest.fixture
def db(finished_db):
    return finished_db


@pytest.fixture
def finished(finished_db) -> int:
    """The demo forum after group work: ten groups finalised, recommendations made."""
    return 1


def test_each_published_priority_becomes_one_recommendation_once(tmp_path):
    db = Database(tmp_path / "fresh.duckdb")
    demo_forum = demo.load_demo(db, ORGANIZER).value
    demo.simulate_group_work(db, ORGANIZER, demo_forum, group_numbers=[1, 2])
    assert report.sync(db, ORGANIZER, demo_forum).value == 10
    assert report.sync(db, ORGANIZER, demo_forum).reason == "unchanged"  # nothing twice
    demo.simulate_group_work(db, ORGANIZER, demo_forum, group_numbers=[3])
    assert report.sync(db, ORGANIZER, demo_forum).value == 5
    recs = report.recommendations(db.cursor(), demo_forum)
    published = report.published_priorities(db.cursor(), demo_forum)
    assert [r["sources"][0]["problem_id"] for r in recs] == [p["problem_id"] for p in published]
    assert [r["text"] for r in recs] == [p["title"] for p in published]
    assert all(not r["edited"] and r["answer"] is None for r in recs)


def test_a_reopened_vote_makes_its_recommendations_stale_and_leaves_the_documents(db, finished):
    group = forum_mod.groups(db.cursor(), finished)[0]
    assert dl.reopen(db, ORGANIZER, group["id"], "ერთი ხმა დაიკარგა").ok
    recs = report.recommendations(db.cursor(), finished)
    stale = [r for r in recs if r["stale"]]
    assert len(stale) == 5 and {r["groups"][0] for r in stale} == {1}
    assert len(report.for_document(db.cursor(), finished)) == 45


def test_the_committees_wording_is_kept_apart_from_the_groups_words(db, finished):
    rec = report.recommendations(db.cursor(), finished)[0]
    assert report.edit_wording(db, ORGANIZER, rec["id"], "  სოფლის გზების რეაბილიტაცია  ").reason == "saved"
    after = report.recommendations(db.cursor(), finished)[0]
    assert after["text"] == "სოფლის გზების რეაბილიტაცია" and after["edited"]
    assert after["original"] == rec["original"] == rec["sources"][0]["title"]
    assert report.edit_wording(db, ORGANIZER, rec["id"], "").reason == "saved"  # back to the group's words
    assert report.recommendations(db.cursor(), finished)[0]["text"] == rec["original"]


def test_bad_wording_is_refused_and_changes_nothing(db, finished):
    rec = report.recommendations(db.cursor(), finished)[0]
    outcome = report.edit_wording(db, ORGANIZER, rec["id"], "ა" * 2001)
    assert not outcome.ok and outcome.errors[0].code == "too_long"
    assert report.recommendations(db.cursor(), finished)[0]["wording"] == ""
    assert report.edit_wording(db, ORGANIZER, 99999, "x").reason == "not_found"


def test_merging_names_every_group_and_can_be_undone(db, finished):
    recs = report.recommendations(db.cursor(), finished)
    roads_1, roads_2 = recs[0], recs[5]  # the first priority of groups 1 and 2
    assert report.merge(db, ORGANIZER, roads_1["id"], roads_2["id"]).reason == "merged"
    after = report.recommendations(db.cursor(), finished)
    assert len(after) == 49
    merged = after[0]
    assert merged["groups"] == [1, 2] and merged["pebbles"] == roads_1["pebbles"] + roads_2["pebbles"]
    assert merged["original"] == f"{roads_1['original']} / {roads_2['original']}"
    assert report.merge(db, ORGANIZER, recs[1]["id"], roads_2["id"]).reason == "cannot_merge"
    assert report.merge(db, ORGANIZER, roads_1["id"], roads_1["id"]).reason == "cannot_merge"
    assert report.unmerge(db, ORGANIZER, roads_2["id"]).reason == "unmerged"
    assert [r["id"] for r in report.recommendations(db.cursor(), finished)] == [r["id"] for r in recs]


def test_merging_a_recommendation_that_holds_others_moves_them_too(db, finished):
    a, b, c = report.recommendations(db.cursor(), finished)[:3]
    report.merge(db, ORGANIZER, b["id"], c["id"])
    report.merge(db, ORGANIZER, a["id"], b["id"])
    first = report.recommendations(db.cursor(), finished)[0]
    assert first["id"] == a["id"] and sorted(first["merged"]) == sorted([b["id"], c["id"]])
    assert len(first["sources"]) == 3


def test_the_committee_sets_the_order(db, finished):
    ids = [r["id"] for r in report.recommendations(db.cursor(), finished)]
    assert report.move(db, ORGANIZER, ids[2], -1).reason == "moved"
    assert report.move(db, ORGANIZER, ids[0], -1).reason == "unchanged"  # already first
    assert [r["id"] for r in report.recommendations(db.cursor(), finished)][:3] == [ids[0], ids[2], ids[1]]


def test_the_mayors_answer_latest_counts_and_is_audited(db, finished):
    rec = report.recommendations(db.cursor(), finished)[0]
    first = {"status": "partly", "program_code": "02 01", "amount": "12 500,5", "reason": "ეტაპობრივად"}
    assert report.record_answer(db, ORGANIZER, rec["id"], first).reason == "saved"
    assert report.record_answer(db, ORGANIZER, rec["id"], first).reason == "unchanged"
    assert report.record_answer(db, ORGANIZER, rec["id"], {"status": "included", "amount": 30000}).ok
    answer = report.recommendations(db.cursor(), finished)[0]["answer"]
    assert answer["status"] == "included" and answer["amount"] == Decimal("30000.00")
    assert db.cursor().execute("SELECT count(*) FROM recommendation_answer").fetchone()[0] == 2
    assert db.cursor().execute("SELECT count(*) FROM audit_log WHERE action = 'report.answer'").fetchone()[0] == 2
    by_problem = report.status_by_problem(db.cursor(), finished)
    assert by_problem[rec["sources"][0]["problem_id"]]["status"] == "included"


@pytest.mark.parametrize(
    "raw, field, code",
    [
        ({"status": "maybe"}, "status", "required"),
        ({"status": "included", "amount": "-5"}, "amount", "out_of_range"),
        ({"status": "included", "amount": "ათასი"}, "amount", "not_an_amount"),
        ({"status": "included", "amount": "12,5555"}, "amount", "not_an_amount"),  # tetri have two digits
        ({"status": "included", "amount": "1,2,3"}, "amount", "not_an_amount"),
        ({"status": "not_included", "amount": "100"}, "amount", "amount_without_funding"),
        ({"status": "included", "reason": "x" * 501}, "reason", "too_long"),
    ],
)
def test_a_bad_answer_is_refused_and_stores_nothing(db, finished, raw, field, code):
    rec = report.recommendations(db.cursor(), finished)[0]
    outcome = report.record_answer(db, ORGANIZER, rec["id"], raw)
    assert not outcome.ok and (field, code) in {(e.field, e.code) for e in outcome.errors}
    assert db.cursor().execute("SELECT count(*) FROM recommendation_answer").fetchone()[0] == 0


def test_only_the_organizer_changes_recommendations(db, finished):
    rec = report.recommendations(db.cursor(), finished)[0]
    for role in ("desk", "facilitator", "expert", "moderator", "public"):
        actor = Actor(role, "tablet")
        assert report.record_answer(db, actor, rec["id"], {"status": "included"}).reason == "not_allowed"
        assert report.edit_wording(db, actor, rec["id"], "x").reason == "not_allowed"
    assert report.recommendations(db.cursor(), finished)[0]["answer"] is None


def test_the_forum_in_numbers_counts_who_came(db, finished):
    cur = db.cursor()
    walk_in = checkin.register_walk_in(
        db,
        Actor("desk", "Desk 1"),
        finished,
        {
            "first_name": "ნინო",
            "last_name": "ბერიძე",
            "group": forum_mod.groups(cur, finished)[0]["id"],
            "gender": "f",
            "birth_year": 2003,
            "community": "თელავი",
        },
        "Desk 1",
    )
    assert walk_in.ok and walk_in.value.status == "checked_in", walk_in
    numbers = report.forum_in_numbers(cur, finished)
    everyone = people.all_active(cur, finished)
    came = [p for p in everyone if p["id"] in checkin.checked_in_ids(cur, finished)]
    assert numbers.came == len(came) == 101 and numbers.walk_ins == 1
    assert numbers.invited == len(everyone) - 1
    assert sum(g["came"] for g in numbers.per_group) == numbers.came
    assert dict(numbers.by_gender) == dict(Counter(p["gender"] for p in came))
    assert sum(v for _, v in numbers.by_age) == numbers.came
    assert dict(numbers.by_community) == dict(Counter(p["community"] for p in came))
    assert report.age_band(2003, 2027) == "under_25" and report.age_band(1960, 2027) == "65_plus"
    assert report.age_band(None, 2027) == "unknown"


def test_problems_outside_competence_are_listed_with_the_experts_note(db, finished):
    flagged = report.outside_competence(db.cursor(), finished)
    assert len(flagged) == 10 and all(f["competence_note"] == demo.COMPETENCE_NOTE for f in flagged)
    assert all("პენსიები" in f["title"] for f in flagged)


def test_a_whole_table_of_answers_skips_empty_rows_and_reports_each_row(db, finished):
    recs = report.recommendations(db.cursor(), finished)
    report.record_answer(db, ORGANIZER, recs[0]["id"], {"status": "included", "amount": 5000})
    rows = [
        {"id": r["id"], "n": n, "status": None, "program_code": "", "amount": float("nan"), "reason": ""}
        for n, r in enumerate(recs, start=1)
    ]
    rows[0].update(status="included", amount=5000.0)  # as stored
    rows[1].update(status="partly", program_code="03 02", amount=1200.5)
    rows[2].update(status=None, reason="ჯერ განიხილება")  # a reason without an answer
    outcomes = report.record_answers(db, ORGANIZER, rows)
    assert set(outcomes) == {1, 2, 3}
    assert outcomes[1].reason == "unchanged" and outcomes[2].reason == "saved"
    assert not outcomes[3].ok and outcomes[3].errors[0].field == "status"
    answers = [r["answer"] for r in report.recommendations(db.cursor(), finished)]
    assert answers[1]["amount"] == Decimal("1200.50") and answers[2] is None
    assert db.cursor().execute("SELECT count(*) FROM recommendation_answer").fetchone()[0] == 2


def test_an_amount_reads_the_same_on_every_page_and_document():
    """The public page rounded 12 500.50 ₾ to "12 500" while the report to participants said
    "12 500.50" (seen on a tour): both, and the briefing, use ``report.money``."""
    assert report.money(Decimal("12500.50"), "en") == "12\u00a0500.50"  # a space that never breaks
    assert report.money(Decimal("12500.50"), "ka") == "12\u00a0500,50"  # a Georgian decimal comma
    assert report.money(Decimal("40000.00"), "ka") == "40\u00a0000"
    assert report.money(1400000.0, "en") == "1\u00a0400\u00a0000"
    assert report.money(None, "ka") == ""


def test_an_answer_that_funds_without_an_amount_is_saved_with_a_warning(db, finished):
    rec = report.recommendations(db.cursor(), finished)[0]
    outcome = report.record_answer(db, ORGANIZER, rec["id"], {"status": "partly", "program_code": "02 01"})
    assert outcome.reason == "saved" and [w.code for w in outcome.warnings] == ["funded_without_amount"]
    assert report.record_answer(db, ORGANIZER, rec["id"], {"status": "partly", "amount": "900"}).warnings == ()
    assert report.record_answer(db, ORGANIZER, rec["id"], {"status": "not_included"}).warnings == ()
