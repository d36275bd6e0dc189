"""The comparison page (organizer): forums of this database and another installation's export side by side."""

import re
import shutil

from forum_core import comparison, exports, report
from forum_core.i18n import t
from tests.conftest import ORGANIZER
from tests.pages.conftest import app_database, open_app, texts
from tests.pages.test_plenary_page import html
from tests.unit.test_comparison import second_forum

PAGE = "pages/compare.py"


def test_two_forums_side_by_side_with_what_came_back(finished_forum_file, db_file):
    shutil.copy(finished_forum_file, db_file)
    open_app("en", None)
    later = second_forum(app_database())
    roads = report.recommendations(app_database().cursor(), 1)[0]
    assert report.record_answer(app_database(), ORGANIZER, roads["id"], {"status": "partly"}).ok
    at = open_app("en", PAGE)
    table = html(at)
    heads = re.findall(r"<th>([^<]*)</th>", table.split("</tr>")[0])
    assert len(heads) == 3 and "2027" in heads[1] and "2028" in heads[2]  # oldest first as chosen
    social = next(row for row in table.split("<tr>") if row.startswith("<th>სოციალური დაცვა</th>"))
    newer = social.split("<td>")[1]
    assert (
        "<li>სოფლის გზები ისევ დაზიანებულია <b>(7)</b></li><li>სპორტული მოედანი არ გვაქვს <b>(4)</b></li>"
        in social.split("<td>")[2] + newer
    )
    pebbles = roads["sources"][0]["pebbles"]  # the 2027 roads were partly funded: a half-filled mark
    assert f"(სოციალური დაცვა) <b>({pebbles})</b> ◐" in table
    back = at.dataframe[0].value
    assert len(back) == 1 and back.iloc[0][t("en", "compare.problem")].startswith("სოფლის გზები დაზიანებულია")
    assert later


def test_one_forum_alone_has_nothing_that_came_back_and_its_export_reads_the_same(finished_forum_file, db_file):
    shutil.copy(finished_forum_file, db_file)
    at = open_app("ka", PAGE)
    assert not at.dataframe and t("ka", "compare.none_came_back") in texts(at)
    # another installation's export reads the same as this database
    data = exports.parquet_zip(app_database().cursor(), 1, anonymised=True)
    assert (
        comparison.from_export(data, "x.zip").priorities
        == comparison.from_database(app_database().cursor(), 1).priorities
    )


def test_a_national_rollup_named_on_the_laptop_opens_beside_this_database(finished_forum_file, db_file, tmp_path):
    from forum_core import rollup

    shutil.copy(finished_forum_file, db_file)
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "telavi.zip").write_bytes(exports.parquet_zip(app_database().cursor(), 1, anonymised=True))
    rollup.build([str(tmp_path / "exports")], tmp_path / "rollup.duckdb")
    at = open_app("en", PAGE)
    at.text_input(key="compare_rollup_path").input(str(tmp_path / "nowhere.duckdb")).run()
    assert any("there is no such file" in e.value for e in at.error)
    at.text_input(key="compare_rollup_path").input(str(tmp_path / "rollup.duckdb")).run()
    assert not at.error
    picked = at.multiselect(key="compare_rollup_pick")
    assert picked.label == t("en", "compare.rollup_forums", count=1) and len(picked.value) == 1
    # the roll-up's forum is the same forum as this database's: counted once, and said so (compared
    # with itself, all its priorities "came back")
    said = t("en", "compare.same_forum", name="{", forum="").split("{")[1].split("(")[0].strip()
    assert any(said in w.value for w in at.warning), [w.value for w in at.warning]
    assert not at.dataframe and t("en", "compare.none_came_back") in texts(at)
