"""Several forums: fields and priorities side by side, problems that came back, another installation's export."""

from datetime import date

from forum_core import comparison, exports, report
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.db import Actor
from tests.conftest import ORGANIZER, SETTINGS

EXPERT = Actor("expert", "tablet")


def second_forum(db) -> int:
    """The same municipality a year later: group 1 (same field) raises the roads again, and a new problem."""
    settings = dict(SETTINGS, title="ფორუმი 2028", municipality="თელავის მუნიციპალიტეტი", forum_date=date(2028, 5, 27))
    drafts = [forum_mod.GroupDraft(number=1, name="სოციალური დაცვა", field="სოციალური დაცვა", room="201")]
    forum_id = forum_mod.create_forum(db, ORGANIZER, settings, None, drafts).value
    group_id = forum_mod.groups(db.cursor(), forum_id)[0]["id"]
    forum = forum_mod.get_forum(db.cursor(), forum_id)
    roads = dl.add_problem(db, ORGANIZER, group_id, "სოფლის გზები ისევ დაზიანებულია").value
    youth = dl.add_problem(db, ORGANIZER, group_id, "სპორტული მოედანი არ გვაქვს").value
    dl.set_pebbles(db, ORGANIZER, roads, 7)
    dl.set_pebbles(db, ORGANIZER, youth, 4)
    assert dl.finalise(db, ORGANIZER, forum, group_id).ok
    return forum_id


def test_fields_side_by_side_and_the_problems_that_came_back(finished_db):
    db = finished_db
    first = report.recommendations(db.cursor(), 1)[0]  # roads, group 1 (სოციალური დაცვა) of 2027
    report.record_answer(db, ORGANIZER, first["id"], {"status": "partly", "amount": 50000})
    later = second_forum(db)
    summaries = [comparison.from_database(db.cursor(), later), comparison.from_database(db.cursor(), 1)]
    rows = {r["field"]: r for r in comparison.by_field(summaries)}
    social = rows["სოციალური დაცვა"]
    assert [p["title"] for p in social["db:1"]][0].startswith("სოფლის გზები დაზიანებულია")
    assert [p["title"] for p in social[f"db:{later}"]] == [
        "სოფლის გზები ისევ დაზიანებულია",
        "სპორტული მოედანი არ გვაქვს",
    ]
    assert f"db:{later}" not in rows["ინფრასტრუქტურა"]
    back = comparison.came_back(summaries)
    roads = next(c for c in back if "ისევ" in c["appearances"][-1]["forum"] or True)
    assert [a["key"] for a in roads["appearances"]][0] == "db:1"  # oldest forum first, whatever the order given
    titles = [c["title"] for c in back]
    assert any(t.startswith("სოფლის გზები დაზიანებულია") for t in titles)
    assert not any("სპორტული" in t for t in titles)
    came = next(c for c in back if c["title"].startswith("სოფლის გზები დაზიანებულია (სოციალური"))
    assert came["funded_before"] and came["appearances"][-1]["key"] == f"db:{later}"


def test_titles_are_matched_by_their_core_words():
    assert comparison.similar("სოფლის გზები დაზიანებულია (სოციალური დაცვა)", "სოფლის გზები დაზიანებულია!")
    assert comparison.similar("Street lights", "street  lights (centre)")
    assert not comparison.similar("სასმელი წყალი გრაფიკით მოდის", "საბავშვო ბაღში ადგილები არ არის")
    assert not comparison.similar("", "")


def test_another_installations_export_reads_like_this_database(finished_db):
    cur = finished_db.cursor()
    here = comparison.from_database(cur, 1)
    for anonymised in (False, True):
        there = comparison.from_export(exports.parquet_zip(cur, 1, anonymised=anonymised), "telavi-2027.zip")
        assert there.key == "file:telavi-2027.zip" and there.title == here.title
        assert there.forum_date == here.forum_date
        assert [(p["field"], p["rank"], p["title"], p["pebbles"]) for p in there.priorities] == [
            (p["field"], p["rank"], p["title"], p["pebbles"]) for p in here.priorities
        ]
    # one forum against its own copy: every priority came back
    assert len(comparison.came_back([here, there])) == len({p["title"] for p in here.priorities})


def test_a_forum_is_compared_once_though_its_own_export_is_uploaded(finished_db):
    """This database's forum uploaded as its export showed two identical columns and every priority
    as "came back", without a word (a browser tour)."""
    cur = finished_db.cursor()
    here = comparison.from_database(cur, 1)
    data = exports.parquet_zip(cur, 1, anonymised=True)
    there, again = comparison.from_export(data, "telavi-2027.zip"), comparison.from_export(data, "copy.zip")
    later = comparison.from_database(cur, second_forum(finished_db))
    kept, repeats = comparison.without_repeats([here, later, there, again])
    assert kept == [here, later]
    assert repeats == [(there, here), (again, here)]
    assert comparison.came_back(kept) != [] and len(comparison.came_back(kept)) < len(here.priorities)
