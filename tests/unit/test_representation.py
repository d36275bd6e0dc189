"""Representation: invited -> checked in -> present at their group's vote, by gender, age band,
community and needs, with shares against the invitation list, gaps in percentage points, the
population as a third column, and small groups never shown as exact counts in public."""

from __future__ import annotations

import pytest

from forum_core import checkin, representation
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Database
from tests.conftest import ORGANIZER, SETTINGS, build_database, copy_database

HOSTILE_VILLAGE = "<script>alert(1)</script>"
HOSTILE_NEED = '=HYPERLINK("http://x") ნინო ბერიძის ეტლი'


def rows_of(table, dimension):
    return {r["category"]: r for r in table if r["dimension"] == dimension}


@pytest.fixture(scope="module")
def day_built(tmp_path_factory):
    """The forum below, built once for the module: (file, facts)."""
    facts = {}

    def make(database):
        facts.update(record_day(database))
        return facts["forum_id"]

    path, _ = build_database(tmp_path_factory, "representation", make)
    return path, facts


@pytest.fixture
def db(day_built, tmp_path):
    database = Database(copy_database(day_built[0], tmp_path / "forum.duckdb"))
    yield database
    database.close()


@pytest.fixture
def day(day_built):
    return day_built[1]


def record_day(db):
    """Group 1: 10 women and 6 men (born 1990 / 1950) from სოფელი ა, two with needs; group 2: one
    person from a hostile-named village with a hostile need. 8 women and 2 men of group 1 came;
    one woman left before the vote, one man came after it; group 1 finalised, group 2 did not."""
    drafts = [forum_mod.GroupDraft(number=n, name=f"ჯგუფი {n}", field="ველი", room=str(n)) for n in (1, 2)]
    forum_id = forum_mod.create_forum(db, ORGANIZER, SETTINGS, None, drafts).value
    g1, g2 = forum_mod.groups(db.cursor(), forum_id)
    ids = {"f": [], "m": []}
    for n in range(16):
        gender = "f" if n < 10 else "m"
        outcome = people.add(
            db,
            ORGANIZER,
            forum_id,
            {
                "first_name": f"სახელი{n}",
                "last_name": "გვარი",
                "phone": f"599 10 00 {n:02d}",
                "group": g1["id"],
                "gender": gender,
                "birth_year": 1990 if n % 2 else 1950,
                "community": " სოფელი  ა ",  # spaces as typed: one community
                "needs": "ეტლი, სმენა" if n in (0, 1) else "",
            },
        )
        assert outcome.ok, outcome
        ids[gender].append(outcome.value)
    stranger = people.add(
        db,
        ORGANIZER,
        forum_id,
        {
            "first_name": "ნინო",
            "last_name": "ბერიძე",
            "phone": "599 20 00 01",
            "group": g2["id"],
            "gender": "f",
            "community": HOSTILE_VILLAGE,
            "needs": HOSTILE_NEED,
        },
    ).value
    for pid in ids["f"][:8] + ids["m"][:2]:
        assert checkin.check_in_participant(db, ORGANIZER, forum_id, pid, "desk 1").ok
    assert checkin.check_in_participant(db, ORGANIZER, forum_id, stranger, "desk 1").ok
    assert checkin.undo(db, ORGANIZER, forum_id, ids["f"][7], "desk 1").ok  # left before the vote
    forum = forum_mod.get_forum(db.cursor(), forum_id)
    problems = [dl.add_problem(db, ORGANIZER, g1["id"], f"პრობლემა {i}").value for i in range(5)]
    for pid, n in zip(problems, (5, 4, 3, 2, 1)):
        assert dl.set_pebbles(db, ORGANIZER, pid, n).ok
    assert dl.finalise(db, ORGANIZER, forum, g1["id"]).ok
    assert checkin.check_in_participant(db, ORGANIZER, forum_id, ids["m"][2], "desk 1").ok  # after the vote
    return {"forum_id": forum_id, "ids": ids, "stranger": stranger}


def test_counts_shares_and_gaps(db, day):
    table = representation.table(db, day["forum_id"], public=False)
    gender = rows_of(table, "gender")
    # invited 11 women (one of group 2) and 6 men; checked in 7 + 1 women, 3 men; at the vote 7 + 2
    assert (gender["f"]["invited"], gender["f"]["checked_in"], gender["f"]["at_vote"]) == (11, 8, 7)
    assert (gender["m"]["invited"], gender["m"]["checked_in"], gender["m"]["at_vote"]) == (6, 3, 2)
    assert gender["f"]["invited_share"] == round(100 * 11 / 17, 1)
    assert gender["f"]["at_vote_share"] == round(100 * 7 / 9, 1)
    assert gender["f"]["at_vote_gap_pp"] == round(round(100 * 7 / 9, 1) - round(100 * 11 / 17, 1), 1)
    assert gender["m"]["checked_in_gap_pp"] == round(round(100 * 3 / 11, 1) - round(100 * 6 / 17, 1), 1)
    assert gender["f"]["population_share"] is None and gender["f"]["population_gap_pp"] is None
    age = rows_of(table, "age")
    assert age["unknown"]["invited"] == 1 and age["65_plus"]["invited"] == 8 and age["35_49"]["invited"] == 8
    community = rows_of(table, "community")
    assert community["სოფელი ა"]["invited"] == 16  # spaces as typed make no second village
    needs = rows_of(table, "needs")
    assert needs["any"]["invited"] == 3 and needs["ეტლი"]["invited"] == 2 and needs["none"]["invited"] == 14
    assert needs["ეტლი"]["at_vote"] == 2  # people 0 and 1 were there


