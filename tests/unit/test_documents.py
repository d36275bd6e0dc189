"""Every document the app makes, in Georgian and English, read back by an independent tool.

A finished demo forum gets people whose names are Georgian, Latin (Azerbaijani), Cyrillic,
Armenian, very long and Mtavruli. Every document is generated once for the module; pypdf
extracts its text, and every name, column header and heading must be found exactly as the
catalogs and the database have it. No text may look like a catalog key (``fac.weaknesss``).
Lines stay inside the margins, annex tables have no fill, and a name no bundled font can
show is named before printing (page and command line).
"""

from __future__ import annotations

import io
import re
import shutil

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from forum_core import access, checkin, i18n, printing, report, report_pdf
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor, Database
from forum_core.i18n import catalog, t
from tests import pdftext
from tests.conftest import ORGANIZER

FORUM = 1
LANGS = ("ka", "en")
NAMES = [  # fictional people, one of each kind of name the documents must print
    ("georgian", "ნინო", "კაპანაძე-ჯაფარიძე"),
    ("latin", "Elvin", "Məmmədov"),
    ("cyrillic", "Ирина", "Смирнова"),
    ("armenian", "Արամ", "Պետրոսյան"),
    ("long", "ნიკოლოზ-ალექსანდრე", "ჯავახიშვილი-ორბელიანი-მუხრანბატონი"),
    ("mtavruli", "ᲜᲘᲜᲝ", "ᲑᲔᲠᲘᲫᲔ"),
]
KEY_LIKE = re.compile(r"\b[a-z]+\.[a-z_]+\b")


def extract(pdf: bytes) -> list[str]:
    return pdftext.pages(pdf)


def compact(text: str) -> str:
    """Without whitespace: a long name or heading may wrap onto the next line."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def forum(finished_forum_file, tmp_path_factory):
    """The finished demo forum with the special people in group 1 (present, one of them presenting),
    a few of the mayor's answers and a set of access codes; every document made once."""
    path = tmp_path_factory.mktemp("documents") / "forum.duckdb"
    shutil.copy(finished_forum_file, path)
    db = Database(path)
    cur = db.cursor()
    groups = forum_mod.groups(cur, FORUM)
    group = groups[0]
    ids = {}
    for n, (kind, first, last) in enumerate(NAMES):
        outcome = people.add(
            db,
            ORGANIZER,
            FORUM,
            {"first_name": first, "last_name": last, "phone": f"595 90 00 {n:02d}", "group": group["id"]},
        )
        assert outcome.ok, (kind, outcome)
        ids[kind] = outcome.value
    facilitator = Actor("facilitator", "tablet", group["id"])
    dl.mark_present(db, facilitator, FORUM, group["id"], ids["armenian"])
    presenter = dl.set_presenter(db, facilitator, FORUM, group["id"], ids["armenian"]).ok
    recs = report.recommendations(db.cursor(), FORUM)
    report.record_answer(
        db,
        ORGANIZER,
        recs[0]["id"],
        {"status": "included", "program_code": "02 01 01", "amount": "250000", "reason": "გზების პროგრამაში"},
    )
    report.record_answer(
        db, ORGANIZER, recs[1]["id"], {"status": "outside_competence", "reason": "Paid from the state budget"}
    )
    slips = access.create_forum_codes(db, ORGANIZER, FORUM, desks=2, projectors=1)
    cur = db.cursor()
    info = forum_mod.get_forum(cur, FORUM)
    special = [ids[kind] for kind, _, _ in NAMES]
    docs = {}
    for lang in LANGS:
        docs["invitations", lang] = printing.invitations_pdf(cur, FORUM, lang, participant_ids=special)
        docs["badges", lang] = printing.badges_pdf(cur, FORUM, lang, group_ids=[group["id"]])
        docs["sign_in_sheets", lang] = printing.sign_in_sheets_pdf(cur, FORUM, lang)
        docs["access_slips", lang] = printing.access_slips_pdf(info, slips, lang, address="https://10.0.0.2:8501")
        docs["group_summary", lang] = printing.group_summary_pdf(cur, FORUM, group["id"], lang)
        docs["recommendations", lang] = report_pdf.recommendations_pdf(cur, FORUM, lang)
        docs["participants_report", lang] = report_pdf.participants_report_pdf(cur, FORUM, lang)
    texts = {key: extract(pdf) for key, pdf in docs.items()}
    yield {
        "db": db,
        "cur": cur,
        "group": group,
        "groups": groups,
        "ids": ids,
        "slips": slips,
        "docs": docs,
        "texts": texts,
        "forum": info,
        "presenter": presenter,
    }
    db.close()


