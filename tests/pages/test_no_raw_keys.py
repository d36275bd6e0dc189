"""No page ever shows a catalog key instead of words (like "fac.weaknesss"), in either language.

Every page is opened as the role that uses it, on a forum in full swing (groups finalised,
recommendations made), and every text the page shows is collected: headings, text,
captions, alerts, widget labels, options, placeholders, help, table headers, HTML. A text
that is a catalog key, or looks like one (``word.word_word``), fails the test.
"""

import re

import pytest

from forum_core import deliberation as dl
from forum_core import i18n
from tests.pages.conftest import open_app

KEY_LIKE = re.compile(r"\b[a-z]{2,}\.[a-z_]+[a-z]\b")
PAGES = [
    ("setup", "organizer", None),
    ("participants", "organizer", None),
    ("access", "organizer", None),
    ("audit", "organizer", None),
    ("registration", "desk", None),
    ("facilitator", "facilitator", 1),
    ("facilitator", "expert", 2),
    ("overview", "moderator", None),
    ("control", "moderator", None),
    ("plenary", "projector", None),
    ("report", "organizer", None),
    ("compare", "organizer", None),
]
# Texts that look like keys but are not: addresses, file names, e-mail domains.
ALLOWED = re.compile(r"\.(py|pdf|csv|xlsx|xls|ods|zip|duckdb|toml|json|ge|com|org)\b|://")


def shown_texts(at) -> list[str]:
    out = []
    for kind in (
        "markdown",
        "error",
        "warning",
        "success",
        "info",
        "caption",
        "title",
        "subheader",
        "header",
        "text",
        "metric",
        "exception",
    ):
        out += [str(getattr(e, "value", "")) for e in getattr(at, kind, [])]
    for kind in (
        "button",
        "text_input",
        "text_area",
        "selectbox",
        "multiselect",
        "radio",
        "checkbox",
        "toggle",
        "number_input",
        "date_input",
        "time_input",
        "tabs",
        "expander",
        "segmented_control",
    ):
        for e in at.get(kind):
            proto = e.proto
            for field in ("label", "placeholder", "help"):
                out.append(str(getattr(proto, field, "") or ""))
            out += [str(o) for o in getattr(proto, "options", [])]
    for e in at.get("html"):
        body = re.sub(r"<style.*?</style>", " ", e.proto.body, flags=re.S)  # CSS classes are not words
        out.append(re.sub(r"<[^>]+>", " ", body))
    for e in at.get("arrow_data_frame"):
        out.append(str(e.proto))
    return [x for x in out if x]


@pytest.fixture
def finished_demo_db(db_file, finished_forum_file):
    """The demo forum after its day (every group finalised, recommendations made)."""
    import shutil

    shutil.copyfile(finished_forum_file, db_file)
    return db_file


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_no_page_shows_a_catalog_key(finished_demo_db, lang):
    keys = set(i18n.catalog("en")) | set(i18n.catalog("ka"))
    found = {}
    prefixes = {k.split(".")[0] for k in keys}
    for page, role, group in PAGES:
        at = open_app(lang, f"pages/{page}.py", role=role, group_number=group)
        seen = shown_texts(at)
        if page == "facilitator":  # every step of the group's work
            for step in ("who",) + dl.STEPS:
                at.segmented_control(key="fac_step").set_value(step).run()
                seen += shown_texts(at)
        for text in seen:
            for word in KEY_LIKE.findall(text):
                if word in keys or (not ALLOWED.search(text) and word.split(".")[0] in prefixes):
                    found.setdefault(page, set()).add(word)
    assert not found, found


def test_no_table_says_none_for_an_empty_cell(finished_demo_db):
    """Streamlit writes "None" in an empty cell unless told otherwise (seen in the answers' editor on
    a Georgian page): every table and table editor of the organizer's pages gives "—"."""
    from tests.pages.conftest import open_app

    seen = 0
    for page in ("setup", "participants", "overview", "audit", "report", "facilitator"):
        at = open_app("ka", f"pages/{page}.py")
        for table in at.dataframe:
            seen += 1
            assert table.proto.placeholder == "—", (page, table.proto.id)
    assert seen >= 8
