"""The report page (organizer): recommendations made on opening, the committee's wording, answers, documents."""

import pytest

from forum_core import forum as forum_mod
from forum_core import report
from forum_core.i18n import t
from tests.conftest import ORGANIZER
from tests.pages.conftest import app_database, open_app, texts

PAGE = "pages/report.py"


def public_page(lang: str) -> str:
    """The public results (/results), as a phone gets them from the app's own HTTP route."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from ui import api

    answer = TestClient(Starlette(routes=api.ROUTES)).get(f"/results?lang={lang}")
    assert answer.status_code == 200
    return answer.text


@pytest.fixture(scope="session")
def three_groups_file(tmp_path_factory, demo_forum_built):
    """The demo forum with groups 1-3 finalised and no recommendations yet, built once."""
    from forum_core import demo
    from tests.conftest import build_database

    source, forum_id = demo_forum_built

    def make(database):
        demo.simulate_group_work(database, ORGANIZER, forum_id, group_numbers=[1, 2, 3])
        return forum_id

    return build_database(tmp_path_factory, "three_groups", make, start_from=source)[0]


@pytest.fixture
def finished_file(db_file, three_groups_file):
    """The finished demo forum without recommendations yet: the page makes them (a copy, made
    before the app opens the file)."""
    from tests.conftest import copy_database

    return copy_database(three_groups_file, db_file)


def test_opening_the_page_makes_a_recommendation_of_each_priority(finished_file):
    at = open_app("ka", PAGE)
    db = app_database()
    recs = report.recommendations(db.cursor(), 1)
    assert len(recs) == 15
    assert t("ka", "report.groups_waiting", groups="4, 5, 6, 7, 8, 9, 10") in texts(at)
    table = at.dataframe[0].value  # the whole list, in order
    assert list(table["#"]) == list(range(1, 16))
    assert list(table[t("ka", "report.col_recommendation")]) == [r["text"] for r in recs]
    assert f"**1. {recs[0]['text']}**" in texts(at)  # the first one open to work on
    assert [e.key for e in at.text_area] == [f"wording_{recs[0]['id']}"]
    at.button(key="rec_next").click().run()
    assert [e.key for e in at.text_area] == [f"wording_{recs[1]['id']}"]


def test_the_committee_rewords_and_the_groups_words_stay(finished_file):
    at = open_app("en", PAGE)
    db = app_database()
    first = report.recommendations(db.cursor(), 1)[0]
    at.text_area(key=f"wording_{first['id']}").set_value("Repair the village roads").run()
    after = report.recommendations(db.cursor(), 1)[0]
    assert after["text"] == "Repair the village roads" and after["original"] == first["original"]
    assert t("en", "report.saved") in texts(at)
    at.text_area(key=f"wording_{first['id']}").set_value("").run()  # back to the groups' words
    assert report.recommendations(db.cursor(), 1)[0]["text"] == first["original"]


def test_the_organizers_too_long_are_kept_and_explained_once(finished_file):
    """A refused text is answered once and stays in the field (it was sent again on every run)."""
    at = open_app("en", PAGE)
    pasted = "Telavi municipality and its partners " * 15  # 555 characters, 500 allowed
    at.text_input(key="organizers").set_value(pasted).run()
    assert not at.exception
    assert t("en", "error.too_long", max=500, length=len(pasted.strip())) in texts(at)
    assert at.text_input(key="organizers").value == pasted
    assert (forum_mod.get_forum(app_database().cursor(), 1).get("organizers") or "") == ""
    assert at.tabs, "the rest of the page is drawn"
    at.text_input(key="organizers").set_value("Telavi municipality").run()
    assert forum_mod.get_forum(app_database().cursor(), 1)["organizers"] == "Telavi municipality"
    assert t("en", "report.saved") in texts(at)


def test_merging_and_ordering_from_the_page(finished_file):
    at = open_app("en", PAGE)
    db = app_database()
    recs = report.recommendations(db.cursor(), 1)
    at.selectbox(key=f"merge_{recs[0]['id']}").set_value(recs[5]["id"]).run()
    at.button(key=f"join_{recs[0]['id']}").click().run()
    merged = report.recommendations(db.cursor(), 1)[0]
    assert merged["groups"] == [1, 2]
    at.button(key=f"down_{recs[0]['id']}").click().run()
    assert report.recommendations(db.cursor(), 1)[1]["id"] == recs[0]["id"]
    at.button(key=f"out_{recs[5]['id']}").click().run()
    assert len(report.recommendations(db.cursor(), 1)) == 15


def test_answers_show_in_the_table_and_on_the_public_page(finished_file):
    open_app("en", PAGE)
    db = app_database()
    rec = report.recommendations(db.cursor(), 1)[0]
    assert report.record_answer(
        db, ORGANIZER, rec["id"], {"status": "included", "amount": 40000, "program_code": "02 01"}
    ).ok
    at = open_app("en", PAGE)
    table = at.dataframe[1].value  # the answers table, filled from what was recorded
    assert "id" not in table.columns  # the rows are the recommendations in order (widgets.row_ids)
    row = table.iloc[0]
    assert row["status"] == t("en", "report.status_included")
    assert row["amount"] == "40\u00a0000"  # as every page says it
    assert row["program_code"] == "02 01" and table["status"].isna().sum() == 14
    html = public_page("ka")
    assert t("ka", "report.status_included") in html and "40\u00a0000\u00a0₾" in html
    assert html.count('class="status') == 1
    # with tetri: as the report to participants prints it, not rounded away
    assert report.record_answer(db, ORGANIZER, rec["id"], {"status": "included", "amount": "12500.50"}).ok
    assert "12\u00a0500.50\u00a0₾" in public_page("en")


@pytest.mark.parametrize(
    "typed, stored",
    [("12 500,50 ₾", "12500.50"), ("12500,50", "12500.50"), ("12,500.50", "12500.50"), ("40 000", "40000.00")],
)
def test_an_amount_typed_in_the_grid_is_stored_as_written(finished_file, typed, stored):
    """A Georgian decimal comma in the answers' grid: its number cell read "12500,50" as 1250050, with
    no word (a browser tour). The cell is text, read by the service."""
    at = open_app("ka", PAGE)
    recs = report.recommendations(app_database().cursor(), 1)
    editor_key = "answers_" + "_".join(str(r["id"]) for r in recs)
    status = t("ka", "report.status_partly")
    at.session_state[editor_key] = {
        "edited_rows": {0: {"status": status, "amount": typed}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="save_answers").click().run()
    assert not at.error, [e.value for e in at.error]
    answer = report.recommendations(app_database().cursor(), 1)[0]["answer"]
    assert answer["status"] == "partly" and str(answer["amount"]) == stored


def test_an_answer_included_without_an_amount_is_saved_and_said(finished_file):
    """ "Included" with no amount was saved without a word (a browser tour): the report to participants
    then says "included" with no sum. It is saved (the amount may come later) and said."""
    at = open_app("ka", PAGE)
    recs = report.recommendations(app_database().cursor(), 1)
    editor_key = "answers_" + "_".join(str(r["id"]) for r in recs)
    at.session_state[editor_key] = {
        "edited_rows": {
            0: {"status": t("ka", "report.status_included")},
            1: {"status": t("ka", "report.status_included"), "amount": "5 000"},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="save_answers").click().run()
    assert not at.error and t("ka", "report.answers_saved", count=2) in texts(at)
    said = t("ka", "report.answer_error", n=1, error=t("ka", "error.funded_without_amount"))
    assert [w.value for w in at.warning if w.value.startswith(t("ka", "report.answer_error", n="", error="")[:5])] == [
        said
    ]
    # and in toasts: the page's top is out of sight below the grid on a laptop (a browser tour)
    assert [x.value for x in at.toast] == [t("ka", "report.answers_saved", count=2), said]
    assert report.recommendations(app_database().cursor(), 1)[0]["answer"]["status"] == "included"


def test_an_amount_that_is_not_one_is_refused_in_words(finished_file):
    """Too large for the grid's number cell, an amount turned back into "—" and the answer was saved
    without it; letters or three decimals are refused too, saying how to write an amount."""
    at = open_app("ka", PAGE)
    recs = report.recommendations(app_database().cursor(), 1)
    editor_key = "answers_" + "_".join(str(r["id"]) for r in recs)
    status = t("ka", "report.status_included")
    at.session_state[editor_key] = {
        "edited_rows": {
            0: {"status": status, "amount": "999999999999999999"},
            1: {"status": status, "amount": "12.345,6789"},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="save_answers").click().run()
    errors = [e.value for e in at.error]
    assert any(t("ka", "report.answer_error", n=1, error="") in m and "999" in m for m in errors), errors
    assert any(
        m.startswith(t("ka", "report.answer_error", n=2, error="")) and t("ka", "error.not_an_amount") in m
        for m in errors
    ), errors
    assert all(r["answer"] is None for r in report.recommendations(app_database().cursor(), 1)[:2])


def test_documents_and_exports_offer_their_downloads(finished_file):
    at = open_app("en", PAGE)
    at.button(key="make_recommendations").click().run()
    assert not at.exception
    keys = {e.proto.id for e in at.get("download_button")}
    assert len(keys) >= 7  # both documents, CSV, XLSX, all tables, Parquet, anonymised


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_the_export_tables_are_named_in_the_pages_language(finished_file, lang):
    """The table chooser once showed the export's English notes for data users on the Georgian page."""
    from forum_core import exports

    at = open_app(lang, PAGE)
    chooser = at.selectbox(key="export_table")
    shown = [chooser.format_func(n) for n in exports.table_names()]
    assert shown == [t(lang, f"report.export_table_{n}") for n in exports.table_names()]
    assert len(set(shown)) == len(shown)
    other = "en" if lang == "ka" else "ka"
    assert not set(shown) & {t(other, f"report.export_table_{n}") for n in exports.table_names()}


