"""The recommendations document and the report to participants: real Georgian text, charts drawn."""

import re

import pypdfium2 as pdfium
import pytest

from forum_core import deliberation as dl
from forum_core import demo, report, report_pdf
from forum_core import forum as forum_mod
from forum_core.db import Database
from tests import pdftext
from tests.conftest import ORGANIZER, copy_database

FORUM = 1


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", pdftext.text(pdf))


def pages_text(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page) for page in pdftext.pages(pdf)]


def bar_pixels(pdf: bytes, index: int) -> int:
    """How many pixels of the page have the charts' blue."""
    image = pdfium.PdfDocument(pdf)[index].render(scale=1).to_pil().convert("RGB")
    r0, g0, b0 = report_pdf.BAR
    return sum(1 for r, g, b in image.getdata() if abs(r - r0) < 12 and abs(g - g0) < 12 and abs(b - b0) < 12)


@pytest.fixture(scope="module")
def answered(finished_forum_file, tmp_path_factory):
    """Committee edits and a few of the mayor's answers on the finished demo forum: made once for
    the module, whose tests only read it."""
    db = Database(copy_database(finished_forum_file, tmp_path_factory.mktemp("answered") / "forum.duckdb"))
    recs = report.recommendations(db.cursor(), FORUM)
    report.edit_wording(db, ORGANIZER, recs[0]["id"], "სოფლის გზების რეაბილიტაცია ყველა თემში")
    report.merge(db, ORGANIZER, recs[0]["id"], recs[5]["id"])
    report.move(db, ORGANIZER, recs[2]["id"], -1)
    report.record_answer(
        db,
        ORGANIZER,
        recs[0]["id"],
        {"status": "included", "program_code": "02 01 01", "amount": "250000", "reason": "გზების პროგრამაში"},
    )
    report.record_answer(db, ORGANIZER, recs[1]["id"], {"status": "not_included", "reason": "თანხა არ იყო"})
    report.set_organizers(db, ORGANIZER, FORUM, "თელავის მერია და სამოქალაქო ორგანიზაცია „ფორუმი“")
    yield db
    db.close()


@pytest.fixture(scope="module")
def georgian_recommendations(answered) -> bytes:
    """The Georgian recommendations document of ``answered``, made once (two tests read it)."""
    return report_pdf.recommendations_pdf(answered.cursor(), FORUM, "ka")


def test_the_recommendations_document_holds_the_groups_priorities_in_georgian(answered, georgian_recommendations):
    cur = answered.cursor()
    text = text_of(georgian_recommendations)
    forum = forum_mod.get_forum(cur, FORUM)
    assert "რეკომენდაციები 2028 წლის ადგილობრივი ბიუჯეტისთვის" in text
    assert forum["title"] in text and forum["venue"].split(",")[0] in text
    assert "თელავის მერია და სამოქალაქო ორგანიზაცია" in text  # organizers on the cover
    for group in forum_mod.groups(cur, FORUM):
        for item in dl.priorities(cur, group["id"]):  # every priority with its pebbles
            assert f"{item['rank']}. {item['title']} — {item['pebbles']} კენჭი" in text
    # the committee's wording, the groups' own words beside it, and both groups named
    assert "1. სოფლის გზების რეაბილიტაცია ყველა თემში" in text
    assert "ჯგუფების საკუთარი სიტყვები: სოფლის გზები დაზიანებულია (სოციალური დაცვა) / სოფლის გზები" in text
    first = text.split("1. სოფლის გზების რეაბილიტაცია ყველა თემში")[1][:300]
    assert "1. სოციალური დაცვა" in first and "2. ინფრასტრუქტურა" in first
    # initiatives in full, the related program with its amount
    assert "2028 წლის ბოლომდე 20 ოჯახს მოემსახუროს" in text and "ბიუჯეტი და ტექნიკა" in text
    # the competence annex with the experts' notes, the annexes of every problem and of assessments
    annex = text.split("დანართი 1.")[1]
    assert demo.COMPETENCE_NOTE in annex and "პენსიები დაბალია" in annex
    assert "დანართი 2." in text and "დანართი 3." in text and "აქტიური მოსახლეობა" in text.split("დანართი 3.")[1]


def test_the_numbers_page_draws_its_charts(georgian_recommendations):
    pdf = georgian_recommendations
    pages = pages_text(pdf)
    numbers = next(i for i, p in enumerate(pages) if "ფორუმი ციფრებში" in p)
    assert "მოწვეული: 117. მოვიდა: 100" in pages[numbers]
    assert bar_pixels(pdf, numbers) > 5000  # four bar charts
    assert bar_pixels(pdf, 0) == 0  # the cover has none


def test_the_document_in_english(answered):
    text = text_of(report_pdf.recommendations_pdf(answered.cursor(), FORUM, "en"))
    assert "Recommendations for the 2028 local budget" in text and "The forum in numbers" in text
    assert "Annex 1. Problems outside the municipality's competence" in text
    assert "სოფლის გზები დაზიანებულია" in text  # the groups' words stay as they were typed


def test_the_report_to_participants_shows_each_answer(answered):
    cur = answered.cursor()
    text = text_of(report_pdf.participants_report_pdf(cur, FORUM, "ka"))
    assert "რა შევიდა 2028 წლის ბიუჯეტის პროექტში" in text
    recs = report.for_document(cur, FORUM)
    assert f"1. {recs[0]['text']} საიდან: 1. სოციალური დაცვა, 2. ინფრასტრუქტურა შევიდა ბიუჯეტის პროექტში" in text
    assert "ბიუჯეტის პროგრამა: 02 01 01" in text and "გამოყოფილი თანხა: 250 000 ₾" in text
    assert "არ შევიდა მიზეზი: თანხა არ იყო" in text
    assert text.count("პასუხი ჯერ არ არის") >= len(recs) - 2
    en = text_of(report_pdf.participants_report_pdf(cur, FORUM, "en"))
    assert "Included in the draft budget" in en and "Not included" in en


def test_a_forum_before_its_day_still_makes_both_documents(db, demo_forum):
    cur = db.cursor()
    text = text_of(report_pdf.recommendations_pdf(cur, demo_forum, "en"))
    assert "No group has published its priorities yet." in text
    assert "Invited: 117. Came: 0" in text
    assert "What entered the 2028 draft budget" in text_of(report_pdf.participants_report_pdf(cur, demo_forum, "en"))


def test_a_group_is_named_once_for_two_of_its_priorities_merged(finished_forum_file, tmp_path):
    """Two priorities of one group merged into one recommendation: the report to participants said
    "From: 1. Social care, 1. Social care" (seen on a tour)."""
    db = Database(copy_database(finished_forum_file, tmp_path / "forum.duckdb"))
    try:
        recs = report.recommendations(db.cursor(), FORUM)
        first, second = recs[0], next(r for r in recs[1:] if r["groups"] == recs[0]["groups"])
        assert report.merge(db, ORGANIZER, first["id"], second["id"]).ok
        text = text_of(report_pdf.participants_report_pdf(db.cursor(), FORUM, "en"))
        group = next(s for s in report.for_document(db.cursor(), FORUM)[0]["sources"])
        named = f"{group['group_number']}. {group['group_name']}"
        assert f"From: {named} " in text and f"{named}, {named}" not in text
    finally:
        db.close()
