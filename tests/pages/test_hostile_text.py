"""People's text is always shown as text (issue 15, part 5).

A corpus of hostile strings (Markdown images and links, raw HTML, ``<script>``, Streamlit's own
directives and LaTeX, right-to-left and zero-width characters, SQL quotes, a very long string)
is written into every kind of text a forum holds (participants' names, groups' names, fields
and rooms, the forum's title, municipality and venue, problems, notes, initiatives, budget
programs, recommendations and the mayor's answers, access-code and device labels), straight into
the database, past every validation. Then every page is opened as every role that may open it
(a facilitator at every step of the group's work) and every text the page shows is read:

- where Streamlit reads Markdown (alerts, captions, markdown, titles, labels, help, radio and
  segmented options, tabs, expanders, dialogs), nothing of the corpus is left unescaped: no
  ``![`` (an image the browser would fetch), no link, no HTML tag, no directive, no formula;
- HTML comes only from the auto-escaping templates: no tag of the corpus in it;
- the strings appear as typed (once the escaping is read back), in the places checked below.
"""

from __future__ import annotations

import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from forum_core import access
from forum_core import deliberation as dl
from tests.pages.conftest import APP, app_database, sign_in_as
from tests.pages.conftest import read as as_read
from tests.pages.traversal import Shown, shown

LINKS = "![x](http://attacker.invalid/x.png) [click](http://attacker.invalid/)"
HTML = "<img src=x onerror=alert(1)> <script>alert(1)</script>"
MARKUP = "**bold** _it_ `code` :red[red] :material/home: $x^2$ # head"
UNICODE = "\u202eevil\u202c \u200bzero\u200dwidth"
SQL = "O'Brien\"; DROP TABLE participant; --"
HOSTILE = [LINKS, HTML, MARKUP, UNICODE, SQL, "ა" * 400]
PAYLOAD = " ".join(HOSTILE[:5])  # every kind of text gets all of them at once, and some get each
DEVICE = "![d](http://attacker.invalid/d.png) <b>desk</b>"  # a device label (60 characters at most)

# What Streamlit would interpret, once the escaped marks (a backslash and the mark) are taken out.
INTERPRETED = ["![", "](http", "<img", "<script", ":red[", ":material/home:", "$x^2$", "**bold**", "`code`"]
ESCAPED_MARK = re.compile(r"\\[!-/:-@\[-`{-~]")
TAGS_IN_HTML = ["<img src=x", "<script>alert"]


def interpreted(text: str) -> list[str]:
    bare = ESCAPED_MARK.sub("", text)
    return [mark for mark in INTERPRETED if mark in bare]


def seed(db) -> dict:
    """The corpus into every kind of text, straight into the database (no validation on the way)."""
    cur = db.cursor()
    forum_id = cur.execute("SELECT max(id) FROM forum").fetchone()[0]
    cur.execute("UPDATE forum SET title = ?, municipality = ?, venue = ?, goals = ?", [PAYLOAD, SQL, HTML, LINKS])
    groups = cur.execute("SELECT id, number FROM working_group WHERE forum_id = ? ORDER BY number", [forum_id])
    groups = {number: gid for gid, number in groups.fetchall()}
    for number, gid in groups.items():
        cur.execute(
            "UPDATE working_group SET name = ?, field = ?, room = ? WHERE id = ?",
            [f"{number} {PAYLOAD}", f"{HOSTILE[number % 5]} field", HOSTILE[(number + 1) % 5][:40], gid],
        )
    people = cur.execute(
        "SELECT id FROM participant WHERE forum_id = ? AND group_id = ? ORDER BY id LIMIT 6", [forum_id, groups[1]]
    ).fetchall()
    for (pid,), text in zip(people, HOSTILE):
        cur.execute("UPDATE participant SET first_name = ?, last_name = ? WHERE id = ?", [text, PAYLOAD, pid])
    cur.execute("UPDATE problem SET title = ? || ' ' || id, detail = ?, competence_note = ?", [PAYLOAD, HTML, LINKS])
    cur.execute("UPDATE assessment_item SET text = ? || ' ' || id", [PAYLOAD])
    cur.execute("UPDATE initiative SET title = ?, goal = ?, actions = ?, partners = ?", [PAYLOAD, LINKS, HTML, SQL])
    cur.execute("UPDATE budget_program SET name = ?, description = ?", [PAYLOAD, HTML])
    cur.execute("UPDATE recommendation SET wording = ? || ' ' || id", [PAYLOAD])
    rec = cur.execute("SELECT min(id) FROM recommendation WHERE forum_id = ?", [forum_id]).fetchone()[0]
    cur.execute(
        "INSERT INTO recommendation_answer (forum_id, recommendation_id, status, program_code, reason, happened_at, "
        "role, device) VALUES (?, ?, 'partly', ?, ?, now(), 'organizer', ?)",
        [forum_id, rec, LINKS[:30], PAYLOAD, HTML],
    )
    cur.execute("UPDATE access_code SET label = ?", [PAYLOAD])
    return {"forum_id": forum_id, "group": groups[1], "people": [p for (p,) in people]}