def test_other_roles_cannot_open_the_report(finished_file):
    for role in ("desk", "moderator"):
        at = open_app("en", PAGE, role=role)
        assert not at.text_area and t("en", "report.title") not in [e.value for e in at.title]


def test_a_restored_backup_shows_every_page_as_before(finished_file, tmp_path, monkeypatch):
    """Backup, restore into a fresh file, open the same pages on it: they show the same."""
    from forum_core import backup
    from tests.pages.test_plenary_page import html

    db = app_database()
    open_app("en", PAGE)  # recommendations made
    rec = report.recommendations(db.cursor(), 1)[0]
    report.record_answer(db, ORGANIZER, rec["id"], {"status": "partly", "amount": 900, "reason": "ნაწილი"})
    pages = {
        "pages/report.py": "organizer",
        "pages/overview.py": "organizer",
        "pages/plenary.py": "projector",
    }

    def shown() -> dict:
        out = {}
        for page, role in pages.items():
            at = open_app("ka", page, role=role)
            out[page] = (html(at), texts(at), [e.value.to_json() for e in at.dataframe])  # JSON: NaN equals NaN
        out["/results"] = public_page("ka")
        return out

    before = shown()
    made = backup.backup(db, tmp_path / "backup")
    fresh = tmp_path / "fresh" / "forum.duckdb"
    backup.restore(made, fresh)
    monkeypatch.setenv("FORUM_DB", str(fresh))
    after = shown()
    for page in before:
        assert after[page] == before[page], page


