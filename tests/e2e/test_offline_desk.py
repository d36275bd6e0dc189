"""Desks keep checking people in through a Wi-Fi drop (issue 14), in a real Chromium.

A TCP proxy (tests/e2e/netcut.py) sits between the browsers and ``streamlit run`` and cuts
every connection for 20 s. During that one cut:
  - desk A (Georgian) scans 5 codes with the keyboard only, 2 of them with the focus left
    in another field;
  - desk B (English) scans 2 codes and its page is reloaded (the reload fails: no network);
  - the server itself is killed and started again.
When the network returns, every waiting scan is delivered once: exactly 7 people are
checked in, each once, and each desk shows the cards. Neither page ever shows Streamlit's
developer dialog ("streamlit run", "Is Streamlit still running") during the cut.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from forum_core import access, checkin
from forum_core import forum as forum_mod
from forum_core.db import Actor, Database
from forum_core.i18n import t
from tests.conftest import copy_database
from tests.e2e import scanner as keys
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.netcut import NetCut

pytestmark = pytest.mark.e2e
CUT_SECONDS = 20
ORGANIZER = Actor("organizer", "e2e")
STREAMLIT_WORDS = ("streamlit run", "Is Streamlit still running", "Streamlit server is not responding")


def prepare(path) -> dict:
    """The demo forum (a copy of the session's), two desk devices signed in (their cookies), and
    codes nobody has used."""
    db = Database(path)
    forum_id = forum_mod.current_forum_id(db.cursor())
    tokens = {}
    for desk in ("Desk A", "Desk B"):
        code = access.create_code(db, ORGANIZER, forum_id, "desk", None, desk).value[1]
        tokens[desk] = access.sign_in(db, forum_id, code, desk, f"e2e {desk}", access.Throttle()).token
    present = checkin.checked_in_ids(db.cursor(), forum_id)
    codes = [c for p, c in checkin.tokens_of_forum(db.cursor(), forum_id).items() if p not in present]
    db.close()
    return {"forum_id": forum_id, "tokens": tokens, "codes": codes}


def desk_page(browser, url: str, token: str, lang: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    host = url.split("//")[1].split(":")[0]
    context.add_cookies([{"name": "forum_device", "value": token, "domain": host, "path": "/"}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}/registration?lang={lang}")
    page.bring_to_front()
    expect(page.locator("[data-testid=desk-scan-box]")).to_be_focused()
    return page


def scanner(page, code: str) -> None:
    """A handheld scanner: the code's characters in a burst, then Enter, into whatever has the focus
    (tests/e2e/scanner.py: stamped at a scanner's pace, however loaded the machine)."""
    keys.scan(page, code)


def burst_in_page(page, code: str) -> None:
    """A scanner's burst at a scanner's pace, made in the page: the keys of ``code`` and Enter to
    whatever has the focus, with no gap between them. (Playwright's own typing goes through its
    driver key by key; on a loaded 2-core machine its gaps can reach a person's typing speed.)"""
    page.evaluate(
        """(code) => {
            for (const key of [...code, "Enter"]) {
                const target = document.activeElement || document.body;
                target.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true, cancelable: true}));
            }
        }""",
        code,
    )


def no_developer_dialog(page) -> None:
    text = page.evaluate("document.body.innerText")
    assert not any(words in text for words in STREAMLIT_WORDS), text[:500]


def test_scans_during_a_20_second_cut_are_all_delivered_once(browser, tmp_path, shots, demo_forum_file):
    import streamlit_client as sc

    path = tmp_path / "forum.duckdb"
    data = prepare(copy_database(demo_forum_file, path))
    codes = data["codes"]
    env = {"FORUM_BACKUP_MINUTES": "0", "FORUM_ORGANIZER_CODE": "E2-EORGAN"}
    port = sc.free_port()
    log = ARTIFACTS / "offline-desk.server.log"
    server = sc.server(path, port=port, extra_env=env, log=log)
    process, _ = server.__enter__()
    net = NetCut(port)
    try:
        a = desk_page(browser, net.url, data["tokens"]["Desk A"], "ka")
        b = desk_page(browser, net.url, data["tokens"]["Desk B"], "en")
        shots(a, "desk-a-open")
        shots(b, "desk-b-open")

        # online, with the focus left in the name search: the scan is still a scan, even when the
        # busy tablet handles its first key 400 ms before the others (the keys' stamps tell)
        a.bring_to_front()
        a.get_by_role("tab", name=t("ka", "desk.tab_name")).click()
        search = a.locator(".st-key-name_query input")
        search.click()
        keys.scan(a, codes[0], first_key_late_s=0.4)
        expect(a.locator("[data-testid=desk-card]")).to_have_attribute("data-status", "checked_in")
        assert search.input_value() == ""  # the code did not land in the search box

        net.cut()
        cut_at = time.monotonic()
        for n, code in enumerate(codes[1:6]):
            if n in (1, 3):  # the focus left in another field (Streamlit may have disabled it)
                a.evaluate("document.querySelector('.st-key-desk input')?.focus()")
                burst_in_page(a, code)
            else:
                scanner(a, code)
            a.wait_for_timeout(300)
        expect(a.locator("[data-testid=desk-offline]")).to_be_visible(timeout=10_000)
        expect(a.locator(".forum-desk-banner")).to_contain_text(" 5 ")  # the banner's count, not a code's digit
        expect(a.locator("[data-testid=forum-offline]")).to_be_visible(timeout=10_000)  # the page's own message
        assert a.locator(".forum-desk-waiting li").count() == 5
        no_developer_dialog(a)
        shots(a, "desk-a-offline")

        for code in codes[6:8]:
            scanner(b, code)
            b.wait_for_timeout(300)
        expect(b.locator("[data-testid=desk-offline]")).to_be_visible(timeout=10_000)
        no_developer_dialog(b)
        shots(b, "desk-b-offline")
        with pytest.raises(PlaywrightError):
            b.reload(timeout=5_000)  # no network: the browser's own error page

        # the laptop's app crashes and is started again while the network is still away
        process.kill()
        process.wait()
        server.__exit__(None, None, None)
        server = sc.server(path, port=port, extra_env=env, log=ARTIFACTS / "offline-desk.restarted.server.log")
        process, _ = server.__enter__()

        while time.monotonic() - cut_at < CUT_SECONDS:
            no_developer_dialog(a)
            a.wait_for_timeout(2_000)
        net.restore()

        b.goto(f"{net.url}/registration?lang=en")  # the desk opens the page again
        # how soon is bench/offline_desk.py's to measure (target: 3 s); here only that all arrive, once
        expect(a.locator("[data-testid=desk-offline]")).to_be_hidden()
        expect(a.locator(".forum-desk-waiting li")).to_have_count(0)
        expect(a.locator("[data-testid=desk-card]")).to_contain_text(" ")
        expect(a.locator("[data-testid=desk-card-earlier]")).to_have_count(4)
        expect(b.locator("[data-testid=desk-card]")).to_have_attribute("data-status", "checked_in")
        shots(a, "desk-a-delivered")
        shots(b, "desk-b-delivered")
    finally:
        net.close()
        server.__exit__(None, None, None)

    db = Database(path)
    cur = db.cursor()
    by_code = {c: p for p, c in checkin.tokens_of_forum(cur, data["forum_id"]).items()}
    wanted = {by_code[c] for c in codes[:8]}
    assert checkin.checked_in_ids(cur, data["forum_id"]) >= wanted
    events = dict(
        cur.execute(
            "SELECT participant_id, count(*) FROM checkin_event WHERE kind = 'check_in' GROUP BY participant_id"
        ).fetchall()
    )
    assert all(events[p] == 1 for p in wanted), events  # each once
    assert cur.execute("SELECT count(*) FROM scan_receipt").fetchone()[0] == 8
    db.close()
