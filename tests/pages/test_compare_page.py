"""The comparison page (organizer): forums of this database and another installation's export side by side."""
import shutil

from forum_core import comparison, exports
from forum_core.i18n import t
from tests.pages.conftest import app_database, open_app, texts
from tests.unit.test_comparison import second_forum

PAGE = "pages/compare.py"


def test_two_forums_side_by_side_with_what_came_back(finished_forum_file, db_file):
    shutil.copy(finished_forum_file, db_file)
    open_app("en", None)
    later = second_forum(app_database())
    at = open_app("en", PAGE)
    fields = at.dataframe[0].value
    labels = [c for c in fields.columns if c != t("en", "compare.field")]
    assert len(labels) == 2 and any("2027" in c for c in labels) and any("2028" in c for c in labels)
    social = fields[fields[t("en", "compare.field")] == "სოციალური დაცვა"].iloc[0]
    newer = next(c for c in labels if "2028" in c)
    assert social[newer].splitlines() == ["1. სოფლის გზები ისევ დაზიანებულია (7)", "2. სპორტული მოედანი არ გვაქვს (4)"]
    back = at.dataframe[1].value
    assert len(back) == 1 and back.iloc[0][t("en", "compare.problem")].startswith("სოფლის გზები დაზიანებულია")
    assert later


def test_one_forum_alone_has_nothing_that_came_back_and_its_export_reads_the_same(finished_forum_file, db_file):
    shutil.copy(finished_forum_file, db_file)
    at = open_app("ka", PAGE)
    assert len(at.dataframe) == 1 and t("ka", "compare.none_came_back") in texts(at)
    # another installation's export reads the same as this database
    data = exports.parquet_zip(app_database().cursor(), 1, anonymised=True)
    assert comparison.from_export(data, "x.zip").priorities == comparison.from_database(
        app_database().cursor(), 1).priorities