def test_before_any_group_finalises_the_page_says_so_and_shows_no_empty_table(demo_db):
    at = open_app("en", PAGE)
    assert t("en", "report.no_recommendations") in texts(at)
    assert not at.dataframe and not at.text_area


def editable_limits(at) -> dict:
    """Per table editor on the page: the limits its editable columns put on typing in the browser."""
    import json

    found = {}
    for element in at.dataframe:
        proto = element.proto
        if not proto.editing_mode:  # a table to read, not an editor
            continue
        columns = json.loads(proto.columns or "{}")
        found[proto.id] = {
            name: sorted(
                k for k in ("max_chars", "min_value", "max_value") if (c.get("type_config") or {}).get(k) is not None
            )
            for name, c in columns.items()
            if not c.get("disabled")
        }
    return found


def test_the_editors_refuse_in_words_not_by_cutting_what_is_typed(finished_file):
    """Streamlit's table editor cuts a text at ``max_chars`` and drops a minus sign under
    ``min_value`` without a word (a tour saw a 600-character reason stored cut to 500 and -5 stored as
    5): the answers' and the programs' editors have no such limits; the services refuse, saying why."""
    at = open_app("ka", PAGE)
    setup = open_app("ka", "pages/setup.py")
    editors = {**editable_limits(at), **editable_limits(setup)}
    assert len(editors) >= 2  # the answers, the budget programs (and the groups)
    assert all(limits == [] for columns in editors.values() for limits in columns.values()), editors
    db = app_database()
    rec = report.recommendations(db.cursor(), 1)[0]
    too_long = report.record_answer(db, ORGANIZER, rec["id"], {"status": "included", "reason": "ა" * 600})
    negative = report.record_answer(db, ORGANIZER, rec["id"], {"status": "included", "amount": -5})
    assert [e.code for e in too_long.errors] == ["too_long"] and [e.code for e in negative.errors] == ["out_of_range"]


def test_an_answer_refused_is_named_by_its_recommendation(finished_file):
    """The reporting forum's answers: a refused amount is said with its recommendation's number as
    words ("1. Amount …" read as a list's own numbering and named no recommendation, a tour saw)."""
    at = open_app("en", PAGE)
    at.button(key="make_recommendations").click().run()
    from forum_core import report
    from tests.pages.conftest import app_database

    recs = report.recommendations(app_database().cursor(), 1)
    editor_key = "answers_" + "_".join(str(r["id"]) for r in recs)  # as the page keys its editor
    at.session_state[editor_key] = {"edited_rows": {0: {"amount": -500}}, "added_rows": [], "deleted_rows": []}
    at.button(key="save_answers").click().run()
    errors = [e.value for e in at.error]
    assert any(m.startswith(t("en", "report.answer_error", n=1, error="")) for m in errors), errors
