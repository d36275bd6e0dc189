"""The moderator's control page drives what every projector shows."""

import os

from markupsafe import escape  # as the templates escape (ui/render.py)

from forum_core import forum as forum_mod
from forum_core import plenary
from forum_core.db import Actor
from forum_core.i18n import t
from tests.pages.conftest import open_app
from tests.pages.test_plenary_page import day_db, html, screens  # noqa: F401  (fixture)

PAGE = "pages/control.py"


def app_db():
    from ui import runtime

    return runtime.database(os.environ["FORUM_DB"])


def button(at, label):
    return next(b for b in at.button if b.label == label)


def state():
    return plenary.screen_state(app_db().cursor(), 1)


def test_control_drives_the_projector(day_db):  # noqa: F811
    control = open_app("en", PAGE, role="moderator")
    projector = open_app("ka", "pages/plenary.py", role="projector")
    groups = forum_mod.groups(app_db().cursor(), 1)

    control.segmented_control(key="control_mode").set_value("presenting").run()
    assert state().mode == "presenting"
    button(control, t("en", "control.next")).click().run()
    assert state().presenting == groups[1]["id"]
    projector.run()
    assert f"2. {groups[1]['name']}" in html(projector) and "7:00" in html(projector)

    button(control, t("en", "control.start")).click().run()
    assert state().timer.running
    button(control, t("en", "control.pause")).click().run()
    assert not state().timer.running
    button(control, t("en", "control.previous")).click().run()
    button(control, t("en", "control.previous")).click().run()  # already first: a message, nothing changes
    assert state().presenting == groups[0]["id"]
    assert t("en", "control.reason_end_of_order") in [w.value for w in control.warning]

    control.selectbox(key="control_group").set_value(groups[5]["id"]).run()
    assert state().presenting == groups[5]["id"]
    control.button(key=f"order_up_{groups[5]['id']}").click().run()
    assert state().order.index(groups[5]["id"]) == 4

    control.number_input(key="slot_minutes").set_value(5)
    button(control, t("en", "button.save")).click().run()
    assert state().slot_s == 300
    # past the limit: refused with the page's words (the box has no limit of its own, whose refusal
    # in the browser left the form saving nothing without a word)
    control.number_input(key="slot_minutes").set_value(500)
    button(control, t("en", "button.save")).click().run()
    said = "\n".join(e.value for e in control.error)
    assert t("en", "error.out_of_range", min=1, max=60) in said, said
    assert state().slot_s == 300

    control.toggle(key="control_revealed").set_value(False).run()
    assert not state().revealed
    control.segmented_control(key="control_mode").set_value("wall").run()
    projector.run()
    body = html(projector)
    assert body.count(t("ka", "plenary.hidden")) == 10
    assert not control.exception


def test_two_projectors_follow_the_same_control(day_db):  # noqa: F811
    control = open_app("ka", PAGE, role="moderator")
    hall, overflow = (
        open_app("ka", "pages/plenary.py", role="projector"),
        open_app("en", "pages/plenary.py", role="projector"),
    )
    control.segmented_control(key="control_mode").set_value("summary").run()
    hall.run()
    overflow.run()
    assert str(escape(t("ka", "plenary.summary_title"))) in html(hall)
    assert str(escape(t("en", "plenary.summary_title"))) in html(overflow)


def test_the_moderator_sees_the_projector_now_and_after_the_next_step(day_db):  # noqa: F811
    groups = forum_mod.groups(app_db().cursor(), 1)
    plenary.set_mode(app_db(), Actor("moderator", "stage"), 1, "presenting")
    control = open_app("en", PAGE, role="moderator")
    now, coming = screens(control)
    assert now["box_width"] == 1280 and now["box_height"] == 720 and now["shown_width"] < 1280  # drawn small
    assert f"1. {escape(groups[0]['name'])}</h1>" in now["html"]
    assert f"2. {escape(groups[1]['name'])}</h1>" in coming["html"]  # what "Next" will show
    captions = [c.value for c in control.caption]
    assert (
        t("en", "control.preview_next", what=f"{t('en', 'control.mode_presenting')}: 2. {groups[1]['name']}")
        in captions
    )

    # the same screen as a projector's (in the projector's language)
    projector = open_app("en", "pages/plenary.py", role="projector")
    assert screens(projector)[0]["html"] == now["html"]

    # a screen too long for one: the moderator turns its pages, every projector follows
    control.button(key="control_page_on").click().run()
    assert state().page == 1
    projector.run()
    assert screens(projector)[0]["page"] == 1
    control.button(key="control_page_back").click().run()
    control.button(key="control_page_back").click().run()  # already on the first page: nothing changes
    assert state().page == 0 and not control.exception
