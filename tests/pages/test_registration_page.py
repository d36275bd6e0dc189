import os

from forum_core import checkin
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.i18n import t
from tests.pages.conftest import open_app, texts

PAGE = "pages/registration.py"


def app_db():
    from ui import runtime

    return runtime.database(os.environ["FORUM_DB"])


def scanner_data(at) -> dict:
    """What the page hands to the desk's scanner component (ui/desk.py): its texts and the card to show."""
    import json

    found = [
        json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == "forum_desk_scanner"
    ]
    assert len(found) == 1
    return found[0]


def card(at) -> str:
    return scanner_data(at)["card"]


def test_the_scanner_gets_its_texts_in_the_page_language(demo_db):
    """Scanning itself runs in the browser and over HTTP (tests/pages/test_api.py, tests/e2e)."""
    import json

    data = scanner_data(open_app("ka", PAGE))
    texts = json.loads(data["texts"])
    assert texts["scan_label"] == t("ka", "desk.scan_label") and data["lang"] == "ka" and data["card"] == ""
    assert data["desk"]  # the desk's name goes with every scan


def test_find_by_transliterated_name_and_check_in(demo_db):
    at = open_app("en", PAGE)
    target = people.search(app_db().cursor(), 1, "chikovani", role="organizer")[0]
    at.text_input(key="name_query").set_value("chikovani").run()
    shown = [x.value for x in at.text]
    assert any("ჩიქოვანი" in s and "not yet here" in s for s in shown)
    assert not any("ბერიძე" in s for s in shown)  # only matches, never everybody
    at.button(key=f"checkin_{target['id']}").click().run()
    assert "data-status='checked_in'" in card(at) and "ჩიქოვანი" in card(at)
    assert checkin.current_check_in(app_db().cursor(), target["id"])["method"] == "name"


def test_short_query_lists_nobody(demo_db):
    at = open_app("en", PAGE)
    at.text_input(key="name_query").set_value("ა").run()
    assert not any(b.key and b.key.startswith("checkin_") for b in at.button)


def test_register_a_walk_in(demo_db):
    at = open_app("en", PAGE)
    group = forum_mod.groups(app_db().cursor(), 1)[2]
    sizes = list(at.selectbox(key="w0_group").options)
    assert sizes[0].startswith(f"{group['number']}.")  # the smallest group first (11 people)
    at.text_input(key="w0_first_name").set_value("ლუკა")
    at.text_input(key="w0_last_name").set_value("გოგოლაძე")
    at.selectbox(key="w0_group").set_value(group["id"])
    next(b for b in at.button if b.label == "Register and check in").click().run()
    assert "data-status='checked_in'" in card(at) and "გოგოლაძე" in card(at)
    found = people.search(app_db().cursor(), 1, "luka gogoladze", role="organizer")
    assert len(found) == 1 and found[0]["source"] == "walk_in" and found[0]["phone"] is None
    assert any(b.key == "walk_in_badge_pdf" for b in at.get("download_button"))


def test_walk_in_with_bad_phone_is_refused(demo_db):
    at = open_app("en", PAGE)
    at.text_input(key="w0_first_name").set_value("ლუკა")
    at.text_input(key="w0_last_name").set_value("გოგოლაძე")
    at.text_input(key="w0_phone").set_value("123")
    next(b for b in at.button if b.label == "Register and check in").click().run()
    assert any("not a Georgian phone number" in e.value for e in at.error)
    assert people.search(app_db().cursor(), 1, "gogoladze luka", role="organizer") == []


def test_live_figures_count_arrivals(demo_db):
    at = open_app("en", PAGE)
    from forum_core.db import Actor

    for p in people.all_active(app_db().cursor(), 1)[:3]:  # three scans arrive (from this desk's browser)
        checkin.scan(app_db(), Actor("desk", "Desk 1"), 1, checkin.token_of(app_db().cursor(), p["id"]), "Desk 1")
    at.run()  # the scanner's answer asks the page to run again
    assert any(m.value == "3 / 117" for m in at.metric)
    # each group's count beside its name (last, after the room, it was cut at 1024 px, a tour)
    table = at.table[0].value
    assert list(table.columns)[:2] == [t("en", "label.name"), t("en", "desk.came")], list(table.columns)


def test_paper_sheet_ticks_are_checked_in_with_their_time(demo_db):
    from datetime import time

    at = open_app("en", PAGE)
    group = forum_mod.groups(app_db().cursor(), 1)[1]
    at.selectbox(key="paper_group").set_value(group["id"]).run()
    members = checkin.sign_in_sheet(app_db().cursor(), 1, group["id"])
    at.time_input(key="paper_time").set_value(time(10, 42))
    at.checkbox(key=f"tick_{members[0]['id']}").check()
    at.checkbox(key=f"tick_{members[1]['id']}").check()
    next(b for b in at.button if b.label == "Check in the ticked people").click().run()
    assert "2 people checked in." in texts(at)
    state = checkin.current_check_in(app_db().cursor(), members[0]["id"])
    assert state["method"] == "paper" and state["happened_at"].strftime("%H:%M") == "10:42"
    assert state["happened_at"].date().isoformat() == "2027-05-28"
