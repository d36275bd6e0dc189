"""The projector fills the screen it is shown on and never cuts anything off; the desk uses a
tablet's whole width (issue 17), measured in a real Chromium against the real server.

One server, one browser: the projector's page is resized instead of opened again. The database
is made before the server starts (from the session's forum in full swing): the demo forum with nine
groups' five priorities and group 10 still at work, group 1's five initiatives with 270-character
goals, a participant with a long Georgian family name, and a projector, a moderator and a desk
signed in (their device cookies).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum_core import access, checkin, demo, participants, plenary
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.db import Actor, Database
from forum_core.i18n import t
from tests.conftest import copy_database
from tests.e2e import scanner
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.screen import BROKEN_WORDS, COVERED_BY_HINTS, CUT_PLACEHOLDERS

pytestmark = pytest.mark.e2e
ORGANIZER = Actor("organizer", "e2e")
LONG_GOAL = ("2028 წლის ბოლომდე სოფლის ყველა ქუჩაზე დამონტაჟდეს ენერგოეფექტური განათება, " * 4)[:270]
FAMILY_NAME = "ჩიქოვანი-გოგოხია-ბერიძე-კვარაცხელია"  # four families joined: must break only at hyphens

# Everything on the screen: every visible element's box and every piece of text, inside the window.
OUTSIDE = """() => {
  const w = window.innerWidth, h = window.innerHeight, out = [];
  const check = (r, what) => {
    if (r.width === 0 && r.height === 0) return;
    if (r.left < -1 || r.top < -1 || r.right > w + 1 || r.bottom > h + 1)
      out.push(`${what} ${Math.round(r.left)},${Math.round(r.top)},${Math.round(r.right)},${Math.round(r.bottom)}`);
  };
  const frame = document.querySelector(".pl-frame");
  for (const el of frame.querySelectorAll("*")) {
    if (!el.getClientRects().length) continue;
    check(el.getBoundingClientRect(), el.tagName + "." + el.className);
  }
  const walker = document.createTreeWalker(frame, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(walker.currentNode);
    for (const r of range.getClientRects()) check(r, "text " + walker.currentNode.textContent.slice(0, 30));
  }
  return out;
}"""
# How many lines each part of the family name (with the hyphen after it) takes on the desk's card.
LINES_OF_EACH_PART = """(name) => {
  const card = document.querySelector("[data-testid=desk-card]");
  const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, at = node.textContent.indexOf(name);
    if (at < 0) continue;
    let start = at;
    const out = [];
    for (const part of name.split("-")) {
      // the part with the hyphen after it: a line may end after a hyphen, never inside or before one
      const end = Math.min(start + part.length + 1, at + name.length);
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, end);
      out.push([part, new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size]);
      start += part.length + 1;
    }
    return out;
  }
  return null;
}"""
GROUP_AT_WORK = "საჯარო სერვისები და ჩართულობა"  # group 10 of the demo
# The presenting group's name and field keep inside their column, and the column ends before the timer.
NAME_BESIDE_TIMER = """() => {
  const column = document.querySelector(".pl-frame .present-head > div:first-child");
  const timer = document.querySelector(".pl-frame .present-head .timer").getBoundingClientRect();
  const name = document.querySelector(".pl-frame .present-head h1");
  return column.scrollWidth <= column.clientWidth + 1 && name.scrollWidth <= name.clientWidth + 1
    && column.getBoundingClientRect().right <= timer.left + 1;
}"""
SMALLEST_PRIORITY = """() => Math.min(...[...document.querySelectorAll(".pl-wall li")]
  .filter((li) => li.getClientRects().length).map((li) => parseFloat(getComputedStyle(li).fontSize)))"""


def prepare(path) -> dict:
    """The demo forum in full swing (a copy) with group 9 finalised too and group 10 still at work,
    group 1's goals made long, a long family name, and three devices signed in."""
    db = Database(path)
    forum_id = forum_mod.current_forum_id(db.cursor())
    assert demo.simulate_group_work(db, ORGANIZER, forum_id, group_numbers=[9]) == 1
    group = forum_mod.groups(db.cursor(), forum_id)[0]
    for p in dl.priorities(db.cursor(), group["id"]):
        before = dl.initiative(db.cursor(), group["id"], p["problem_id"]).get("goal")
        assert dl.save_initiative_field(db, ORGANIZER, group["id"], p["problem_id"], "goal", LONG_GOAL, before).ok
    person = participants.add(
        db, ORGANIZER, forum_id, {"first_name": "ნინო", "last_name": FAMILY_NAME, "group": group["id"]}, "manual", False
    ).value
    tokens = {}
    for role, label in (("projector", "hall"), ("moderator", "stage"), ("desk", "Desk 1")):
        code = access.create_code(db, ORGANIZER, forum_id, role, None, label).value[1]
        tokens[role] = access.sign_in(db, forum_id, code, label, f"e2e {role}", access.Throttle()).token
    code = checkin.tokens_of_forum(db.cursor(), forum_id)[person]
    assert plenary.set_mode(db, ORGANIZER, forum_id, "wall").ok
    db.close()
    return {"tokens": tokens, "code": code}


