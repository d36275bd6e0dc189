"""Group work: the ranking (pure), and the services around it on a real database."""

import threading

import pytest

from forum_core import checkin
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor
from tests.conftest import ORGANIZER

FACILITATOR = Actor("facilitator", "tablet room 201", group_id=1)  # the demo forum's first group
EXPERT = Actor("expert", "phone", group_id=1)


def test_smart_hints():
    assert dl.smart_hints("ბავშვთა ბაღის აშენება") == ["goal_no_number", "goal_no_time"]
    assert dl.smart_hints("200 ბავშვისთვის ბაღი 2028 წლის ბოლომდე") == []
    assert dl.smart_hints("Repair 12 km of road by December 2028") == []
    assert dl.smart_hints("") == []


# --- services on a database ------------------------------------------------------------------


@pytest.fixture
def room(db, demo_forum):
    forum = forum_mod.get_forum(db.cursor(), demo_forum)
    group = forum_mod.groups(db.cursor(), demo_forum)[0]
    members = dl.members(db.cursor(), demo_forum, group["id"])
    for m in members[:10]:
        assert dl.mark_present(db, FACILITATOR, demo_forum, group["id"], m["id"]).ok
    return forum, group


def add(db, group, *titles):
    return [dl.add_problem(db, FACILITATOR, group["id"], t).value for t in titles]


def test_a_whole_vote_with_tie_finalise_and_reopen(db, room):
    forum, group = room
    assert dl.present_count(db.cursor(), forum["id"], group["id"]) == 10
    ids = add(db, group, "გზები", "წყალი", "განათება", "ნაგავი", "ბაღი", "სპორტი")
    for pid, n in zip(ids, (8, 7, 6, 5, 2, 2)):
        assert dl.set_pebbles(db, FACILITATOR, pid, n).ok
    r = dl.ranking(db.cursor(), forum, group["id"])
    assert r.capacity == 30 and r.total == 30 and r.tie == sorted(ids[4:])
    assert dl.finalise(db, FACILITATOR, forum, group["id"]).reason == "tie_unresolved"
    round_ = dl.start_revote(db, FACILITATOR, group["id"], r.tie).value
    dl.set_pebbles(db, FACILITATOR, ids[4], 3, round_)
    dl.set_pebbles(db, FACILITATOR, ids[5], 7, round_)
    done = dl.finalise(db, FACILITATOR, forum, group["id"])
    assert done.ok and [x.problem_id for x in done.value] == ids[:4] + [ids[5]]
    assert [p["title"] for p in dl.priorities(db.cursor(), group["id"])][-1] == "სპორტი"
    assert dl.set_pebbles(db, FACILITATOR, ids[0], 1).reason == "locked"
    assert dl.add_problem(db, FACILITATOR, group["id"], "ახალი").reason == "locked"
    assert dl.reopen(db, FACILITATOR, group["id"], "შეცდომა").reason == "not_allowed"
    assert dl.reopen(db, ORGANIZER, group["id"], "").reason == "invalid"
    assert dl.reopen(db, ORGANIZER, group["id"], "დათვლის შეცდომა").ok
    assert dl.priorities(db.cursor(), group["id"]) == []
    assert dl.set_pebbles(db, FACILITATOR, ids[0], 1).ok
    kinds = [e["kind"] for e in dl.events(db.cursor(), group["id"])]
    assert kinds == ["revote", "finalise", "reopen"]


