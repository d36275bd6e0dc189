"""No page draws a read-only table without rows: Streamlit writes its English word "empty" across
such a table (on the table's canvas, seen in Chromium on the Georgian vote step of a group with no
problem yet), and no setting changes it. Where a table has nothing to show, the page says so in its
own language (ui/widgets.py ``table``).

Every step of a group's tablet before the group has worked, the expert's briefing with no budget
program entered, the organizer's search that finds nobody and the audit filtered to nothing, in
Georgian and in English.
"""

from __future__ import annotations

import pytest

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.i18n import t
from tests.conftest import ORGANIZER, SETTINGS
from tests.pages.conftest import app_database, open_app, texts

STEPS = ("who",) + dl.STEPS


def empty_tables(at) -> list[str]:
    """The read-only tables on the page that have no row (data editors are left out: a person adds
    rows to those)."""
    return [
        element.proto.id or "(no key)"
        for element in at.dataframe
        if element.proto.editing_mode == element.proto.EditingMode.READ_ONLY and len(element.value) == 0
    ]


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_a_search_that_finds_nobody_and_an_audit_filtered_to_nothing_say_so(demo_db, lang):
    at = open_app(lang, "pages/participants.py")
    at.text_input(key="search").set_value("ჟჟჟჟ").run()
    assert not at.exception, at.exception
    assert empty_tables(at) == []
    assert t(lang, "participants.none_found") in texts(at)

    at = open_app(lang, "pages/audit.py")
    at.selectbox(key="audit_role").set_value("moderator").run()  # nothing has been done as the moderator
    assert not at.exception, at.exception
    assert empty_tables(at) == []
    assert t(lang, "audit.none") in texts(at)


def new_forum() -> None:
    """A forum just made: one group, no participant, no budget program, nothing done."""
    drafts = [forum_mod.GroupDraft(number=1, name="სოციალური", field="სოციალური დაცვა", room="101")]
    assert forum_mod.create_forum(app_database(), ORGANIZER, SETTINGS, None, drafts).ok


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_no_empty_table_on_a_group_tablet_before_its_work(db_file, lang):
    open_app(lang, "pages/setup.py")  # opens the database the app uses
    new_forum()
    at = open_app(lang, "pages/facilitator.py", role="facilitator", group_number=1)
    seen = {}
    for step in STEPS:
        at.segmented_control(key="fac_step").set_value(step).run()
        assert not at.exception, (step, at.exception)
        assert empty_tables(at) == [], f"an empty table on the step {step}"
        seen[step] = texts(at)
    assert t(lang, "fac.no_programs") in seen["briefing"]
    assert t(lang, "fac.no_problems_yet") in seen["problems"]
    assert t(lang, "fac.no_problems_yet") in seen["vote"]  # the ranking, before any problem
    # "who is here": a search for a member of another group that finds nobody says so
    at.segmented_control(key="fac_step").set_value("who").run()
    at.text_input(key="take_in_query").set_value("ჟჟჟჟ").run()
    assert t(lang, "fac.take_in_none") in texts(at)


def test_every_page_of_a_new_forum_has_no_empty_table(db_file):
    open_app("ka", "pages/setup.py")
    new_forum()
    for page, role, group in (
        ("participants", "organizer", None),
        ("access", "organizer", None),
        ("audit", "organizer", None),
        ("report", "organizer", None),
        ("registration", "desk", None),
        ("overview", "moderator", None),
        ("control", "moderator", None),
    ):
        at = open_app("ka", f"pages/{page}.py", role=role, group_number=group)
        assert not at.exception, (page, at.exception)
        assert empty_tables(at) == [], f"an empty table on /{page}"
        if page == "participants":  # nobody yet: not "nobody matches this search"
            assert t("ka", "participants.none_yet") in texts(at)