def joined(forum, kind, lang) -> str:
    return "\n".join(forum["texts"][kind, lang])


def assert_has(text: str, expected: str, where: str) -> None:
    assert compact(expected) in compact(text), f"{where}: {expected!r} not found"


@pytest.mark.parametrize("lang", LANGS)
def test_no_text_looks_like_a_catalog_key(forum, lang):
    keys = set(catalog(lang)) | set(catalog("en"))
    namespaces = {k.split(".")[0] for k in keys}
    for (kind, doc_lang), pages in forum["texts"].items():
        if doc_lang != lang:
            continue
        for number, text in enumerate(pages, start=1):
            found = [m for m in KEY_LIKE.findall(text) if m in keys or m.split(".")[0] in namespaces]
            assert not found, f"{kind} ({lang}) page {number}: {found}"


@pytest.mark.parametrize("lang", LANGS)
def test_invitations_greet_every_kind_of_name(forum, lang):
    text = joined(forum, "invitations", lang)
    assert len(forum["texts"]["invitations", lang]) == len(NAMES)
    for kind, first, last in NAMES:
        assert_has(text, t(lang, "print.dear", name=f"{first} {last}"), f"invitation {kind}")
    info = forum["forum"]
    for expected in (
        info["title"],
        info["municipality"],
        t(lang, "print.invitation_text"),
        t(lang, "label.goals"),
        t(lang, "label.forum_date"),
        t(lang, "label.start_time"),
        t(lang, "print.duration"),
        t(lang, "label.venue"),
        t(lang, "print.your_group"),
        t(lang, "label.room"),
        t(lang, "print.bring_code"),
        forum["group"]["name"],
        forum["group"]["field"],
    ):
        assert_has(text, expected, "invitation")
    codes = checkin.tokens_of_forum(forum["cur"], FORUM)
    for pid in forum["ids"].values():
        code = codes[pid]
        assert f"{code[:3]}-{code[3:6]}-{code[6:]}" in text