# Each preview (the component's element) within its column, and the two side by side, not overlapping
PREVIEWS_INSIDE_COLUMNS = """() => {
  const boxes = [...document.querySelectorAll(".st-key-live_preview [data-testid=stColumn]")].map((column) => {
    const preview = column.querySelector(".pl-frame").parentElement.getBoundingClientRect();
    const room = column.getBoundingClientRect();
    return preview.width > 0 && preview.left >= room.left - 1 && preview.right <= room.right + 1 ? preview : null;
  });
  return boxes.length === 2 && boxes.every(Boolean) && boxes[0].right <= boxes[1].left
    && boxes[1].right <= document.documentElement.clientWidth;
}"""


def device(browser, token: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "forum_device", "value": token, "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def fitted(page, selector: str, width: int, height: int) -> dict:
    """Resize the window, wait until the screen has been fitted to it, and measure it."""
    page.set_viewport_size({"width": width, "height": height})
    frame = page.locator(".pl-frame")
    expect(page.locator(f".pl-frame {selector}")).to_have_count(1)
    page.wait_for_function(
        "(size) => document.querySelector('.pl-frame')?.dataset.fitted === size", arg=f"{width}x{height}"
    )
    return {
        "outside": page.evaluate(OUTSIDE),
        "broken": page.evaluate(BROKEN_WORDS),
        "size": float(frame.get_attribute("data-size")),
        "pages": int(frame.get_attribute("data-pages")),
        "page": int(frame.get_attribute("data-page")),
    }


def turn_page(moderator, projector) -> None:
    """The moderator's "next page"; the projector follows it (and stops turning pages by itself)."""
    turns = int(projector.locator(".pl-frame").get_attribute("data-turns"))
    moderator.get_by_role("button", name=t("en", "control.next_page")).click()
    expect(projector.locator(".pl-frame")).to_have_attribute("data-turns", str(turns + 1))


def visible_texts(page, selector: str) -> set[str]:
    return set(
        page.evaluate(
            "(s) => [...document.querySelectorAll(s)].filter((e) => e.getClientRects().length).map((e) => e.innerText)",
            selector,
        )
    )


def test_projector_fills_every_screen_and_the_desk_the_tablet(browser, full_swing_file, tmp_path, shots):
    import streamlit_client as sc

    path = copy_database(full_swing_file, tmp_path / "forum.duckdb")
    data = prepare(path)
    env = {"FORUM_BACKUP_MINUTES": "0", "FORUM_ORGANIZER_CODE": "E2-EORGAN"}
    with sc.server(path, extra_env=env, log=ARTIFACTS / "projector-fit.server.log") as (_, port):
        base = f"http://127.0.0.1:{port}"
        projector = device(browser, data["tokens"]["projector"], 1920, 1080)
        projector.goto(f"{base}/plenary?lang=ka")
        moderator = device(browser, data["tokens"]["moderator"], 1280, 900)
        moderator.goto(f"{base}/control?lang=en")
        expect(moderator.get_by_role("button", name=t("en", "control.next_page"))).to_be_visible()

        # the wall: nine groups' five priorities and one group at work, in both languages, on a hall
        # projector and an old one
        for lang in ("ka", "en"):
            if lang == "en":
                projector.goto(f"{base}/plenary?lang=en")
            expect(projector.locator(".pl-wall li")).to_have_count(45)
            seen = fitted(projector, ".pl-wall", 1920, 1080)
            shots(projector, f"wall-{lang}-1920")
            assert seen["outside"] == [] and seen["broken"] == [], (lang, seen["outside"][:5], seen["broken"][:5])
            assert seen["pages"] == 1  # every group at once on a hall projector
            assert projector.evaluate(SMALLEST_PRIORITY) >= 28, (lang, seen)

            seen = fitted(projector, ".pl-wall", 1024, 768)
            groups = set()
            for _ in range(2 * seen["pages"]):  # an old projector: in pages, each one readable and whole
                groups |= visible_texts(projector, ".pl-wall h2")
                shots(projector, f"wall-{lang}-1024-{seen['page']}")
                assert seen["outside"] == [] and seen["broken"] == [], (lang, seen["outside"][:5], seen["broken"][:5])
                assert projector.evaluate(SMALLEST_PRIORITY) >= 20, (lang, seen)
                if len(groups) == 10:
                    break
                turn_page(moderator, projector)
                seen = fitted(projector, ".pl-wall", 1024, 768)
            assert len(groups) == 10, groups

        # the wall while the moderator hides the results: the groups' names alone, in the largest type,
        # each word whole (Georgian fields such as "ინფრასტრუქტურა" are single long words)
        revealed = moderator.locator(".st-key-control_revealed label")  # the moderator's toggle
        revealed.click()
        expect(projector.locator(".pl-wall .working").filter(visible=True).first).to_be_visible()
        seen = fitted(projector, ".pl-wall", 1280, 800)
        shots(projector, "wall-hidden-1280")
        assert seen["outside"] == [] and seen["broken"] == [], (seen["outside"][:5], seen["broken"][:5])
        revealed.click()
        # the priorities are back (on whichever page of the wall is showing)
        expect(projector.locator(".pl-wall li").filter(visible=True).first).to_be_visible()

        # presenting: group 1 with five 270-character goals on a 1280x720 screen, paged by the moderator
        moderator.locator(".st-key-control_mode").get_by_text(t("en", "control.mode_presenting"), exact=True).click()
        seen = fitted(projector, ".pl-presenting", 1280, 720)
        shown = set()
        for _ in range(seen["pages"]):
            shown |= visible_texts(projector, ".initiative > b")
            shots(projector, f"presenting-{seen['page']}")
            assert seen["outside"] == [] and seen["broken"] == [], (seen["outside"][:5], seen["broken"][:5])
            if len(shown) == 5:
                break
            turn_page(moderator, projector)
            seen = fitted(projector, ".pl-presenting", 1280, 720)
        assert len(shown) == 5  # every initiative, on one page or another
        # the moderator sees the same screen small, and the next group's
        expect(moderator.locator(".pl-frame .pl-presenting")).to_have_count(2)
        # on a 1024-px laptop with the sidebar open each preview stays inside its own column (two
        # 400-px previews overlapped there, the second one past the window's edge)
        moderator.set_viewport_size({"width": 1024, "height": 768})
        moderator.wait_for_function(PREVIEWS_INSIDE_COLUMNS, polling=200, timeout=30_000)

        # a group presenting while still at work: little below its name, so the type grows large; the
        # name's longest word ("ჩართულობა") stays whole in its column, never under the timer (seen on
        # a tour: "სოციალური" ran under the clock)
        choice = moderator.locator(".st-key-control_group input")  # typed into, as its list shows the first few
        choice.click()
        choice.press_sequentially(GROUP_AT_WORK.split()[0])
        moderator.get_by_role("option").filter(has_text=GROUP_AT_WORK).click()
        expect(projector.locator(".pl-presenting h1")).to_contain_text(GROUP_AT_WORK)
        for width, height in ((1920, 1080), (1280, 720)):
            seen = fitted(projector, ".pl-presenting .working", width, height)
            shots(projector, f"presenting-at-work-{width}")
            assert seen["outside"] == [] and seen["broken"] == [], (seen["outside"][:5], seen["broken"][:5])
            assert projector.evaluate(NAME_BESIDE_TIMER), (width, seen)

        # the summary on a 1280x720 screen
        moderator.locator(".st-key-control_mode").get_by_text(t("en", "control.mode_summary"), exact=True).click()
        seen = fitted(projector, ".pl-summary", 1280, 720)
        shots(projector, "summary-1280")
        assert seen["outside"] == [] and seen["broken"] == [], (seen["outside"][:5], seen["broken"][:5])

        # the desk on a 1024x768 tablet: no sidebar, the card whole, the family name broken only at its hyphens
        desk = device(browser, data["tokens"]["desk"], 1024, 768)
        desk.goto(f"{base}/registration?lang=ka")
        expect(desk.locator("[data-testid=desk-scan-box]")).to_be_focused()
        scanner.scan(desk, data["code"])
        card = desk.locator("[data-testid=desk-card]")
        expect(card).to_contain_text(FAMILY_NAME)
        shots(desk, "desk-1024")
        sidebar = desk.locator("[data-testid=stSidebar]")
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1024 and box["y"] + box["height"] <= 768, box
        main = desk.locator("[data-testid=stMainBlockContainer]").bounding_box()
        assert main["width"] >= 0.95 * 1024, main  # the page uses the tablet's width
        assert desk.evaluate("document.documentElement.scrollWidth") <= 1024
        assert desk.evaluate(CUT_PLACEHOLDERS) == []  # the scan box's hint whole
        # the arrivals table shows every column without scrolling sideways
        table = desk.locator("[data-testid=stTable]")
        expect(table).to_contain_text("10 / ")
        box = table.bounding_box()
        assert box["x"] + box["width"] <= 1024, box
        assert table.evaluate("(t) => [t, ...t.querySelectorAll('*')].every((e) => e.scrollWidth <= e.clientWidth + 1)")
        parts = desk.evaluate(LINES_OF_EACH_PART, FAMILY_NAME)
        assert parts and all(lines == 1 for _, lines in parts), parts
        # a long name typed into the walk-in form runs clear of Streamlit's "Enter – submit" hint, drawn
        # inside the field (the text ran under it), and on a phone's width the hint is left out
        desk.get_by_role("tab", name=t("ka", "desk.tab_walk_in")).click()
        desk.locator(".st-key-w0_first_name input").press_sequentially("ანასტასია-მარიამ ელისაბედ", delay=5)
        expect(desk.locator(".st-key-w0_first_name [data-testid=InputInstructions]")).to_be_visible()
        assert desk.evaluate(COVERED_BY_HINTS) == []
        # on a phone-sized screen the desk's tabs scroll: Streamlit's scroll button is named in Georgian
        desk.set_viewport_size({"width": 390, "height": 844})
        scroll = desk.locator("[data-testid=stTabsScrollRight]")
        expect(scroll).to_have_count(1)
        expect(scroll).to_have_attribute("aria-label", t("ka", "streamlit.scroll_tabs_right"))
        assert desk.evaluate(CUT_PLACEHOLDERS) == []  # on a phone's width too
        expect(desk.locator(".st-key-w0_first_name [data-testid=InputInstructions]")).to_be_hidden()
        assert desk.evaluate(COVERED_BY_HINTS) == []
        desk.goto(f"{base}/registration?lang=en")  # the English hint is the longer one
        expect(desk.locator("[data-testid=desk-scan-box]")).to_be_focused()
        assert desk.evaluate(CUT_PLACEHOLDERS) == []
