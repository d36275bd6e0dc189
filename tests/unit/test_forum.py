from datetime import date, time
from decimal import Decimal

import pytest

from forum_core import audit
from forum_core import forum as forum_mod
from forum_core import programs as program_import
from tests.conftest import ORGANIZER, SETTINGS

G = forum_mod.GroupDraft


def codes(outcome):
    return {(e.field, e.code) for e in outcome.errors}


def test_create_forum_with_default_agenda(db, forum_id):
    cur = db.cursor()
    forum = forum_mod.get_forum(cur, forum_id)
    assert forum["title"] == SETTINGS["title"] and forum["duration_min"] == 240
    assert [(p.minutes) for p in forum_mod.phases(cur, forum_id)] == [30, 180, 70]
    assert [g["number"] for g in forum_mod.groups(cur, forum_id)] == [1, 2, 3]
    assert forum_mod.current_forum_id(cur) == forum_id
    assert len(forum["token_secret"]) == 64


def test_shared_groups_follow_a_person_moved_and_not_a_check_in(db, demo_forum):
    from forum_core import checkin
    from forum_core import participants as people

    first = forum_mod.groups_shared(db, demo_forum)
    assert first == forum_mod.groups(db.cursor(), demo_forum)
    cur = db.cursor()
    person = cur.execute(
        "SELECT id, group_id, version FROM participant WHERE forum_id = ? AND removed_at IS NULL LIMIT 1", [demo_forum]
    ).fetchone()
    checkin.check_in_participant(db, ORGANIZER, demo_forum, person[0], "desk 1")
    assert forum_mod.groups_shared(db, demo_forum) is first  # a check-in: the same list, no query
    other = next(g for g in first if g["id"] != person[1])
    assert people.move(db, ORGANIZER, person[0], other["id"], person[2]).ok
    sizes = {g["id"]: g["size"] for g in forum_mod.groups_shared(db, demo_forum)}
    assert sizes[other["id"]] == other["size"] + 1
    assert sizes == {g["id"]: g["size"] for g in forum_mod.groups(db.cursor(), demo_forum)}


def test_settings_are_validated_and_nothing_written(db):
    bad = dict(
        SETTINGS,
        title="  ",
        pebbles_per_participant=0,
        priorities_per_group="five",
        forum_date="30.05.2027",
        duration_min=10_000,
    )
    outcome = forum_mod.create_forum(db, ORGANIZER, bad)
    assert not outcome.ok
    assert {
        ("title", "required"),
        ("pebbles_per_participant", "out_of_range"),
        ("priorities_per_group", "not_a_number"),
        ("forum_date", "bad_date"),
        ("duration_min", "out_of_range"),
    } <= codes(outcome)
    assert db.cursor().execute("SELECT count(*) FROM forum").fetchone() == (0,)


def test_group_validation_messages():
    drafts = [
        G(1, "ჯგუფი", "სფერო", "12"),
        G(1, "", "სფერო", "12"),
        G(100, "სხვა", "", "13", target_min=12, target_max=10),
    ]
    cleaned, errors, warnings = forum_mod.validate_groups(drafts)
    got = {(e.field, e.code) for e in errors}
    assert ("group.2.number", "duplicate_number") in got
    assert ("group.2.name", "required") in got
    assert ("group.3.number", "out_of_range") in got
    assert ("group.3.field", "required") in got
    assert ("group.3.target_max", "max_below_min") in got
    assert [(w.code, w.params["room"]) for w in warnings] == [("room_clash", "12")]


def test_room_clash_is_a_warning_not_an_error(db, forum_id):
    rows = forum_mod.groups(db.cursor(), forum_id)
    drafts = [G(id=r["id"], number=r["number"], name=r["name"], field=r["field"], room="101") for r in rows]
    outcome = forum_mod.save_groups(db, ORGANIZER, forum_id, drafts)
    assert outcome.ok and [w.code for w in outcome.warnings] == ["room_clash"]