def open_page(page: str, role: str | None, group_number: int | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = "en"
    if role is not None:
        at.session_state["identity"] = sign_in_as(role, group_number, label=DEVICE)  # the device's label too
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def hostile_db(db_file, finished_forum_file):
    shutil.copyfile(finished_forum_file, db_file)
    return seed(app_database())


def visits():
    """Every page as every role that may open it (the public's pages are plain HTTP routes)."""
    for page, roles in sorted(access.PAGE_ROLES.items()):
        for role in sorted(roles):
            if role == "public" or page in ("results", "accessibility") or role == "facilitator":
                continue
            yield page, role, 2 if role == "expert" else None


def test_hostile_text_is_shown_as_typed_on_every_page(hostile_db):
    seen: dict[str, Shown] = {}
    wrong = []

    def check(where: str, at) -> Shown:
        found = shown(at)
        for text in found.markdown:
            if interpreted(text):
                wrong.append((where, interpreted(text), text[:120]))
        for body in found.html:
            wrong.extend((where, "html", tag) for tag in TAGS_IN_HTML if tag in body)
        seen.setdefault(where.split(":")[0], Shown()).add(found)
        return found

    for page, role, group in visits():
        check(f"{page}:{role}", open_page(page, role, group))
    # a facilitator at every step of the group's work
    at = open_page("facilitator", "facilitator", 1)
    who = check("facilitator:who", at)
    for step in dl.STEPS:
        at.segmented_control(key="fac_step").set_value(step).run()
        check(f"facilitator:{step}", at)
    assert not wrong, wrong[:10]

    # shown as typed: the names in the facilitator's "who is here", the group's name as the title
    names = {as_read(label) for label in who.markdown}
    for text in HOSTILE:
        assert f"{PAYLOAD} {text}" in names, text[:40]
    titles = [as_read(x) for x in seen["facilitator"].markdown]
    assert f"1. 1 {PAYLOAD}" in titles
    read = "\n".join(as_read(x) for s in seen.values() for x in s.markdown + s.plain)
    for text in HOSTILE:
        assert text in read, text[:40]
    assert not [x for s in seen.values() for x in s.plain if "\\!\\[" in x]  # plain text is never escaped


def test_the_public_results_page_escapes_the_corpus(hostile_db):
    """/results is a plain page of the server (ui/public_results.py) made from templates."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from ui import api

    page = TestClient(Starlette(routes=api.ROUTES)).get("/results?lang=en")
    assert page.status_code == 200
    for tag in TAGS_IN_HTML + ['<a href="http://attacker', 'src="http://attacker']:
        assert tag not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text or "&lt;script&gt;" in page.text


def test_the_codes_just_made_show_their_labels_as_typed(hostile_db):
    """The table of new codes (st.table reads its cells as Markdown): a label like a group's "1. Social
    care" stays that text, not a numbered list, and the corpus is escaped."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = "en"
    at.session_state["identity"] = sign_in_as("organizer")
    at.session_state["codes_made"] = [
        {"role": "facilitator", "label": "1. Social care", "group": "1", "code": "2X3Y4Z5W6"},
        {"role": "desk", "label": PAYLOAD, "group": None, "code": "7V8U9T2S3"},
    ]
    at.switch_page("pages/access.py")
    at.run()
    assert not at.exception, at.exception
    cells = [str(v) for row in at.table[0].value.itertuples(index=False) for v in row]
    assert not [c for c in cells if interpreted(c)], cells
    assert "1. Social care" in [as_read(c) for c in cells]
    assert PAYLOAD in [as_read(c) for c in cells]
    assert not [c for c in cells if re.match(r"^\d+\. ", c)]  # no line Markdown would start a list with
