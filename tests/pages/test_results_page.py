"""The public results page: priorities and initiative headlines, never personal data."""

import re

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor, Database
from forum_core.i18n import t
from tests.pages.conftest import open_app, texts
from tests.pages.test_plenary_page import day_db, html  # noqa: F401  (fixture)

PAGE = "pages/results.py"


def test_public_page_before_any_result(demo_db):
    at = open_app("en", PAGE, role=None)
    assert t("en", "results.none_yet") in texts(at)


def test_public_page_shows_priorities_and_no_personal_data(day_db):  # noqa: F811
    database = Database(day_db)
    everyone = people.all_active(database.cursor(), 1)
    presenters = [dl.presenter(database.cursor(), g["id"])["id"] for g in forum_mod.groups(database.cursor(), 1)[:8]]
    database.close()
    for lang in ("ka", "en"):
        at = open_app(lang, PAGE, role=None)
        shown = html(at) + texts(at)
        assert shown.count("<li>") == 8 * 5
        assert "სოფლის გზები დაზიანებულია" in shown and "2028 წლის ბოლომდე" in shown
        for person in everyone:
            assert person["phone"] not in shown
            assert person["phone"][-6:] not in re.sub(r"\s", "", shown)
            if person["needs"]:
                assert person["needs"] not in shown
        # no person's name, presenters included
        named = {f"{p['first_name']} {p['last_name']}" for p in everyone}
        assert {n for n in named if n in shown} == set()
        for person in everyone:
            if person["id"] in presenters:
                assert person["last_name"] not in shown
        assert t(lang, "plenary.presenter") not in shown
        assert not re.search(r"\b19[3-9]\d\b|\b200\d\b", shown)  # no birth years


def test_public_page_follows_the_moderators_hide(day_db):  # noqa: F811
    from forum_core import plenary
    from tests.pages.conftest import app_database

    at = open_app("en", PAGE, role=None)
    assert html(at).count("<li>") == 8 * 5
    assert plenary.set_revealed(app_database(), Actor("moderator", "stage"), 1, False).ok
    at.run()
    shown = html(at) + texts(at)
    assert "<li>" not in shown and "სოფლის გზები დაზიანებულია" not in shown
    assert t("en", "plenary.hidden") in texts(at)
    assert plenary.set_revealed(app_database(), Actor("moderator", "stage"), 1, True).ok
    at.run()
    assert html(at).count("<li>") == 8 * 5