def test_save_groups_renames_adds_and_deletes(db, forum_id):
    rows = forum_mod.groups(db.cursor(), forum_id)
    drafts = [
        G(id=rows[0]["id"], number=1, name="სოციალური დაცვა", field="სოციალური დაცვა", room="201"),
        G(id=rows[1]["id"], number=2, name=rows[1]["name"], field=rows[1]["field"], room="102"),
        G(number=4, name="განათლება", field="განათლება", room="104"),
    ]
    outcome = forum_mod.save_groups(db, ORGANIZER, forum_id, drafts)
    assert outcome.ok
    after = forum_mod.groups(db.cursor(), forum_id)
    assert [(g["number"], g["name"], g["room"]) for g in after] == [
        (1, "სოციალური დაცვა", "201"),
        (2, "ინფრასტრუქტურა", "102"),
        (4, "განათლება", "104"),
    ]
    actions = db.cursor().execute("SELECT action FROM audit_log WHERE entity = 'group' ORDER BY id").fetchall()
    assert ("group.delete",) in actions
    # saved again as stored: nothing changed, said so, and no entry ("Groups saved." was said of nothing)
    entries = db.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    again = [G(**{k: g[k] for k in G.__dataclass_fields__}) for g in after]
    assert forum_mod.save_groups(db, ORGANIZER, forum_id, again).reason == "unchanged"
    assert db.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0] == entries


def test_a_group_with_members_cannot_be_deleted(db, forum_id):
    from forum_core import participants as people

    rows = forum_mod.groups(db.cursor(), forum_id)
    assert people.add(
        db,
        ORGANIZER,
        forum_id,
        {"first_name": "ნინო", "last_name": "ბერიძე", "phone": "599123456", "group": rows[2]["id"]},
    ).ok
    drafts = [G(id=r["id"], number=r["number"], name=r["name"], field=r["field"]) for r in rows[:2]]
    outcome = forum_mod.save_groups(db, ORGANIZER, forum_id, drafts)
    assert not outcome.ok and outcome.errors[0].code == "group_not_empty"
    assert len(forum_mod.groups(db.cursor(), forum_id)) == 3
    # a save that deletes an empty group before the refusal: refused whole, the empty group stays
    # (its deletion was kept while the page said "not saved")
    entries = db.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    outcome = forum_mod.save_groups(db, ORGANIZER, forum_id, drafts[:1])
    assert not outcome.ok and outcome.errors[0].code == "group_not_empty"
    assert [g["id"] for g in forum_mod.groups(db.cursor(), forum_id)] == [r["id"] for r in rows]
    assert db.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0] == entries


def test_update_settings_and_agenda_with_duration_warning(db, forum_id):
    new = dict(SETTINGS, title="ფორუმი 2028", start_time="10:30", forum_date="2028-05-30")
    phases = [
        {"name": "გახსნა", "minutes": 30},
        {"name": "ჯგუფები", "minutes": 180},
        {"name": "პრეზენტაციები", "minutes": 70},
    ]
    outcome = forum_mod.update_settings(db, ORGANIZER, forum_id, new, phases)
    assert outcome.ok
    assert [w.code for w in outcome.warnings] == ["phases_vs_duration"]
    forum = forum_mod.get_forum(db.cursor(), forum_id)
    assert forum["title"] == "ფორუმი 2028" and forum["start_time"] == time(10, 30)
    assert forum["forum_date"] == date(2028, 5, 30)
    audit = (
        db.cursor()
        .execute("SELECT before, after FROM audit_log WHERE entity = 'forum' AND action = 'forum.update'")
        .fetchone()
    )
    assert "სატესტო ფორუმი" in audit[0] and "ფორუმი 2028" in audit[1]


def test_bad_agenda_is_refused(db, forum_id):
    outcome = forum_mod.update_settings(
        db, ORGANIZER, forum_id, SETTINGS, [{"name": "", "minutes": 30}, {"name": "x", "minutes": -5}]
    )
    assert {("phase.1.name", "required"), ("phase.2.minutes", "out_of_range")} <= codes(outcome)


