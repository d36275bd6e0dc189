"""The public results page (``/results``, ui/public_results.py), over HTTP with Starlette's TestClient.

Phones open it from the projector's QR code: finalised priorities and initiative headlines, never
a person's name or data, nothing while the moderator hides results; made once per change and
refreshed with conditional requests (ETag, 304).
"""

import gzip
import re
from html.parser import HTMLParser

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core import plenary, report
from forum_core.db import Actor
from forum_core.i18n import t
from tests.conftest import ORGANIZER
from ui import api, public_results, runtime

MODERATOR = Actor("moderator", "stage")
HOSTILE_FIRST, HOSTILE_LAST = "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'


@pytest.fixture
def client():
    return TestClient(Starlette(routes=api.ROUTES))


def get(client, lang=None, **headers):
    answer = client.get("/results" + (f"?lang={lang}" if lang else ""), headers=headers)
    assert answer.status_code in (200, 304), answer.text
    return answer


class Outline(HTMLParser):
    """The page as a screen reader meets it: headings in order, the html element's lang."""

    def __init__(self):
        super().__init__()
        self.headings, self.lang, self.title, self._in_title = [], None, "", False

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_before_any_result_in_georgian_by_default_with_a_link_to_english(demo_db, client):
    body = get(client).text
    outline = Outline()
    outline.feed(body)
    assert outline.lang == "ka" and outline.title.startswith(t("ka", "results.title"))
    assert t("ka", "results.none_yet") in body and "<li>" not in body
    assert 'href="/results?lang=en"' in body and t("en", "language.name") in body
    assert '<meta http-equiv="refresh"' in body and "<noscript>" in body  # updates without JavaScript too
    english = get(client, "en").text
    assert '<html lang="en"' in english and t("en", "results.none_yet") in english
    assert 'href="/results?lang=ka"' in english
    assert get(client, "xx").text == body  # an unknown language: Georgian


def test_priorities_and_headlines_and_no_person_in_either_language(swing_db, client):
    from tests.pages.conftest import app_database

    db = app_database()
    everyone = people.all_active(db.cursor(), 1)
    groups = forum_mod.groups(db.cursor(), 1)
    presenters = [dl.presenter(db.cursor(), g["id"]) for g in groups[:8]]
    assert all(presenters)
    # two presenters with names a page must never show, as text or as markup
    for person, (first, last) in zip(presenters[:2], [(HOSTILE_FIRST, HOSTILE_LAST), ("ნინო", "ბოროტაშვილი")]):
        before = people.get(db.cursor(), person["id"])
        raw = {**before, "first_name": first, "last_name": last, "group": before["group_id"]}
        assert people.update(db, ORGANIZER, person["id"], raw, before["version"]).ok
    everyone = people.all_active(db.cursor(), 1)
    for lang in ("ka", "en"):
        shown = get(client, lang).text
        assert shown.count("<li>") == 8 * 5
        assert "სოფლის გზები დაზიანებულია" in shown and "2028 წლის ბოლომდე" in shown
        assert t(lang, "results.count", done=8, total=10, count=10) in shown
        # each priority's pebbles say what they are (a bare "· 9" meant nothing to a resident)
        top = dl.priorities(db.cursor(), groups[0]["id"])[0]
        assert (
            f'{top["title"]}</span> <span class="peb">· {t(lang, "results.pebble_count", count=top["pebbles"])}<'
            in shown
        )
        assert "<img" not in shown and "alert(1)" not in shown and "ბოროტაშვილი" not in shown
        for person in everyone:
            assert person["phone"] not in shown
            assert person["phone"][-6:] not in re.sub(r"\s", "", shown)
            if person["needs"]:
                assert person["needs"] not in shown
            assert f"{person['first_name']} {person['last_name']}" not in shown
        for person in presenters:
            assert person["last_name"] not in shown
        assert t(lang, "plenary.presenter") not in shown
        assert not re.search(r"\b19[3-9]\d\b|\b200\d\b", shown)  # no birth years


def test_the_page_follows_the_moderators_hide(swing_db, client):
    shown = get(client, "en").text
    assert shown.count("<li>") == 8 * 5
    assert plenary.set_revealed(runtime.database(), MODERATOR, 1, False).ok
    hidden = get(client, "en").text
    assert "<li>" not in hidden and "სოფლის გზები დაზიანებულია" not in hidden
    assert t("en", "plenary.hidden") in hidden
    assert plenary.set_revealed(runtime.database(), MODERATOR, 1, True).ok
    assert get(client, "en").text.count("<li>") == 8 * 5


def test_the_mayors_answers_after_the_reporting_forum(swing_db, client):
    db = runtime.database()
    report.sync(db, ORGANIZER, 1)
    rec = report.recommendations(db.cursor(), 1)[0]
    assert report.record_answer(db, ORGANIZER, rec["id"], {"status": "included", "amount": 40000}).ok
    shown = get(client, "ka").text
    assert t("ka", "report.status_included") in shown and "40\u00a0000\u00a0₾" in shown
    assert shown.count('class="status') == 1


def test_etag_304_gzip_and_one_page_per_change(swing_db, client):
    first = get(client, "ka")
    etag = first.headers["etag"]
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', etag)  # weak: the same for the gzipped and the plain page
    assert f'data-etag="W/&#34;{etag[3:-1]}&#34;"' in first.text  # the script sends it back
    assert first.headers["cache-control"] == "no-cache"
    assert "script-src 'sha256-" in first.headers["content-security-policy"]
    made = public_results.made
    for _ in range(30):  # thirty phones refreshing: nothing changed, nothing sent, nothing made
        again = get(client, "ka", **{"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert get(client, "ka", **{"If-None-Match": f'{etag[2:]}, "other"'}).status_code == 304
    assert get(client, "ka", **{"If-None-Match": '"other"'}).status_code == 200
    for _ in range(10):
        assert get(client, "ka").text == first.text
    assert public_results.made == made  # the page was made once, before this loop
    raw = client.get("/results?lang=ka", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and raw.text == first.text
    assert gzip.decompress(public_results.page(runtime.database(), "ka").gzipped).decode() == first.text

    assert public_results.cached(runtime.database(), "ka").etag == etag  # served without a thread
    # hiding the results is a change: a new page, once
    assert plenary.set_revealed(runtime.database(), MODERATOR, 1, False).ok
    assert public_results.cached(runtime.database(), "ka") is None  # the next request makes it
    changed = get(client, "ka", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert public_results.made == made + 1
    for _ in range(10):
        assert get(client, "ka", **{"If-None-Match": changed.headers["etag"]}).status_code == 304
    assert public_results.made == made + 1


def test_headings_in_order_contrast_and_a_narrow_screen(swing_db, client):
    body = get(client, "ka").text
    outline = Outline()
    outline.feed(body)
    levels = outline.headings
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    style = body.split("<style>")[1].split("</style>")[0]
    assert "overflow-wrap: anywhere" in style and not re.search(r"\b(width|min-width):\s*\d{3,}px", style)
    for colour in re.findall(r"(?<!-)color:\s*#([0-9a-f]{6})", style):  # text colours, on white
        ratio = (1.05) / (luminance(colour) + 0.05)
        assert ratio >= 4.5, (colour, ratio)


def test_no_catalog_key_shows_instead_of_words(swing_db, client):
    from tests.pages.test_no_raw_keys import ALLOWED, KEY_LIKE

    for lang in ("ka", "en"):
        body = get(client, lang).text.split("<body>")[1].split("<script>")[0]
        words = re.sub(r"<[^>]+>", " ", body)
        assert not [k for k in KEY_LIKE.findall(words) if not ALLOWED.search(k)], lang