def test_plus_minus_from_two_devices_at_once_lose_nothing(db, room):
    forum, group = room
    (pid,) = add(db, group, "გზები")

    def press(actor):
        for _ in range(20):
            assert dl.add_pebbles(db, actor, pid, +1).ok

    threads = [threading.Thread(target=press, args=(a,)) for a in (FACILITATOR, EXPERT)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert dl.counts(db.cursor(), group["id"])[(pid, 0)] == 40
    assert dl.add_pebbles(db, FACILITATOR, pid, -50).value == 0


def test_bad_counts_are_refused(db, room):
    forum, group = room
    (pid,) = add(db, group, "გზები")
    for bad, code in (
        ("-1", "out_of_range"),
        ("abc", "not_a_number"),
        (10**9, "out_of_range"),
        ("2.5", "not_a_number"),
    ):
        outcome = dl.set_pebbles(db, FACILITATOR, pid, bad)
        assert not outcome.ok and outcome.errors[0].code == code
    assert dl.counts(db.cursor(), group["id"]) == {}


def test_counts_at_a_past_moment_can_be_replayed(db, room):
    import time as _t

    forum, group = room
    (pid,) = add(db, group, "გზები")
    dl.set_pebbles(db, FACILITATOR, pid, 4)
    _t.sleep(0.01)
    moment = db.cursor().execute("SELECT max(happened_at) FROM pebble_count").fetchone()[0]
    _t.sleep(0.01)
    dl.set_pebbles(db, FACILITATOR, pid, 9)
    assert dl.counts(db.cursor(), group["id"], at=moment)[(pid, 0)] == 4
    assert dl.counts(db.cursor(), group["id"])[(pid, 0)] == 9


def test_merge_keeps_both_texts_and_all_pebbles(db, room):
    forum, group = room
    a, b = add(db, group, "გზები ცუდია", "ორმოები გზაზე")
    dl.set_pebbles(db, FACILITATOR, a, 3)
    dl.set_pebbles(db, FACILITATOR, b, 4)
    assert dl.merge_problems(db, FACILITATOR, a, b).ok
    listed = dl.problems(db.cursor(), group["id"])
    assert [p["id"] for p in listed] == [a] and "ორმოები გზაზე" in listed[0]["detail"]
    r = dl.ranking(db.cursor(), forum, group["id"])
    assert [(x.problem_id, x.pebbles) for x in r.top] == [(a, 7)]


def test_stale_edit_is_refused_and_markup_is_kept_as_text(db, room):
    forum, group = room
    (pid,) = add(db, group, "<script>alert(1)</script>")
    assert dl.problems(db.cursor(), group["id"])[0]["title"] == "<script>alert(1)</script>"
    assert dl.edit_problem(db, EXPERT, pid, "გზები", "", ("<script>alert(1)</script>", "")).ok
    late = dl.edit_problem(db, FACILITATOR, pid, "**bold** [link](http://x)", "", ("<script>alert(1)</script>", ""))
    assert late.reason == "stale" and late.value["title"] == "გზები"
    assert dl.edit_problem(db, FACILITATOR, pid, "**bold** [link](http://x)", "", ("გზები", "")).ok
    assert dl.problems(db.cursor(), group["id"])[0]["title"] == "**bold** [link](http://x)"


def test_expert_flags_competence(db, room):
    forum, group = room
    (pid,) = add(db, group, "საპენსიო ასაკი")
    assert dl.flag_competence(db, EXPERT, pid, True, "ცენტრალური ხელისუფლება").reason == "flagged"
    row = dl.problems(db.cursor(), group["id"])[0]
    assert row["outside_competence"] and row["competence_note"] == "ცენტრალური ხელისუფლება"


def test_assessment_lists_add_edit_reorder_delete(db, room):
    forum, group = room
    a = dl.add_item(db, FACILITATOR, group["id"], "strength", "აქტიური ახალგაზრდობა").value
    b = dl.add_item(db, FACILITATOR, group["id"], "strength", "ტურისტული ადგილები").value
    dl.add_item(db, FACILITATOR, group["id"], "weakness", "ცუდი გზები")
    assert dl.move_item(db, FACILITATOR, b, -1).ok
    assert [i["id"] for i in dl.assessment(db.cursor(), group["id"])["strength"]] == [b, a]
    assert dl.edit_item(db, FACILITATOR, a, "აქტიური ახალგაზრდები", "wrong").reason == "stale"
    assert dl.edit_item(db, FACILITATOR, a, "აქტიური ახალგაზრდები", "აქტიური ახალგაზრდობა").ok
    assert dl.delete_item(db, FACILITATOR, b).ok
    items = dl.assessment(db.cursor(), group["id"])
    assert [i["text"] for i in items["strength"]] == ["აქტიური ახალგაზრდები"] and len(items["weakness"]) == 1
    assert dl.add_item(db, FACILITATOR, group["id"], "strength", "x" * 600).errors[0].code == "too_long"


def test_initiative_fields_save_one_by_one_with_stale_check(db, room):
    forum, group = room
    (pid,) = add(db, group, "გზები")
    save = lambda name, value, expected: dl.save_initiative_field(
        db, FACILITATOR, group["id"], pid, name, value, expected
    )
    assert save("title", "გზების შეკეთება", "").ok
    assert save("goal", "12 კმ გზა 2028 წლის ბოლომდე", "").ok
    assert save("beneficiaries_count", "1200", None).value == 1200
    assert save("beneficiaries_count", "-3", 1200).errors[0].code == "out_of_range"
    assert save("kind", "party", "").errors[0].code == "bad_choice"
    assert save("kind", "program", "").ok
    assert save("title", "სხვა", "ძველი").reason == "stale"
    program = forum_mod.budget_programs(db.cursor(), forum["id"])[0]["id"]
    assert save("program_id", program, None).ok
    assert save("program_id", 99999, program).errors[0].code == "bad_choice"
    row = dl.initiative(db.cursor(), group["id"], pid)
    assert not dl.is_complete(row)
    assert save("resources_needed", "ასფალტი, ტექნიკა", "").ok
    assert dl.is_complete(dl.initiative(db.cursor(), group["id"], pid))


def test_a_whole_initiative_fills_empty_fields_in_one_unit(db, room):
    forum, group = room
    first, second = add(db, group, "გზები", "წყალი")
    entries = lambda: (
        db.cursor().execute("SELECT count(*) FROM audit_log WHERE action = 'initiative.save'").fetchone()[0]
    )
    before = entries()
    whole = {"kind": "program", "title": "გზების შეკეთება", "goal": "12 კმ", "beneficiaries_count": "1200"}
    assert dl.save_initiative(db, FACILITATOR, group["id"], first, whole).ok
    row = dl.initiative(db.cursor(), group["id"], first)
    assert (row["kind"], row["title"], row["goal"], row["beneficiaries_count"]) == (
        "program",
        "გზების შეკეთება",
        "12 კმ",
        1200,
    )
    assert entries() == before + 1  # one audit entry for the whole
    # a field that holds a value already: nothing of the whole is saved
    refused = dl.save_initiative(db, FACILITATOR, group["id"], first, {"partners": "სკოლა", "goal": "სხვა"})
    assert refused.reason == "stale"
    row = dl.initiative(db.cursor(), group["id"], first)
    assert row["goal"] == "12 კმ" and row["partners"] == "" and entries() == before + 1
    # one invalid field: every error named, nothing saved, not even a row
    bad = dl.save_initiative(
        db, FACILITATOR, group["id"], second, {"title": "წყალი", "kind": "party", "cost_gel": "-1"}
    )
    assert bad.reason == "invalid" and {e.field for e in bad.errors} == {"kind", "cost_gel"}
    assert dl.initiative(db.cursor(), group["id"], second)["id"] is None
    assert dl.save_initiative(db, FACILITATOR, group["id"], second, {"colour": "red"}).reason == "not_found"


def test_presenter_must_be_present_and_overview(db, room):
    forum, group = room
    here = [m for m in dl.members(db.cursor(), forum["id"], group["id"]) if m["present"]]
    away = [m for m in dl.members(db.cursor(), forum["id"], group["id"]) if not m["present"]]
    assert dl.set_presenter(db, FACILITATOR, forum["id"], group["id"], away[0]["id"]).reason == "not_present"
    assert dl.set_presenter(db, FACILITATOR, forum["id"], group["id"], here[0]["id"]).ok
    assert dl.presenter(db.cursor(), group["id"])["id"] == here[0]["id"]
    status = {g["group_id"]: g for g in dl.overview_now(db, forum)}
    assert status[group["id"]]["step"] == "assessment" and status[group["id"]]["presenter"]


def test_take_in_a_person_from_another_group(db, room):
    forum, group = room
    other = forum_mod.groups(db.cursor(), forum["id"])[1]
    stranger = dl.members(db.cursor(), forum["id"], other["id"])[0]
    assert dl.take_in(db, FACILITATOR, forum["id"], group["id"], stranger["id"]).ok
    assert people.get(db.cursor(), stranger["id"])["group_id"] == group["id"]
    assert checkin.current_check_in(db.cursor(), stranger["id"])["method"] == "facilitator"
    assert dl.mark_absent(db, FACILITATOR, forum["id"], group["id"], stranger["id"]).ok
    assert checkin.current_check_in(db.cursor(), stranger["id"]) is None


def test_cached_progress_and_ranking_follow_every_write(db, demo_forum):
    from tests.conftest import ORGANIZER

    forum = forum_mod.get_forum(db.cursor(), demo_forum)
    group = forum_mod.groups(db.cursor(), demo_forum)[0]
    assert dl.progress_now(db, forum, group)["step"] == "assessment"
    assert dl.add_item(db, ORGANIZER, group["id"], "strength", "ხალხი").ok
    assert dl.progress_now(db, forum, group)["step"] == "problems"
    a = dl.add_problem(db, ORGANIZER, group["id"], "გზები").value
    assert dl.ranking_now(db, forum, group["id"]).total == 0
    assert dl.ranking_now(db, forum, group["id"]) is dl.ranking_now(db, forum, group["id"])  # reused
    dl.set_pebbles(db, ORGANIZER, a, 4)
    cached = dl.ranking_now(db, forum, group["id"])
    assert cached.total == 4 and cached == dl.ranking(db.cursor(), forum, group["id"])
    assert dl.finalise(db, ORGANIZER, forum, group["id"]).ok
    assert dl.progress_now(db, forum, group)["finalised"]


# --- save_text: every text field of the group pages through one entry point -------------------


def test_save_text_item_and_problem_fields(db, room):
    forum, group = room
    item = dl.add_item(db, FACILITATOR, group["id"], "strength", "აქტიური ახალგაზრდობა").value
    (pid,) = add(db, group, "გზები")
    save = lambda field, value, expected: dl.save_text(db, FACILITATOR, field, value, expected)
    outcome = save(f"item:{item}", "  აქტიური ახალგაზრდები ", "აქტიური ახალგაზრდობა")
    assert outcome.ok and outcome.reason == "saved" and outcome.value == "აქტიური ახალგაზრდები"
    assert dl.assessment(db.cursor(), group["id"])["strength"][0]["text"] == "აქტიური ახალგაზრდები"
    assert save(f"item:{item}", "", "აქტიური ახალგაზრდები").errors[0].code == "required"
    assert save(f"problem:{pid}:title", "ცუდი გზები", "გზები").reason == "saved"
    assert save(f"problem:{pid}:detail", "ორმოები\nცენტრში", "").reason == "saved"
    row = dl.problems(db.cursor(), group["id"])[0]
    assert (row["title"], row["detail"]) == ("ცუდი გზები", "ორმოები\nცენტრში")
    # the title saved from a stale view of the detail still goes in: each part has its own rule
    assert save(f"problem:{pid}:title", "ცუდი გზები სოფლებში", "ცუდი გზები").ok
    assert dl.problems(db.cursor(), group["id"])[0]["detail"] == "ორმოები\nცენტრში"


def test_save_text_competence_note_and_initiative_fields(db, room):
    forum, group = room
    (pid,) = add(db, group, "საპენსიო ასაკი")
    assert dl.flag_competence(db, EXPERT, pid, True, "").ok
    note = dl.save_text(db, EXPERT, f"competence_note:{pid}", "ცენტრალური ხელისუფლება", "")
    assert note.ok and dl.problems(db.cursor(), group["id"])[0]["competence_note"] == "ცენტრალური ხელისუფლება"
    assert dl.problems(db.cursor(), group["id"])[0]["outside_competence"]  # the flag stays as stored
    field = f"initiative:{group['id']}:{pid}:goal"
    assert dl.save_text(db, FACILITATOR, field, "12 კმ გზა 2028 წლის ბოლომდე", None).reason == "saved"
    assert dl.initiative(db.cursor(), group["id"], pid)["goal"] == "12 კმ გზა 2028 წლის ბოლომდე"
    assert dl.save_text(db, FACILITATOR, field, "x" * 2001, "12 კმ გზა 2028 წლის ბოლომდე").errors[0].code == "too_long"
    assert dl.save_text(db, FACILITATOR, f"initiative:{group['id']}:{pid}:title", "გზები", "").ok


def test_save_text_stale_returns_the_stored_text_and_same_text_is_unchanged(db, room):
    forum, group = room
    (pid,) = add(db, group, "გზები")
    item = dl.add_item(db, FACILITATOR, group["id"], "weakness", "ცუდი გზები").value
    field = f"initiative:{group['id']}:{pid}:goal"
    assert dl.save_text(db, EXPERT, field, "ექსპერტის ტექსტი", "").ok  # another device first
    late = dl.save_text(db, FACILITATOR, field, "ფასილიტატორის ტექსტი", "")
    assert late.reason == "stale" and late.value == "ექსპერტის ტექსტი"
    assert dl.initiative(db.cursor(), group["id"], pid)["goal"] == "ექსპერტის ტექსტი"  # nothing overwritten
    # "keep mine": sent again with the other device's text as the one started from
    assert dl.save_text(db, FACILITATOR, field, "ფასილიტატორის ტექსტი", late.value).reason == "saved"
    again = dl.save_text(db, FACILITATOR, field, "ფასილიტატორის ტექსტი", "ფასილიტატორის ტექსტი")
    assert again.ok and again.reason == "unchanged"
    # the same words saved meanwhile by another device (or a save whose answer was lost): no conflict
    same = dl.save_text(db, EXPERT, field, "ფასილიტატორის ტექსტი ", "ექსპერტის ტექსტი")
    assert same.ok and same.reason == "unchanged" and same.value == "ფასილიტატორის ტექსტი"
    assert dl.save_text(db, EXPERT, f"item:{item}", "გზები", "სხვა").value == "ცუდი გზები"
    assert dl.save_text(db, EXPERT, f"problem:{pid}:title", "წყალი", "სხვა").value == "გზები"
    assert dl.save_text(db, EXPERT, f"competence_note:{pid}", "შენიშვნა", "სხვა").reason == "stale"


def test_save_text_outside_group_and_bad_field_ids(db, room):
    forum, group = room
    (pid,) = add(db, group, "გზები")
    item = dl.add_item(db, FACILITATOR, group["id"], "strength", "ხალხი").value
    stranger = Actor("facilitator", "tablet room 202", group_id=2)
    for field, expected in (
        (f"item:{item}", "ხალხი"),
        (f"problem:{pid}:title", "გზები"),
        (f"problem:{pid}:detail", ""),
        (f"competence_note:{pid}", ""),
        (f"initiative:{group['id']}:{pid}:goal", ""),
    ):
        outcome = dl.save_text(db, stranger, field, "სხვა ჯგუფიდან", expected)
        assert outcome.reason == "outside_group" and outcome.value is None, field
    assert dl.problems(db.cursor(), group["id"])[0]["title"] == "გზები"
    for bad in (
        "",
        "item",
        "item:x",
        "item:1:2",
        f"problem:{pid}:owner",
        f"initiative:{group['id']}:{pid}:kind",
        f"initiative:{group['id']}:{pid}:cost_gel",
        f"initiative:{group['id']}:{pid}:title; DROP",
        "problem:99999:title",
        "item:99999",
        None,
    ):
        assert dl.save_text(db, FACILITATOR, bad, "x", "").reason == "not_found", bad
    assert dl.save_text(db, FACILITATOR, f"item:{item}", 5, "ხალხი").reason == "not_found"


def test_save_text_after_a_merge_refuses_the_pre_merge_text(db, room):
    """Issue 14: an edit begun before a merge must not write the pre-merge text over the merged problem."""
    forum, group = room
    keep, gone = add(db, group, "გზები ცუდია", "ორმოები გზაზე")
    before = dl.problems(db.cursor(), group["id"])[0]["detail"]
    assert dl.merge_problems(db, FACILITATOR, keep, gone).ok
    merged = dl.problems(db.cursor(), group["id"])[0]["detail"]
    late = dl.save_text(db, EXPERT, f"problem:{keep}:detail", "ძველი ტექსტი", before)
    assert late.reason == "stale" and late.value == merged
    assert dl.problems(db.cursor(), group["id"])[0]["detail"] == merged
    # the problem that disappeared takes no more edits
    assert dl.save_text(db, EXPERT, f"problem:{gone}:title", "x", "ორმოები გზაზე").reason == "not_found"


def test_problem_wording_is_locked_once_finalised(db, room):
    forum, group = room
    (pid,) = add(db, group, "გზები")
    dl.set_pebbles(db, FACILITATOR, pid, 5)
    assert dl.finalise(db, FACILITATOR, forum, group["id"]).ok
    assert dl.save_text(db, FACILITATOR, f"problem:{pid}:title", "სხვა", "გზები").reason == "locked"
    # the initiatives are written after the vote
    assert dl.save_text(db, FACILITATOR, f"initiative:{group['id']}:{pid}:goal", "მიზანი", "").ok


def test_a_save_whose_answer_was_lost_is_not_taken_for_another_devices_change(db, room):
    """The Wi-Fi dropped on the way back: the laptop stored "draft 2" but the tablet never heard.
    Its next save says so (unconfirmed) and goes through; without it, it is a conflict."""
    forum, group = room
    pid = dl.add_problem(db, FACILITATOR, group["id"], "გზები").value
    field = dl.field_id("initiative", group["id"], pid, "goal")
    assert dl.save_text(db, FACILITATOR, field, "draft 1", None).ok
    assert dl.save_text(db, FACILITATOR, field, "draft 2", "draft 1").ok  # the answer is lost
    assert dl.save_text(db, FACILITATOR, field, "draft 3", "draft 1").reason == "stale"
    done = dl.save_text(db, FACILITATOR, field, "draft 3", "draft 1", unconfirmed="draft 2")
    assert done.ok and dl.initiative(db.cursor(), group["id"], pid)["goal"] == "draft 3"
    other = dl.save_text(db, EXPERT, field, "theirs", "draft 3")  # another device's change is still a conflict
    assert other.ok
    mine = dl.save_text(db, FACILITATOR, field, "mine", "draft 3", unconfirmed="draft 2")
    assert mine.reason == "stale" and mine.value == "theirs"


def test_any_of_the_texts_sent_without_an_answer_may_be_the_one_stored(db, room):
    """During a cut a tablet sends what is typed again and again; the one that reached the laptop
    may be the first (sent as the Wi-Fi went). Every unanswered text is sent along (autosave.js)."""
    forum, group = room
    pid = dl.add_problem(db, FACILITATOR, group["id"], "გზები").value
    field = dl.field_id("initiative", group["id"], pid, "goal")
    assert dl.save_text(db, FACILITATOR, field, "draft 1", "").ok  # reached, its answer lost
    assert dl.save_text(db, FACILITATOR, field, "draft 1 and 2", "", unconfirmed="draft 1 and").reason == "stale"
    sent = ["draft 1", "draft 1 and"]
    done = dl.save_text(db, FACILITATOR, field, "draft 1 and 2", "", unconfirmed=sent)
    assert done.ok and dl.initiative(db.cursor(), group["id"], pid)["goal"] == "draft 1 and 2"
    assert dl.save_text(db, EXPERT, field, "theirs", "draft 1 and 2").ok
    assert dl.save_text(db, FACILITATOR, field, "mine", "draft 1 and 2", unconfirmed=sent).reason == "stale"