def test_several_forums_and_the_current_one(db, forum_id):
    other = forum_mod.create_forum(db, ORGANIZER, dict(SETTINGS, title="სხვა"), make_current=False)
    assert forum_mod.current_forum_id(db.cursor()) == forum_id
    forum_mod.set_current_forum(db, ORGANIZER, other.value)
    assert forum_mod.current_forum_id(db.cursor()) == other.value
    assert len(forum_mod.list_forums(db.cursor())) == 2


def test_budget_programs_typed_and_imported(db, forum_id):
    rows = [
        {
            "field": "ინფრასტრუქტურა",
            "program_code": "02 01",
            "name": "გზები",
            "amount": "2400000",
            "year": 2027,
            "description": "სოფლის გზები",
        }
    ]
    assert forum_mod.save_programs(db, ORGANIZER, forum_id, rows).ok
    bad = forum_mod.save_programs(
        db, ORGANIZER, forum_id, [{"field": "", "program_code": "x", "name": "y", "amount": -5}]
    )
    assert {(e.field, e.code) for e in bad.errors} == {
        ("program.1.field", "required"),
        ("program.1.amount", "out_of_range"),
    }
    csv = (
        "სფერო,კოდი,დასახელება,თანხა,წელი,აღწერა\n"
        "ინფრასტრუქტურა,02 01,გზების მოვლა,2500000,2027,ახალი\n"
        "ახალგაზრდობა,05 03,გრანტები,120000,2027,\n"
    ).encode()
    outcome = program_import.import_programs(db, ORGANIZER, forum_id, csv, "p.csv")
    assert outcome.ok and outcome.value == 2
    programs = forum_mod.budget_programs(db.cursor(), forum_id)
    assert [(p["program_code"], p["name"], int(p["amount"])) for p in programs] == [
        ("05 03", "გრანტები", 120000),
        ("02 01", "გზების მოვლა", 2500000),
    ]
    assert len(forum_mod.budget_programs(db.cursor(), forum_id, field="ინფრასტრუქტურა")) == 1
    missing = program_import.import_programs(db, ORGANIZER, forum_id, b"a,b\n1,2\n", "p.csv")
    assert missing.errors[0].code == "missing_program_columns"


@pytest.mark.parametrize(
    "written, stored",
    [
        ("1 250 000,50 ₾", Decimal("1250000.50")),  # as a Georgian office suite shows a lari cell
        ("1,250,000.50", Decimal("1250000.50")),
        (1250000.5, Decimal("1250000.50")),  # a spreadsheet's number cell, with tetri
        ("2400000", Decimal("2400000.00")),
        (None, None),
    ],
)
def test_a_programs_amount_is_read_as_people_write_it(db, forum_id, written, stored):
    """A program's amount was a whole number: "1 250 000,50 ₾" (a Georgian office suite's lari
    cell, saved as shown) and a number cell with tetri were refused as "not a number"."""
    row = {"field": "ინფრასტრუქტურა", "program_code": "02 01", "name": "გზები", "amount": written}
    assert forum_mod.save_programs(db, ORGANIZER, forum_id, [row]).ok
    assert forum_mod.budget_programs(db.cursor(), forum_id)[0]["amount"] == stored


def test_a_programs_amount_that_is_not_one_is_refused_and_changes_nothing(db, forum_id):
    row = {"field": "ინფრასტრუქტურა", "program_code": "02 01", "name": "გზები", "amount": "2400000"}
    assert forum_mod.save_programs(db, ORGANIZER, forum_id, [row]).ok
    for written in ("ორი მილიონი", "12,5555", "1.250.000,505"):
        refused = forum_mod.save_programs(db, ORGANIZER, forum_id, [{**row, "amount": written}])
        assert [(e.field, e.code) for e in refused.errors] == [("program.1.amount", "not_an_amount")], written
    assert forum_mod.budget_programs(db.cursor(), forum_id)[0]["amount"] == Decimal("2400000")
    # a change is audited in lari, as every page says amounts
    assert forum_mod.save_programs(db, ORGANIZER, forum_id, [{**row, "amount": "2 400 000,50"}]).ok
    entry = audit.entries(db.cursor(), forum_id, kind="programs")[0]
    assert "program: 02 01 გზები; " in audit.sentence("en", entry)  # which program, whatever changed
    assert audit.sentence("en", entry).endswith("2\u00a0400\u00a0000\u00a0₾ → 2\u00a0400\u00a0000.50\u00a0₾"), (
        audit.sentence("en", entry)
    )


