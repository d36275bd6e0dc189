"""The app in English, in a real browser (the whole day runs in Georgian: test_forum_day.py; every
page of every role in both languages, with its words and axe-core: test_accessibility.py).

Its own file, so the two browser days run side by side on the suite's two workers.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from forum_core import demo
from forum_core.i18n import t
from tests.e2e.conftest import ORGANIZER_CODE
from tests.e2e.test_forum_day import (
    IDLE_JS,
    choose_option,
    codes_from_table,
    device_cookie,
    follow_sidebar,
    open_page,
    sign_in,
)

# The faces of the lari sign's font the page has loaded (a face with a unicode-range is fetched only
# when a character of its range is drawn).
LARI_FONT_JS = """async () => {
    await document.fonts.ready;
    return [...document.fonts].filter((f) => f.family.replace(/"/g, "") === "forum-glyphs" && f.status === "loaded")
        .map((f) => `${f.weight} ${f.status}`);
}"""


def test_every_page_and_a_write_in_english(browser, app_server, shots):
    """The whole day runs in Georgian above; in English, what depends on the language: the sign-in,
    the labels the day's steps look for, the access codes' roles, a walk-in registered through the
    English desk and a problem added on the English tablet."""
    lang, base = "en", app_server
    q = f"?lang={lang}"
    organizer = open_page(browser, f"{base}/signin{q}")
    sign_in(organizer, lang, ORGANIZER_CODE, "organizer laptop", double_tap=True)  # the second tap changes nothing
    # one setup page once its runs are over (while a page switch is drawn, the last one's elements may
    # still be on the screen beside the new ones)
    organizer.wait_for_url("**/setup**")
    expect(organizer.locator(".st-key-load_demo button")).to_have_count(1)
    # and the sign-in's last run over (the cookie has arrived, the page's run is finished): once, in
    # a full suite, a click on "load the demo" made while the double tap's runs went on was lost
    assert device_cookie(organizer) is not None
    organizer.wait_for_function(IDLE_JS)
    organizer.locator(".st-key-load_demo button").click()
    expect(organizer.get_by_role("heading", name=t(lang, "setup.title"))).to_be_visible()
    # every page's heading and words in English: tests/e2e/test_accessibility.py (every role's pages); the
    # import's English preview and messages: tests/pages/test_participants_page.py (the upload itself
    # through a browser: the Georgian day)
    follow_sidebar(organizer, "access")
    organizer.locator(".st-key-make_full_set button").click()
    codes = codes_from_table(organizer)
    shots(organizer, "access-codes")
    by_role = {}
    for (role_name, label), code in codes.items():
        by_role.setdefault(role_name, []).append((label, code))
    for role in ("desk", "facilitator", "moderator", "projector"):
        assert t(lang, f"role.{role}") in by_role, (role, sorted(by_role))

    # the desk in English: the scan box by its English label, a walk-in written through the page
    desk = open_page(browser, f"{base}/signin{q}", 1024, 768)
    # the page's request for its cookie is answered "unknown" (as when the laptop no longer knows the
    # one-time id): the browser opens the cookie's address itself, a full load that sets it
    desk.route(
        "**/api/device?*",
        lambda route: route.fulfill(status=404) if route.request.method == "POST" else route.continue_(),
    )
    sign_in(desk, lang, by_role[t(lang, "role.desk")][0][1], "Desk 1")
    expect(desk.get_by_role("heading", name=t(lang, "desk.title"))).to_be_visible()
    assert device_cookie(desk)["httpOnly"]
    desk.unroute("**/api/device?*")
    expect(desk.locator(f'input[aria-label="{t(lang, "desk.scan_label")}"]')).to_be_focused()
    desk.get_by_role("tab", name=t(lang, "desk.tab_walk_in")).click()
    desk.locator(".st-key-w0_first_name input").fill("Guest")
    desk.locator(".st-key-w0_last_name input").fill("Fromthestreet")
    # the group with the longest name, whose label a person reads whole once chosen (it was cut off
    # in half of the form on this 1024 px desk)
    number, name = max(enumerate((g[0] for g in demo.GROUPS), start=1), key=lambda g: len(g[1]))
    label = re.compile("^" + re.escape(f"{number}. {name} — "))
    choose_option(desk, ".st-key-w0_group", label)
    chosen = desk.locator(".st-key-w0_group input")
    expect(chosen).to_have_value(label)
    assert chosen.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the chosen group is cut off"
    # a double tap: the second click leaves the browser before the emptied form comes back
    desk.get_by_role("button", name=t(lang, "desk.register_walk_in")).dblclick()
    card = desk.locator("[data-testid=desk-card]")
    expect(card).to_contain_text("Fromthestreet")
    expect(card).to_have_attribute("data-status", "checked_in")
    shots(desk, "desk-walk-in")
    desk.get_by_role("tab", name=t(lang, "desk.tab_name")).click()
    desk.locator(".st-key-name_query input").fill("Fromthestreet")
    desk.locator(".st-key-name_query input").press("Enter")
    # the search's lines start with the name (the desk's recent arrivals, beside it, with the time)
    found = desk.locator("[data-testid=stText]").filter(has_text=re.compile(r"^Fromthestreet Guest"))
    expect(found.first).to_be_visible()
    expect(found).to_have_count(1)  # registered once

    # the facilitator's and the moderator's labels the day's steps click on
    room = open_page(browser, f"{base}/signin{q}")
    # the Wi-Fi drops as the page asks for its cookie: the room's page is open meanwhile, and the
    # request is made again a few seconds later, without loading the app again
    room.evaluate("() => { window.loadedOnce = true; }")
    dropped = []
    room.route(
        "**/api/device?*",
        lambda route: (dropped.append(1), route.abort()) if not dropped else route.continue_(),
    )
    sign_in(room, lang, by_role[t(lang, "role.facilitator")][0][1], "room 201")
    expect(room.locator(".st-key-fac_step")).to_be_visible()
    assert device_cookie(room)
    assert dropped and room.evaluate("() => window.loadedOnce === true")
    room.unroute("**/api/device?*")
    # the expert's briefing: amounts in lari, the sign drawn with the app's own font (static/fonts; the
    # browser's fonts may lack it: this machine's Chromium drew an empty box)
    room.locator(".st-key-fac_step").get_by_text(t(lang, "fac.step_briefing"), exact=False).click()
    expect(room.locator("[data-testid=stMetricValue]").first).to_contain_text("₾")
    assert room.evaluate(LARI_FONT_JS) == ["400 loaded"]
    problems_step = room.locator(".st-key-fac_step").get_by_text(t(lang, "fac.step_problems"), exact=False)
    problems_step.click()
    expect(room.locator(".st-key-pt_0 input")).to_be_visible()
    # a tap on the step shown keeps it (it cleared the choice, and the tablet fell back to the first step)
    problems_step.click()
    room.wait_for_timeout(500)  # the run a cleared choice would start
    room.wait_for_function(IDLE_JS, polling=100)
    expect(room.locator(".st-key-fac_step").get_by_role("radio", name=t(lang, "fac.step_problems"))).to_be_checked()
    expect(room.locator(".st-key-pt_0 input")).to_be_visible()
    assert "step=problems" in room.url
    # a title pasted from notes, longer than a title may be: kept in the field and explained (Streamlit's
    # own length limit dropped such a paste without a word)
    pasted = "Roads " + "and pavements " * 18  # 258 characters
    room.locator(".st-key-pt_0 input").fill(pasted)
    room.get_by_role("button", name=t(lang, "fac.add_problem")).click()
    expect(
        room.get_by_text(t(lang, "error.too_long", max=200, length=len(pasted.strip())), exact=False)
    ).to_be_visible()
    expect(room.locator(".st-key-pt_0 input")).to_have_value(pasted)
    expect(room.get_by_text(t(lang, "fac.no_problems_yet"))).to_be_visible()  # nothing added
    room.locator(".st-key-pt_0 input").fill("Roads 0")
    room.get_by_role("button", name=t(lang, "fac.add_problem")).dblclick()  # a double tap adds it once
    # the emptied form: its key is the next revision, or the one after when the second click came
    # after the first's run (replayed as the first's outcome, see ui.session.submit_once)
    expect(room.locator('[class*="st-key-pt_"]:not(.st-key-pt_0) input').last).to_have_value("")
    expect(room.get_by_text(t(lang, "fac.problem_added", title="Roads 0", count=1))).to_be_visible()
    expect(room.locator("[data-testid=stDataFrame] [role=row]")).to_have_count(2)  # its header and one problem
    # the stored problem's title, edited in place (a field that saves itself): a long paste is kept
    # and refused with the limit, not cut to it and saved
    choose_option(room, ".st-key-problem_choice")
    title = room.locator('[class*="st-key-edit_problem_"] input.forum-autosave-control').first
    expect(title).to_have_value("Roads 0")
    title.fill(pasted)
    title.press("Tab")
    status = room.locator('[class*="st-key-edit_problem_"] [data-testid=autosave-status]').first
    expect(status).to_contain_text(t(lang, "error.too_long", max=200, length=len(pasted.strip())))
    expect(title).to_have_value(pasted)
    title.fill("Roads 0")  # back as stored
    title.press("Tab")
    expect(status).not_to_contain_text(t(lang, "error.too_long", max=200, length=len(pasted.strip())))
    for step in ("fac.step_vote", "fac.step_initiatives"):
        expect(room.locator(".st-key-fac_step").get_by_text(t(lang, step), exact=False)).to_be_visible()
    shots(room, "room1-problems")
    # the moderator's page in English, with its words checked: tests/e2e/test_accessibility.py

    # the organizer signs the desk out from /access; the desk, reloaded, asks for a code again and
    # keeps the name it had ("Desk 1" had to be typed again, a tour saw)
    follow_sidebar(organizer, "audit")
    follow_sidebar(organizer, "access")  # the list of devices as it is now
    line = organizer.locator("[data-testid=stHorizontalBlock]").filter(has_text=re.compile(r"^Desk 1 · "))
    line.locator('[class*="st-key-revoke_device_"] button').click()
    organizer.locator(".st-key-revoke_yes button").click()
    expect(organizer.get_by_text(t(lang, "access.device_signed_out")).first).to_be_visible()
    desk.reload()
    expect(desk.get_by_role("heading", name=t(lang, "access.sign_in_title"))).to_be_visible()
    expect(desk.locator(".st-key-sign_in_label input")).to_have_value("Desk 1")
    # and told why (after a reload it was only asked for a code)
    expect(desk.get_by_text(t(lang, "access.signed_out_remotely"))).to_be_visible()