def test_a_walk_in_counts_as_checked_in_not_invited(db, day):
    g1 = forum_mod.groups(db.cursor(), day["forum_id"])[0]
    outcome = checkin.register_walk_in(
        db, ORGANIZER, day["forum_id"], {"first_name": "ა", "last_name": "ბ", "group": g1["id"], "gender": "x"}, "d"
    )
    assert outcome.ok
    gender = rows_of(representation.table(db, day["forum_id"], public=False), "gender")
    assert (gender["x"]["invited"], gender["x"]["checked_in"], gender["x"]["at_vote"]) == (0, 1, 0)


def test_public_hides_small_groups_and_rare_names(db, day):
    table = representation.table(db, day["forum_id"], public=True)
    gender = rows_of(table, "gender")
    assert gender["f"]["invited"] == 11 and gender["m"]["invited"] == 6
    # men at the vote: 2 -> fewer than 5, with its share and gap; women then too (else 9 - 7 = 2)
    assert gender["f"]["at_vote"] is None and gender["f"]["at_vote_share"] is None
    assert gender["m"]["at_vote"] is None and gender["m"]["at_vote_share"] is None
    assert gender["m"]["at_vote_gap_pp"] is None and gender["m"]["population_gap_pp"] is None
    assert gender["m"]["checked_in"] is None
    assert gender["f"]["checked_in"] is None  # the only other one: hidden with it
    for row in table:
        for stage in representation.STAGES:
            assert row[stage] is None or row[stage] >= 5, row
    text = repr(table)
    assert HOSTILE_VILLAGE not in text and "HYPERLINK" not in text and "ბერიძ" not in text
    assert "სმენა" not in text  # a need of two people is not named in public
    community = rows_of(table, "community")
    assert set(community) == {"სოფელი ა", "other"} and community["other"]["invited"] is None
    needs = rows_of(table, "needs")
    assert needs["none"]["invited"] is None and needs["any"]["invited"] is None  # 3 and 17 - 3


def test_the_organizer_sees_exact_names_as_data(db, day):
    table = representation.table(db, day["forum_id"], public=False)
    assert rows_of(table, "community")[HOSTILE_VILLAGE]["invited"] == 1
    assert rows_of(table, "needs")[HOSTILE_NEED.casefold()]["invited"] == 1


def test_population_is_a_third_column(db, day):
    forum_id = day["forum_id"]
    bad = representation.save_population(db, ORGANIZER, forum_id, {"gender": {"f": "many", "q": 3}})
    assert not bad.ok and bad.reason == "invalid" and len(bad.errors) == 2
    assert representation.population(db.cursor(), forum_id) == {}  # nothing written
    assert representation.save_population(db, ORGANIZER, forum_id, {"gender": {"f": "5 200", "m": 4800}}).ok
    gender = rows_of(representation.table(db, forum_id, public=False), "gender")
    assert gender["f"]["population_share"] == 52.0
    assert gender["f"]["population_gap_pp"] == round(round(100 * 7 / 9, 1) - 52.0, 1)
    assert rows_of(representation.table(db, forum_id, public=False), "age")["65_plus"]["population_share"] is None


def test_population_from_a_small_csv():
    data = b"dimension,category,people\ngender,f,5200\ngender,m,4800\nage,65_plus,2100\n"
    figures, errors = representation.parse_population_csv(data)
    assert errors == [] and figures == {"gender": {"f": 5200, "m": 4800}, "age": {"65_plus": 2100}}
    figures, errors = representation.parse_population_csv(b"gender,f,-3\nage,old,9\n")
    assert [e.code for e in errors] == ["out_of_range", "bad_choice"]
    assert representation.parse_population_csv("gender,f,1\n".encode("utf-16"))[1][0].code == "bad_encoding"


def test_the_table_follows_a_check_in(db, day):
    forum_id = day["forum_id"]
    before = rows_of(representation.table(db, forum_id, public=False), "gender")["m"]["checked_in"]
    assert checkin.check_in_participant(db, ORGANIZER, forum_id, day["ids"]["m"][3], "desk 1").ok
    assert rows_of(representation.table(db, forum_id, public=False), "gender")["m"]["checked_in"] == before + 1
