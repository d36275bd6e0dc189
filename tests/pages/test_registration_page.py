import os

from forum_core import checkin, forum as forum_mod, tokens
from forum_core import participants as people
from forum_core.i18n import t
from tests.pages.conftest import open_app, texts

PAGE = "pages/registration.py"


def app_db():
    from ui import runtime
    return runtime.database(os.environ["FORUM_DB"])


def card(at):
    html = [h.proto.body for h in at.get("html") if "desk-card" in h.proto.body]
    return html[-1] if html else ""


def scan(at, code):
    at.text_input(key="scan_input").set_value(code).run()
    assert not at.exception, at.exception
    return card(at)


def test_scanner_valid_repeated_mistyped_forged_in_georgian(demo_db):
    at = open_app("ka", PAGE)
    cur = app_db().cursor()
    person = people.all_active(cur, 1)[0]
    code = checkin.token_of(cur, person["id"])
    green = scan(at, f" {code.lower()} ")
    assert "data-status='checked_in'" in green and person["last_name"] in green
    assert t("ka", "desk.card_go_to_room", room=person["room"]) in green
    assert at.text_input(key="scan_input").value == ""  # ready for the next scan
    amber = scan(at, code)
    assert "data-status='already_checked_in'" in amber and t("ka", "desk.default_name") in amber
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert "data-status='invalid_code'" in scan(at, typo)
    assert "data-status='invalid_code'" in scan(at, tokens.new_token("forged secret"))
    secret = forum_mod.get_forum(cur, 1)["token_secret"]
    unknown = scan(at, tokens.new_token(secret))
    assert "data-status='unknown_code'" in unknown and t("ka", "desk.card_unknown_code_help") in unknown
    assert checkin.arrivals(app_db().cursor(), 1)[person["group_number"] - 1]["checked_in"] == 1


def test_undo_from_the_card(demo_db):
    at = open_app("en", PAGE)
    person = people.all_active(app_db().cursor(), 1)[3]
    scan(at, checkin.token_of(app_db().cursor(), person["id"]))
    at.button(key="undo_checkin").click().run()
    assert "Check-in undone (recorded in the log)." in texts(at)
    assert checkin.current_check_in(app_db().cursor(), person["id"]) is None


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
    sizes = [labels for labels in at.selectbox(key="w0_group").options]
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
    for p in people.all_active(app_db().cursor(), 1)[:3]:
        scan(at, checkin.token_of(app_db().cursor(), p["id"]))
    assert any(m.value == "3 / 117" for m in at.metric)


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
