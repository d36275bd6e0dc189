"""Every page, as every role that opens it, in Georgian and in English, checked in a real Chromium
(issue 17): axe-core finds no critical or serious WCAG 2.2 AA violation and no skipped heading
level, no button's label is cut short, and the visible text is in the page's language.

The public results and the accessibility statement are the same for everyone: they are checked as
the public opens them (SAME_FOR_EVERYONE); the moderator's pages and the projector's screen, whose
content is the same for each role that opens them, as the device that works on them (CHECKED_AS).
One server on the demo forum in full swing (groups 1-8 finalised, 9 and 10 still working); each
role is one browser context signed in by its device cookie (made here with an access code, as a
device signing in would), and goes through its pages in Georgian, then, switched by the sidebar's
language switch as a person does (a tablet opens its folded sidebar for it), through them in English
backwards. Streamlit's words put in Georgian must not stay Georgian after the switch (words.js).

The language check reads every visible text node (icons' ligature names left out: they draw an
icon), the placeholders of visible fields, the images' alternative texts and the document's
title. In Georgian a Latin-script word fails unless it is a code or an abbreviation (capitals, or
with a digit), a number, the name of the other language on the language switch, or people's
text from the forum's data (names, titles, labels typed by people). In English the same holds
for Georgian-script words.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from urllib.parse import urlparse

import duckdb
import pytest
from axe_playwright_python.sync_playwright import Axe

from forum_core import access, i18n
from forum_core.db import Actor, Database
from tests.conftest import copy_database
from tests.e2e.screen import CUT_PLACEHOLDERS

ORGANIZER = Actor("organizer", "e2e")
LANGS = ("ka", "en")
# The device labels people type when they sign in (people's text, in the forum's language)
DEVICES = {
    "organizer": ("organizer", None, "ორგანიზატორის ლეპტოპი"),
    "desk": ("desk", None, "მაგიდა 1"),
    "facilitator": ("facilitator", 9, "ოთახი 9"),  # a group still at work
    "expert": ("expert", 1, "ექსპერტი 1"),  # a finalised group
    "moderator": ("moderator", None, "სცენა"),
    "projector": ("projector", None, "პროექტორი 1"),
}
PUBLIC_PAGES = ("signin", "accessibility", "results")
# A member of group 9 whose name reads like Streamlit's own words ("Remove {x}", "Open"): words.js
# puts those in the page's language only inside Streamlit's controls, so the name keeps its words
# (the facilitator's page names each member's presence box by the member's name)
# (its hyphen is escaped for Markdown in the check box's label, ui/text.py md: the name a screen
# reader hears is the label as drawn, without the escape)
NAMED_LIKE_STREAMLIT = ("Open-Door", "Remove Help")
# Pages that show everyone the same content: the public results (a plain page of the server, the same
# bytes whoever asks) and the accessibility statement (no role-dependent part; each role's sidebar
# is checked on that role's own pages). They are checked once per language, as the public opens them,
# instead of once per role: 24 fewer page visits.
SAME_FOR_EVERYONE = ("accessibility", "results")
# Pages whose content does not depend on which of their roles opens them (only the sidebar does, and
# each role's sidebar is checked on that role's own pages; tests/pages/test_access_page.py keeps this
# true): checked as the device that works on them on the day, not again as the organizer or the
# moderator who may also open them: 8 fewer page visits.
CHECKED_AS = {"control": "moderator", "overview": "moderator", "plenary": "projector"}


def pages_of(role: str) -> list[str]:
    """Every page a role opens (its home page first); the pages that are the same for everyone,
    only for the public; the pages in CHECKED_AS, only for the role named there."""
    if role == "public":
        return list(PUBLIC_PAGES)
    own = [
        p
        for p, roles in access.PAGE_ROLES.items()
        if role in roles and p not in SAME_FOR_EVERYONE and CHECKED_AS.get(p, role) == role
    ]
    home = access.HOME_PAGE[role]
    return [home] + [p for p in own if p != home]


# People's text in the database: these words may be in any script on any page.
DATA_COLUMNS = {
    "forum": ("title", "municipality", "goals", "venue", "organizers"),
    "agenda_phase": ("name",),
    "working_group": ("name", "field", "room", "facilitator", "expert"),
    "participant": ("first_name", "last_name", "community", "needs", "email"),
    "budget_program": ("field", "program_code", "name", "description"),
    "assessment_item": ("text",),
    "problem": ("title", "detail", "competence_note"),
    "initiative": ("title", "goal", "actions", "beneficiaries_specifics", "vulnerable_groups", "partners"),
    "recommendation": ("wording",),
    "device_session": ("label",),
    "audit_log": ("device",),
}
WORD = re.compile(r"[^\W\d_]+")


def data_words(path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    words: set[str] = set()
    try:
        for table, columns in DATA_COLUMNS.items():
            for column in columns:
                for (value,) in con.execute(f'SELECT DISTINCT "{column}" FROM {table}').fetchall():  # noqa: S608
                    words.update(w.casefold() for w in WORD.findall(value or ""))
    finally:
        con.close()
    return words


@pytest.fixture(scope="module")
def forum_day(tmp_path_factory, full_swing_built):
    """The server on a copy of the forum in full swing, and a device token for each role."""
    import streamlit_client as sc

    from tests.e2e.conftest import ARTIFACTS

    source, forum_id = full_swing_built
    path = copy_database(source, tmp_path_factory.mktemp("a11y") / "forum.duckdb")
    db = Database(path)
    group_ids = {
        n: gid
        for gid, n in db.cursor()
        .execute("SELECT id, number FROM working_group WHERE forum_id = ?", [forum_id])
        .fetchall()
    }
    from forum_core import participants as people

    first, last = NAMED_LIKE_STREAMLIT
    added = people.add(
        db,
        ORGANIZER,
        forum_id,
        {"first_name": first, "last_name": last, "phone": "577 00 00 01", "group": group_ids[9]},
    )
    assert added.ok, added
    tokens = {}
    for name, (role, group, label) in DEVICES.items():
        made = access.create_code(db, ORGANIZER, forum_id, role, group_ids.get(group), label)
        tokens[name] = access.sign_in(db, forum_id, made.value[1], label, f"e2e {name}", access.Throttle()).token
    db.close()
    words = data_words(path)
    log = ARTIFACTS / "test_accessibility.server.log"
    with sc.server(path, extra_env={"FORUM_BACKUP_MINUTES": "0"}, log=log) as (_process, port):
        yield {"base": f"http://127.0.0.1:{port}", "tokens": tokens, "words": words}


# --- what the page shows -------------------------------------------------------------------------

VISIBLE_TEXT_JS = """() => {
  const seen = (el) => el && el.checkVisibility({ visibilityProperty: true });
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.nodeValue.trim() || !el) continue;
    // an icon's ligature name draws the icon; scripts and styles are not text
    if (el.closest('[data-testid="stIconMaterial"], script, style, noscript, [translate="no"]')) continue;
    if (el.closest(".address")) continue; // read whole below: its line breaks (<wbr>) cut it into pieces
    if (el.closest('[data-testid="stSkipToContent"]') || seen(el)) out.push(node.nodeValue);
  }
  for (const el of document.querySelectorAll(".address")) if (seen(el)) out.push(el.textContent);
  for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    if (seen(el) && !el.value) out.push(el.getAttribute("placeholder"));
  }
  for (const el of document.querySelectorAll("img[alt]")) if (seen(el)) out.push(el.getAttribute("alt"));
  // what a screen reader says for an element: its aria-label (Streamlit's own in English unless
  // words.js puts the page's language in), on whatever is drawn or inside the drawn sidebar
  for (const el of document.querySelectorAll("[aria-label]")) {
    if (seen(el) || seen(el.closest('[data-testid="stSidebar"]'))) out.push(el.getAttribute("aria-label"));
  }
  for (const el of document.querySelectorAll("[aria-valuetext]")) if (seen(el)) out.push(el.getAttribute("aria-valuetext"));
  // and what the page announces (a select box's "6 options available." while its list is open)
  for (const el of document.querySelectorAll("[data-live-announcer] [role=log]")) out.push(el.textContent);
  return out;
}"""

# Names of products and keys, the same in both languages
NAMES = {"streamlit", "chromium", "axe", "core", "enter", "wcag", "https", "http", "wi", "fi", "parquet"}
LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’._-]*")
URL = re.compile(r"\bhttps?://\S+")
GEORGIAN = re.compile(r"[\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f]+")


def foreign_words(texts: list[str], lang: str, allowed: set[str]) -> list[str]:
    """Words in the other language's script that are not codes, numbers or people's text."""
    found = []
    other_name = i18n.t("en" if lang == "ka" else "ka", "language.name").casefold()
    for text in texts:
        for match in (LATIN if lang == "ka" else GEORGIAN).finditer(URL.sub(" ", text)):  # an address is a code
            word = match.group(0).strip("'’._-")
            if lang == "ka" and not re.search("[A-Za-z]", word):
                continue  # a number
            if lang == "ka" and (any(c.isdigit() or c == "." for c in word) or (word.isupper() and len(word) >= 2)):
                continue  # a code, a file's name or an abbreviation (PDF, CSV, QR, 2X-..., rollup.duckdb)
            letters = WORD.findall(word.casefold())
            if all(w in allowed or w in NAMES or w == other_name for w in letters):
                continue
            found.append(f"{word!r} in {text.strip()[:80]!r}")
    return found


AXE = Axe()
# WCAG 2.0-2.2 A and AA rules, and the heading order (a best practice axe-core rates moderate);
# an explicitly enabled rule runs whatever runOnly says.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "rules": {"heading-order": {"enabled": True}},
    "resultTypes": ["violations"],
}
# Checked as failures: every critical and serious violation, and skipped heading levels.
ALSO_FAILING = {"heading-order"}


async def axe_problems(page) -> list[str]:
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE.axe_script)
    results = await page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
    problems = []
    for v in results["violations"]:
        if v["impact"] in ("critical", "serious") or v["id"] in ALSO_FAILING:
            targets = [" ".join(map(str, n["target"]))[-120:] for n in v["nodes"][:3]]
            summary = v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:300]
            problems.append(f"{v['id']} ({v['impact']}): {targets} {summary}")
    return problems


# A page is ready when its run is over, its title (the page's name in the catalog) and language
# are the ones asked for and its heading is drawn.
READY_JS = """([title, lang]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app ? app.getAttribute("data-test-script-state") : "notRunning";
  return state === "notRunning" && document.title.startsWith(title) && document.documentElement.lang === lang
    && document.querySelector("h1") !== null
    && (app === null || document.getElementById("forum-a11y") !== null);  // /results is a plain page
}"""


async def visit(page, base: str, name: str, lang: str) -> None:
    """Open a page as a person does: in the other language by the sidebar's language switch, another
    page by its link in the sidebar (neither loads the app again); else by its address."""
    link = page.locator(f'[data-testid="stSidebar"] a[href="{name}"]')  # Streamlit's links are relative
    switch = page.locator('[data-testid="stSidebar"] .st-key-lang_choice')
    here = urlparse(page.url).path.strip("/") == name
    opener = page.locator('[data-testid="stExpandSidebarButton"]')  # a tablet's folded sidebar: its »
    if here and f"lang={lang}" not in page.url and (await switch.is_visible() or await opener.is_visible()):
        # a message said before in the other language (a toast, for a few seconds) is gone first: it
        # stays in the words it was said in
        await page.locator('[data-testid="stToast"]').first.wait_for(state="detached", timeout=30_000)
        if await opener.is_visible():
            await opener.click()
        await switch.get_by_role("radio", name=i18n.t(lang, "language.name")).click()
    elif f"lang={lang}" in page.url and await link.count() and await link.first.is_visible():
        await link.first.click()
    else:
        await page.goto(f"{base}/{name}?lang={lang}")
    title = i18n.t(lang, TITLES.get(name, f"nav.{name}"))
    # looked at every 50 ms, not at every animation frame (Playwright's default): a frame loop keeps
    # the page's renderer drawing while the run is still on its way
    await page.wait_for_function(READY_JS, arg=[title, lang], polling=50, timeout=60_000)


TITLES = {"results": "results.title"}  # a page that names itself (with the forum's title)


# Buttons whose label does not fit: Streamlit cuts it with "…" unless ui/components/a11y.css lets it wrap
CUT_LABELS_JS = """() => [...document.querySelectorAll('[data-testid^="stBaseButton"] [data-testid="stMarkdownContainer"]')]
  .filter((el) => el.checkVisibility() && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.innerText)"""  # (in a closed sidebar, 0 px wide, every label overflows)

STATE_JS = """() => [location.href, document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state"),
  document.title, document.documentElement.lang, document.querySelectorAll("h1").length, document.body.innerText.slice(0, 300)]"""
ROLES = ("organizer", "desk", "facilitator", "expert", "moderator", "projector", "public")
# the names given to elements that hold the member's words (kept: "Remove Help Open"; rewritten as
# Streamlit's "Remove {x}" would be: "წაშლა: Help Open")
NAMED_JS = """() => [...document.querySelectorAll("[aria-label]")].map((e) => e.getAttribute("aria-label"))
  .filter((label) => label.includes("Help Open") || label.includes("Remove Help"))"""
# what a screen reader would hear with Markdown's escapes in it ("Open\-Door"): people's text is
# escaped for Markdown in labels (ui/text.py md), never in the names read out
ESCAPED_JS = """() => [...document.querySelectorAll("[aria-label]")].map((e) => e.getAttribute("aria-label"))
  .filter((label) => /\\\\[!-\\/:-@\\[-`{-~]/.test(label))"""


async def check_role(browser, forum_day: dict, role: str, langs: tuple[str, ...] = LANGS) -> list[str]:
    """One device of this role: every page it opens, in Georgian then in English (or in ``langs``)."""
    base, token = forum_day["base"], forum_day["tokens"].get(role)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    if token:
        host = base.split("//")[1].split(":")[0]
        await context.add_cookies([{"name": "forum_device", "value": token, "domain": host, "path": "/"}])
    page = await context.new_page()
    page.set_default_timeout(60_000)  # seven devices' first pages at once took 15-40 s on a busy machine
    problems = []
    try:
        for turn, lang in enumerate(langs):
            # the second language in the opposite order: it starts on the page the first ended on,
            # switched by the sidebar's language switch
            for name in pages_of(role) if turn % 2 == 0 else pages_of(role)[::-1]:
                where = f"{role} {lang} /{name}"
                try:
                    await visit(page, base, name, lang)
                except Exception:
                    # seen on a busy machine: a fresh context's first page whose components (the
                    # language, Streamlit's words) never ran; a reload brings them
                    try:
                        await page.goto(f"{base}/{name}?lang={lang}")
                        await visit(page, base, name, lang)
                    except Exception:
                        problems.append(f"{where}: not ready: {await page.evaluate(STATE_JS)}")
                        continue
                problems += [f"{where}: {p}" for p in await axe_problems(page)]
                if role == "facilitator" and name == "facilitator":
                    with contextlib.suppress(Exception):  # the member's box, once drawn (else reported below)
                        await page.wait_for_function(f"() => ({NAMED_JS})().length > 0", polling=100, timeout=10_000)
                    named = await page.evaluate(NAMED_JS)
                    if not named or any("Remove Help" not in label for label in named):
                        problems.append(f"{where}: a member's name as a screen reader hears it: {named}")
                problems += [f"{where}: Markdown's escape read out: {n!r}" for n in await page.evaluate(ESCAPED_JS)]
                problems += [f"{where}: button label cut: {label!r}" for label in await page.evaluate(CUT_LABELS_JS)]
                problems += [f"{where}: a field's hint cut: {hint!r}" for hint in await page.evaluate(CUT_PLACEHOLDERS)]
                texts = await page.evaluate(VISIBLE_TEXT_JS)
                problems += [f"{where}: {w}" for w in foreign_words(texts, lang, forum_day["words"])]
    finally:
        await context.close()
    return problems


async def check_every_role(forum_day: dict) -> list[str]:
    """All roles' devices side by side (one browser, a context each), as on the forum day."""
    from playwright.async_api import async_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(playwright), args=CHROMIUM_ARGS)
        try:
            found = await asyncio.gather(*(check_role(browser, forum_day, role) for role in ROLES))
        finally:
            await browser.close()
    return [p for role_problems in found for p in role_problems]


def test_every_page_as_every_role_in_both_languages_is_accessible_and_in_its_language(forum_day):
    """Axe-core: no critical or serious violation and no skipped heading level; the visible text in
    the page's language (see the module's docstring)."""
    outcome: dict = {}

    def run() -> None:  # Playwright's async API in a thread of its own: a sync browser keeps its own loop
        try:
            outcome["found"] = asyncio.run(check_every_role(forum_day))
        except BaseException as error:  # noqa: BLE001 (raised again below, in the test's thread)
            outcome["error"] = error

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    assert outcome["found"] == [], "\n".join(outcome["found"])
