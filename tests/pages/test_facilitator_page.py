"""A whole group session on the facilitator page, in Georgian and in English."""
import os

import pytest

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.i18n import t
from tests.pages.conftest import open_app, texts

PAGE = "pages/facilitator.py"


def app_db():
    from ui import runtime
    return runtime.database(os.environ["FORUM_DB"])


def go(at, step):
    at.segmented_control(key="fac_step").set_value(step).run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_a_whole_group_session(demo_db, lang):
    at = open_app(lang, PAGE)
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    assert at.selectbox(key="facilitator_group").value == group["number"]

    # who is here: tick ten members present
    members = dl.members(db.cursor(), 1, group["id"])
    for m in members[:10]:
        at.checkbox(key=f"here_{m['id']}").check().run()
    assert dl.present_count(db.cursor(), 1, group["id"]) == 10

    # strengths and weaknesses
    go(at, "assessment")
    at.text_input(key="new_strength").set_value("აქტიური ახალგაზრდობა").run()
    at.text_input(key="new_weakness").set_value("<b>ცუდი</b> გზები").run()
    items = dl.assessment(db.cursor(), group["id"])
    assert [i["text"] for i in items["weakness"]] == ["<b>ცუდი</b> გზები"]

    # problems, one flagged by the expert
    go(at, "problems")
    for n, title in enumerate(["გზები", "წყალი", "განათება", "ნაგავი", "ბაღი", "სპორტი", "პენსიები"]):
        at.text_input(key=f"pt_{n}").set_value(title)
        next(b for b in at.button if b.label == t(lang, "fac.add_problem")).click().run()
    problems = {p["title"]: p["id"] for p in dl.problems(db.cursor(), group["id"])}
    assert len(problems) == 7
    pension = problems["პენსიები"]
    at.selectbox(key="problem_choice").set_value(pension).run()
    at.checkbox(key=f"fo_{pension}").check()
    at.text_input(key=f"fn_{pension}").set_value("ცენტრალური ხელისუფლება")
    next(b for b in at.button if b.label == t(lang, "fac.save_flag")).click().run()
    assert dl.problems(db.cursor(), group["id"])[-1]["outside_competence"]

    # the pebble vote: typed counts and + / − buttons
    go(at, "vote")
    assert pension not in at.selectbox(key="count_choice").options  # excluded from the vote
    for title, n in (("გზები", 8), ("წყალი", 7), ("განათება", 6), ("ნაგავი", 5), ("ბაღი", 2), ("სპორტი", 1)):
        assert at.selectbox(key="count_choice").value == problems[title]  # ▶ walks through them in order
        at.number_input(key=f"peb_{problems[title]}_0").set_value(n).run()
        at.button(key="count_next").click().run()
    at.selectbox(key="count_choice").set_value(problems["სპორტი"]).run()
    at.button(key=f"plus_peb_{problems['სპორტი']}_0").click().run()
    assert at.number_input(key=f"peb_{problems['სპორტი']}_0").value == 2
    result = dl.ranking(db.cursor(), forum_mod.get_forum(db.cursor(), 1), group["id"])
    assert result.tie == sorted([problems["ბაღი"], problems["სპორტი"]])
    assert t(lang, "fac.tie", places=1, count=1, titles="ბაღი, სპორტი") in texts(at)
    at.button(key="start_revote").click().run()
    at.number_input(key=f"peb_{problems['სპორტი']}_1").set_value(6).run()
    at.number_input(key=f"peb_{problems['ბაღი']}_1").set_value(4).run()
    at.button(key="finalise").click().run()
    at.button(key="finalise_yes").click().run()
    assert t(lang, "fac.finalised") in texts(at)
    top = dl.priorities(db.cursor(), group["id"])
    assert [p["title"] for p in top] == ["გზები", "წყალი", "განათება", "ნაგავი", "სპორტი"]

    # initiatives, saved on each change
    go(at, "initiatives")
    first = top[0]["problem_id"]
    assert at.radio(key="priority_choice").value == first
    at.selectbox(key=f"ini_{first}_kind").set_value("program").run()
    at.text_input(key=f"ini_{first}_title").set_value("გზების შეკეთება").run()
    at.text_area(key=f"ini_{first}_goal").set_value("გზების შეკეთება").run()
    assert t(lang, "ini.goal_no_number") in [c.value.replace("💡 ", "") for c in at.caption]
    at.number_input(key=f"ini_{first}_beneficiaries_count").set_value(1200).run()
    at.text_area(key=f"ini_{first}_resources_needed").set_value("ასფალტი").run()
    row = dl.initiative(db.cursor(), group["id"], first)
    assert (row["kind"], row["title"], row["beneficiaries_count"]) == ("program", "გზების შეკეთება", 1200)
    assert dl.is_complete(row)

    # presenter and the summary
    go(at, "presenter")
    here = [m for m in dl.members(db.cursor(), 1, group["id"]) if m["present"]]
    at.selectbox(key="presenter_choice").set_value(here[0]["id"]).run()
    at.button(key="save_presenter").click().run()
    assert dl.presenter(db.cursor(), group["id"])["id"] == here[0]["id"]
    assert any(b.key == "summary_pdf" for b in at.get("download_button"))


def test_over_count_warning_and_markup_shown_as_text(demo_db):
    at = open_app("en", PAGE)
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    pid = dl.add_problem(db, dl_actor(group["id"]), group["id"], "**bold** <i>x</i>").value
    at.run()
    go(at, "vote")
    at.number_input(key=f"peb_{pid}_0").set_value(50).run()
    assert any("more than possible" in w.value for w in at.warning)
    assert any(x.value == "**bold** <i>x</i>" for x in at.text)
    shown = at.dataframe[0].value  # the ranking table shows it as plain text
    assert "**bold** <i>x</i>" in list(shown.iloc[:, 1])


def dl_actor(group_id):
    from forum_core.db import Actor
    return Actor("facilitator", "test", group_id)
