"""The organizer's audit page: every change, filtered, and a group's counts at a moment."""

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.db import Actor
from forum_core.i18n import t
from tests.pages.conftest import app_database, open_app


def test_audit_page_filters_and_replays(demo_db):
    at = open_app("en", "pages/audit.py")
    db = app_database()
    group = forum_mod.groups(db.cursor(), 1)[1]
    problem = dl.add_problem(db, Actor("facilitator", "tablet 202", group["id"]), group["id"], "ბაღი").value
    dl.set_pebbles(db, Actor("facilitator", "tablet 202", group["id"]), problem, 4)
    at.run()
    at.selectbox(key="audit_group").set_value(group["id"]).run()
    at.selectbox(key="audit_role").set_value("facilitator").run()
    table = at.dataframe[0].value
    assert len(table) == 2 and set(table.iloc[:, 2]) == {"tablet 202"}
    at.selectbox(key="audit_role").set_value("moderator").run()
    assert [c.value for c in at.caption if c.value == t("en", "audit.none")]  # said, not an empty table
    at.selectbox(key="replay_group").set_value(group["id"]).run()
    replay = at.dataframe[0].value
    assert list(replay.iloc[:, 1]) == [4]
    assert not at.exception