def _program(code, name, **more):
    return {"field": "ინფრასტრუქტურა", "program_code": code, "name": name, **more}


def test_a_code_names_one_program_and_a_new_row_never_replaces_another(db, forum_id):
    """A new row of the setup table with a stored program's code replaced that program, saying
    "saved" (a browser tour); two rows of a file with one code are refused too."""
    assert forum_mod.save_programs(db, ORGANIZER, forum_id, [_program("05 09", "ფესტივალი", amount=7000)]).ok
    stored = forum_mod.budget_programs(db.cursor(), forum_id)
    table = [{**_program("05 09", "ფესტივალი", amount=7000), "id": stored[0]["id"]}, _program("05 09", "ახალი")]
    refused = forum_mod.save_programs(db, ORGANIZER, forum_id, table, complete=True)
    assert [(e.field, e.code, e.params) for e in refused.errors] == [
        ("program.2.program_code", "duplicate_code", {"other": 1})
    ]
    assert forum_mod.budget_programs(db.cursor(), forum_id) == stored
    in_a_file = [_program("07 01", "ა"), _program("07 01", "ბ")]
    assert codes(forum_mod.save_programs(db, ORGANIZER, forum_id, in_a_file)) == {
        ("program.2.program_code", "duplicate_code")
    }
    # the same table again: nothing changed, nothing audited
    before = len(audit.entries(db.cursor(), forum_id, kind="programs"))
    same = [{**_program("05 09", "ფესტივალი", amount=7000), "id": stored[0]["id"]}]
    assert forum_mod.save_programs(db, ORGANIZER, forum_id, same, complete=True).reason == "unchanged"
    assert len(audit.entries(db.cursor(), forum_id, kind="programs")) == before


def test_a_row_deleted_from_the_table_removes_its_program_unless_an_initiative_names_it(db, forum_in_full_swing):
    """Deleting a row of the setup table said "saved" and kept the program."""
    stored = forum_mod.budget_programs(db.cursor(), forum_in_full_swing)
    named = {
        r[0] for r in db.cursor().execute("SELECT program_id FROM initiative WHERE program_id IS NOT NULL").fetchall()
    }
    free = next(p for p in stored if p["id"] not in named)
    table = [{**{c: p[c] for c in forum_mod.PROGRAM_COLUMNS}, "id": p["id"]} for p in stored]
    without = [r for r in table if r["id"] != free["id"]]
    assert forum_mod.save_programs(db, ORGANIZER, forum_in_full_swing, without, complete=True).reason == "saved"
    assert free["id"] not in {p["id"] for p in forum_mod.budget_programs(db.cursor(), forum_in_full_swing)}
    entry = audit.entries(db.cursor(), forum_in_full_swing, kind="programs")[0]
    assert entry["after"] is None and entry["before"]["program_code"] == free["program_code"]
    # a program an initiative names stays, and the refusal names it
    used = next(p for p in stored if p["id"] in named)
    refused = forum_mod.save_programs(
        db, ORGANIZER, forum_in_full_swing, [r for r in without if r["id"] != used["id"]], complete=True
    )
    assert [e.code for e in refused.errors] == ["program_in_use"]
    assert used["program_code"] in refused.errors[0].params["program"]
    assert used["id"] in {p["id"] for p in forum_mod.budget_programs(db.cursor(), forum_in_full_swing)}


def test_flagged_in_vote_setting(db, forum_id):
    assert not forum_mod.get_forum(db.cursor(), forum_id)["flagged_in_vote"]
    assert forum_mod.update_settings(
        db, ORGANIZER, forum_id, dict(SETTINGS, flagged_in_vote=True), [{"name": "x", "minutes": 240}]
    ).ok
    assert forum_mod.get_forum(db.cursor(), forum_id)["flagged_in_vote"]
