"""The projector page in each of its modes, driven by the moderator's state."""

import os
import re
from datetime import datetime, timedelta

import pytest

from forum_core import deliberation as dl
from forum_core import demo, plenary
from forum_core import forum as forum_mod
from forum_core.db import Actor, Database
from forum_core.i18n import t
from tests.conftest import ORGANIZER
from tests.pages.conftest import open_app

PAGE = "pages/plenary.py"
MODERATOR = Actor("moderator", "stage")


@pytest.fixture
def day_db(swing_db):
    """The demo forum with groups 1-8 finalised, copied before the app opens the file."""
    return swing_db


def app_db():
    from ui import runtime

    return runtime.database(os.environ["FORUM_DB"])


def screens(at) -> list[dict]:
    """The projector screens on a page (ui/projector.py): the data each one's component got."""
    import json

    return [
        json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name.endswith("forum_projector")
    ]


def html(at) -> str:
    """Everything the page shows as HTML: its st.html pieces and its projector screens."""
    return "\n".join([e.value for e in at.get("html")] + [d["html"] for d in screens(at)])


def test_welcome_shows_title_agenda_and_arrivals(day_db):
    at = open_app("ka", PAGE, role="projector")
    body = html(at)
    assert "თელავის მოსახლეობის ფორუმი 2027" in body
    assert "80 / 117" in body  # checked in / expected
    assert "display: none" in body  # no sidebar, header or toolbar on the projector
    (screen,) = screens(at)  # one screen, fitted to the window in the browser (ui/components/projector.js)
    assert screen["min_ratio"] > 0 and "box_width" not in screen and screen["page"] == 0
    arrivals = re.findall(r'class="bar-value"[^>]*>(\d+) / (\d+)<', screen["html"])
    assert len(arrivals) == 10  # a bar per group
    assert sum(int(c) for c, _ in arrivals) == 80 and sum(int(e) for _, e in arrivals) == 117
    assert 'src="data:image/png;base64,' in body and "/results?lang=ka" in body  # the phones' QR code


def test_wall_shows_every_group_and_who_is_still_working(day_db):
    plenary.set_mode(app_db(), MODERATOR, 1, "wall")
    at = open_app("en", PAGE, role="projector")
    body = html(at)
    groups = forum_mod.groups(app_db().cursor(), 1)
    for g in groups:
        assert f"{g['number']}. {g['name']}" in body
    assert body.count(t("en", "plenary.working")) == 2
    first_top = dl.priorities(app_db().cursor(), groups[0]["id"])
    assert first_top[0]["title"] in body
    assert body.count("<li>") == 8 * 5

    plenary.set_revealed(app_db(), MODERATOR, 1, False)
    at.run()
    body = html(at)
    assert first_top[0]["title"] not in body and body.count(t("en", "plenary.hidden")) == 10


def test_newly_finalised_group_appears_on_the_next_refresh(day_db):
    plenary.set_mode(app_db(), MODERATOR, 1, "wall")
    at = open_app("ka", PAGE, role="projector")
    assert html(at).count(t("ka", "plenary.working")) == 2
    demo.simulate_group_work(app_db(), ORGANIZER, 1, group_numbers=[9])
    at.run()  # a whole run (a reconnect); the screen asks /api/screen each second (tests/pages/test_api.py)
    assert html(at).count(t("ka", "plenary.working")) == 1


def test_presenting_shows_group_chart_initiatives_presenter_and_timer(day_db):
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[2]
    plenary.set_mode(db, MODERATOR, 1, "presenting")
    plenary.present_group(db, MODERATOR, 1, group["id"])
    at = open_app("ka", PAGE, role="projector")
    body = html(at)
    assert f"{group['number']}. {group['name']}" in body and group["field"] in body
    assert dl.presenter(db.cursor(), group["id"])["last_name"] in body
    assert re.search(r'class="timer ok"[^>]*>7:00<', body)
    top = dl.priorities(db.cursor(), group["id"])
    headline = dl.initiative(db.cursor(), group["id"], top[0]["problem_id"])
    assert headline["goal"] in body
    pebbles = re.findall(r'class="bar-value"[^>]*>(\d+)<', body)  # a bar per priority, in rank order
    assert [int(n) for n in pebbles] == [p["pebbles"] for p in top]

    # amber in the last minute, red when over: the timer as if started 6.5 and 8 minutes ago
    plenary.start_timer(db, MODERATOR, 1)
    started_ago(db, 390)
    at.run()
    assert re.search(r'class="timer last_minute"[^>]*>0:[23]\d<', html(at))
    started_ago(db, 480)
    at.run()
    assert re.search(r'class="timer over"[^>]*>−1:0\d<', html(at))


def test_summary_shows_totals_and_priorities_by_field(day_db):
    plenary.set_mode(app_db(), MODERATOR, 1, "summary")
    at = open_app("en", PAGE, role="projector")
    body = html(at)
    snap = plenary.snapshot(app_db(), 1)
    for value, key in (
        (snap.totals.checked_in, "plenary.total_participants"),
        (snap.totals.problems, "plenary.total_problems"),
        (snap.totals.pebbles, "plenary.total_pebbles"),
        (snap.totals.initiatives, "plenary.total_initiatives"),
    ):
        assert f'<div class="big">{value}</div><div class="sub">{t("en", key)}</div>' in body
    for field_name, _ in plenary.by_field(list(snap.groups)):
        assert f"<h2>{field_name}</h2>" in body


def test_people_text_is_shown_as_text_on_the_projector(demo_db):
    database = Database(demo_db)
    forum_id = forum_mod.current_forum_id(database.cursor())
    forum = forum_mod.get_forum(database.cursor(), forum_id)
    group = forum_mod.groups(database.cursor(), forum_id)[0]
    for title, pebbles in (("<script>alert(1)</script>", 5), ("**bold** [link](http://x)", 3)):
        dl.set_pebbles(database, ORGANIZER, dl.add_problem(database, ORGANIZER, group["id"], title).value, pebbles)
    assert dl.finalise(database, ORGANIZER, forum, group["id"]).ok
    plenary.set_mode(database, MODERATOR, forum_id, "wall")
    database.close()
    body = html(open_app("ka", PAGE, role="projector"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>" not in body
    assert "**bold** [link](http://x)" in body  # st.html does no Markdown: shown as typed


def started_ago(db, seconds: int) -> None:
    """Move the timer's start into the past, through the write path (so the projector's cache follows)."""
    from forum_core.vocabulary import Action

    with db.unit(MODERATOR, Action.PLENARY_TIMER_START) as u:
        u.update("plenary_event", {"happened_at": datetime.now() - timedelta(seconds=seconds)}, "kind = 'timer_start'")


def test_the_projector_keeps_its_picture_with_only_a_small_mark_when_the_laptop_is_away(day_db):
    """Every page mounts the connection watch (ui/components/connection.js, in the page component); the
    projector's is discreet (a mark in a corner), a desk's or tablet's shows the message in its language."""
    import json

    def watch(at) -> dict:
        found = [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == "forum_page"]
        assert len(found) == 1
        return found[0]

    projector = watch(open_app("ka", PAGE, role="projector"))
    assert projector["discreet"] is True and projector["lang"] == "ka"
    desk = watch(open_app("en", "pages/registration.py", role="desk"))
    assert desk["discreet"] is False and desk["offline"] == t("en", "connection.offline")
