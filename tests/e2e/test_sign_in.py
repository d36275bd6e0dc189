"""Signing in from "/" survives a reload, and the device cookie is out of page scripts' reach.

The sign-in form hands the device's token to the app's HTTP route (/api/device), whose
answer sets the cookie HttpOnly and SameSite=Strict; no page script ever sees it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum_core.i18n import t
from tests.e2e.conftest import ORGANIZER_CODE

pytestmark = pytest.mark.e2e
expect.set_options(timeout=20_000)


@pytest.mark.parametrize("lang", ["ka"])
def test_sign_in_from_the_root_holds_after_a_reload_and_the_cookie_is_http_only(browser, app_server, lang):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{app_server}/?lang={lang}")
    expect(page.get_by_role("heading", name=t(lang, "access.sign_in_title"))).to_be_visible()
    page.locator("input[type=password]").fill(ORGANIZER_CODE)
    page.locator(".st-key-sign_in_label input").fill("ლეპტოპი")
    page.get_by_role("button", name=t(lang, "access.sign_in"), exact=True).click()
    signed_in = page.get_by_text(t(lang, "access.signed_in_as", role=t(lang, "role.organizer"), label="ლეპტოპი"))
    expect(signed_in).to_be_visible()  # on the organizer's page

    page.wait_for_url("**/setup**")  # via /api/device, whose answer set the cookie
    cookie = next(c for c in context.cookies() if c["name"] == "forum_device")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["expires"] > 0  # kept by the browser for the day, not for this tab only
    assert "forum_device" not in page.evaluate("document.cookie")  # page scripts cannot read it

    for _ in range(2):
        page.reload()
        expect(signed_in).to_be_visible()
        assert not page.get_by_role("heading", name=t(lang, "access.sign_in_title")).is_visible()

    page.get_by_role("button", name=t(lang, "access.sign_out")).click()
    expect(page.get_by_role("heading", name=t(lang, "access.sign_in_title"))).to_be_visible()
    page.wait_for_url("**/signin**")  # via /api/signout, whose answer cleared the cookie
    assert not any(c["name"] == "forum_device" for c in context.cookies())
    page.reload()
    expect(page.get_by_role("heading", name=t(lang, "access.sign_in_title"))).to_be_visible()
    context.close()