@pytest.mark.parametrize("lang", LANGS)
def test_badges_carry_every_name_whole(forum, lang):
    text = joined(forum, "badges", lang)
    members = [p for p in people.all_active(forum["cur"], FORUM) if p["group_id"] == forum["group"]["id"]]
    assert len(forum["texts"]["badges", lang]) == -(-len(members) // 8)
    for p in members:
        assert_has(text, p["first_name"], "badge") and assert_has(text, p["last_name"], "badge")
    for _, first, last in NAMES:  # the long names shrink to one line each: found with their spaces
        assert first in text and last in text
    assert_has(text, f"{t(lang, 'label.group')} {forum['group']['number']}. {forum['group']['name']}", "badge")
    assert_has(text, f"{t(lang, 'label.room')}: {forum['group']['room']}", "badge")


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_sheets_headers_and_every_person(forum, lang):
    pages = forum["texts"]["sign_in_sheets", lang]
    header = " ".join(
        ["№", t(lang, "label.last_name"), t(lang, "label.first_name"), t(lang, "print.tick"), t(lang, "print.time")]
    )
    for g in forum["groups"]:
        page = next(
            p for p in pages if compact(f"{t(lang, 'print.sheet_title')}: {g['number']}. {g['name']}") in compact(p)
        )
        assert header in page, page[:300]  # the headers as words, not wrong letters
        for p in checkin.sign_in_sheet(forum["cur"], FORUM, g["id"]):
            assert p["last_name"] in page and p["first_name"] in page


@pytest.mark.parametrize("lang", LANGS)
def test_access_slips(forum, lang):
    text = joined(forum, "access_slips", lang)
    for slip in forum["slips"]:
        assert text.count(slip["code"]) == 1
        assert_has(text, t(lang, f"role.{slip['role']}"), "slip")
        if slip.get("label"):
            assert_has(text, slip["label"], "slip")
    assert_has(text, t(lang, "access.slip_code"), "slip")


@pytest.mark.parametrize("lang", LANGS)
def test_group_summary(forum, lang):
    text = joined(forum, "group_summary", lang)
    g = forum["group"]
    assert_has(text, f"{g['number']}. {g['name']} — {g['field']}", "summary")
    items = dl.assessment(forum["cur"], g["id"])
    for kind, heading in printing.KIND_HEADINGS.items():
        if items[kind]:
            assert_has(text, t(lang, heading), "summary")
            for item in items[kind]:
                assert_has(text, item["text"], "summary")
    assert_has(text, t(lang, "fac.priorities"), "summary")
    for item in dl.priorities(forum["cur"], g["id"]):
        assert_has(
            text, f"{item['rank']}. {item['title']} — {t(lang, 'fac.pebbles_n', count=item['pebbles'])}", "summary"
        )
    who = dl.presenter(forum["cur"], g["id"])
    assert who is not None
    assert_has(text, f"{t(lang, 'fac.presenter')}: {who['first_name']} {who['last_name']}", "summary")
    if forum["presenter"]:
        assert "Արամ Պետրոսյան" in text


@pytest.mark.parametrize("lang", LANGS)
def test_recommendations_document(forum, lang):
    cur = forum["cur"]
    text = joined(forum, "recommendations", lang)
    year = forum["forum"]["forum_date"].year + 1
    for key in (
        "report.numbers_title",
        "report.col_group",
        "report.col_invited",
        "report.col_came",
        "report.col_total",
        "report.chart_per_group",
        "report.chart_gender",
        "report.chart_age",
        "report.chart_community",
        "report.recs_title",
        "report.recs_intro",
        "report.fields_title",
        "report.annex_competence",
        "report.annex_competence_intro",
        "report.annex_problems",
        "report.annex_assessment",
        "report.expert_note",
        "fac.rank",
        "fac.problem_title",
        "fac.pebbles",
        "fac.strengths",
        "fac.weaknesses",
        "report.age_unknown",
    ):
        assert_has(text, t(lang, key), key)
    assert_has(text, t(lang, "report.doc_title", year=year), "title")
    # the municipality's name as the organizer typed it (nominative), in words that need no declension
    # of it ("თელავის მუნიციპალიტეტი მოსახლეობის ფორუმიდან" needed its genitive)
    assert_has(text, t(lang, "report.doc_subtitle", municipality=forum["forum"]["municipality"]), "subtitle")
    assert not re.search(re.escape(forum["forum"]["municipality"]) + r"\s+მოსახლეობის", text)
    for rec in report.for_document(cur, FORUM):
        assert_has(text, rec["text"], "recommendation")
        for source in rec["sources"]:  # each group's place as an ordinal: "1-ლი ადგილი", "მე-3 ადგილი", "3rd place"
            if source["still_priority"]:
                said = t(lang, "report.rank_pebbles", rank=i18n.ordinal(lang, source["rank"]), count=source["pebbles"])
                assert_has(text, said, "place")
    assert_has(text, "1-ლი ადგილი" if lang == "ka" else "1st place", "first place")
    for p in report.outside_competence(cur, FORUM):
        assert_has(text, p["competence_note"], "expert note")  # wrapped ends included
    for g in forum["groups"]:
        assert_has(text, f"{g['number']}. {g['name']} — {g['field']}", "field heading")
        for item in dl.priorities(cur, g["id"]):
            assert_has(text, f"{item['rank']}. {item['title']}", "priority")


@pytest.mark.parametrize("lang", LANGS)
def test_report_to_participants(forum, lang):
    text = joined(forum, "participants_report", lang)
    for key in (
        "report.answers_title",
        "report.chart_statuses",
        "report.by_group_title",
        "report.status_included",
        "report.status_outside_competence",
        "report.status_none",
        "fac.rank",
        "fac.problem_title",
        "fac.pebbles",
        "report.status",
    ):
        assert_has(text, t(lang, key), key)
    assert_has(text, t(lang, "report.participants_title", year=forum["forum"]["forum_date"].year + 1), "title")
    for rec in report.for_document(forum["cur"], FORUM):
        assert_has(text, rec["text"], "recommendation")


def test_armenian_names_use_the_bundled_armenian_font(forum):
    for kind in ("invitations", "badges", "sign_in_sheets"):
        reader = PdfReader(io.BytesIO(forum["docs"][kind, "ka"]))
        fonts = set()
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                fonts.add(str(font.get_object()["/BaseFont"]))
        assert any("NotoSansArmenian" in f for f in fonts), (kind, fonts)


@pytest.mark.parametrize("kind", ["recommendations", "participants_report", "group_summary"])
def test_text_stays_inside_the_margins(forum, kind):
    margin = 15 if kind == "group_summary" else 18  # mm
    limit = (210 - margin) / 25.4 * 72 + 0.5  # the right margin in points, with half a point's slack
    for lang in LANGS:
        document = pdfium.PdfDocument(forum["docs"][kind, lang])
        for index in range(len(document)):
            page = document[index].get_textpage()
            for i in range(page.count_chars()):
                left, bottom, right, top = page.get_charbox(i)
                assert right <= limit, (kind, lang, index + 1, page.get_text_range(i, 1), right)


@pytest.mark.parametrize("kind", ["recommendations", "participants_report"])
def test_no_line_ends_inside_an_amount(forum, kind):
    """A browser tour read "… — 1 200 000" at a line's end and "₾" alone on the next (four times on
    one page of the Georgian recommendations): an amount's spaces never break."""
    for lang in LANGS:
        for number, page in enumerate(forum["texts"][kind, lang], start=1):
            lines = [line.strip() for line in page.splitlines()]
            cut = [
                (before, after)
                for before, after in zip(lines, lines[1:])
                if after.startswith("₾") or (re.search(r"\d$", before) and re.match(r"\d{3}\b", after))
            ]
            assert cut == [], (kind, lang, number, cut)


def test_annex_tables_have_no_fill(forum):
    pdf = forum["docs"]["recommendations", "ka"]
    pages = forum["texts"]["recommendations", "ka"]
    heading = compact(t("ka", "report.annex_problems"))
    index = next(i for i, p in enumerate(pages) if heading in compact(p))
    image = pdfium.PdfDocument(pdf)[index].render(scale=1).to_pil().convert("RGB")
    r0, g0, b0 = report_pdf.BAR
    blue = sum(1 for r, g, b in image.getdata() if abs(r - r0) < 12 and abs(g - g0) < 12 and abs(b - b0) < 12)
    assert blue == 0


def test_unprintable_names_are_named_before_printing(forum, tmp_path, capsys):
    from forum_core.__main__ import main

    assert printing.unprintable_people(forum["cur"], FORUM) == []  # every name of the forum can be printed
    db = forum["db"]
    outcome = people.add(
        db,
        ORGANIZER,
        FORUM,
        {"first_name": "明", "last_name": "王", "phone": "595 90 00 99", "group": forum["group"]["id"]},
    )
    assert outcome.ok
    try:
        found = printing.unprintable_people(db.cursor(), FORUM)
        assert [(p["first_name"], chars) for p, chars in found] == [("明", "明王")]
        db.close()  # the command line opens the file itself
        out = tmp_path / "sheets.pdf"
        assert main(["sign-in-sheets", "--db", str(db.path), "--out", str(out), "--group", "1"]) == 0
        printed = capsys.readouterr()
        assert "明 王 (1) — 明王" in printed.err and t("ka", "cli.unprintable", people="")[:20] in printed.err
        assert printed.out.strip() == t("ka", "cli.pdf_written", path=out)  # Georgian by default
        assert compact(t("ka", "print.sheet_title")) in compact("".join(extract(out.read_bytes())))
    finally:
        forum["db"] = Database(db.path)
        forum["cur"] = forum["db"].cursor()
