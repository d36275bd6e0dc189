"""PDFs: Georgian text extractable, QR codes decodable and usable at the desk."""

import io

import pypdfium2 as pdfium
import zxingcpp
from pypdf import PdfReader

from forum_core import checkin, printing
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor
from tests import pdftext


def text_of(pdf: bytes) -> str:
    return pdftext.text(pdf)


def qr_codes(pdf: bytes, pages=None) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    found = []
    for i in range(len(doc)) if pages is None else pages:
        image = doc[i].render(scale=3).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCodeModel2)]
    return found


def test_invitations_have_georgian_text_and_working_qr_codes(db, demo_forum):
    persons = people.all_active(db.cursor(), demo_forum)[:6]
    pdf = printing.invitations_pdf(db.cursor(), demo_forum, "ka", participant_ids=[p["id"] for p in persons])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 6
    text = text_of(pdf)
    for p in persons:
        assert f"{p['first_name']} {p['last_name']}" in text
    forum = forum_mod.get_forum(db.cursor(), demo_forum)
    assert forum["title"] in text and "28.05.2027" in text and "11:00" in text and "4 საათი" in text
    codes = qr_codes(pdf)
    assert len(codes) == 6
    expected = checkin.tokens_of_forum(db.cursor(), demo_forum)
    assert set(codes) == {expected[p["id"]] for p in persons}
    for code in codes:  # the printed code is the readable form of the QR content
        assert f"{code[:3]}-{code[3:6]}-{code[6:]}" in text
    results = {checkin.scan(db, Actor("desk", "t"), demo_forum, c, "Desk 1").status for c in codes}
    assert results == {"checked_in"}


def test_english_invitation(db, demo_forum):
    person = people.all_active(db.cursor(), demo_forum)[0]
    text = text_of(printing.invitations_pdf(db.cursor(), demo_forum, "en", participant_ids=[person["id"]]))
    assert "Dear " in text and "Your working group" in text and "Duration" in text


def test_badges_eight_per_page_for_selected_groups(db, demo_forum):
    groups = forum_mod.groups(db.cursor(), demo_forum)
    chosen = [groups[0]["id"], groups[1]["id"]]
    members = [p for p in people.all_active(db.cursor(), demo_forum) if p["group_id"] in chosen]
    pdf = printing.badges_pdf(db.cursor(), demo_forum, "ka", group_ids=chosen)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == -(-len(members) // 8)
    codes = qr_codes(pdf, pages=[0])
    assert len(codes) == 8
    text = text_of(pdf)
    assert all(p["last_name"] in text for p in members)


def test_sign_in_sheets_sorted_by_last_name(db, demo_forum):
    group = forum_mod.groups(db.cursor(), demo_forum)[2]
    pdf = printing.sign_in_sheets_pdf(db.cursor(), demo_forum, "ka", group_ids=[group["id"]])
    text = text_of(pdf)
    names = [p["last_name"] for p in checkin.sign_in_sheet(db.cursor(), demo_forum, group["id"])]
    assert names == sorted(names)
    positions = [text.index(f"{n}") for n in names]
    assert positions == sorted(positions)
    assert "რეგისტრაციის ფურცელი" in text


def test_group_summary_has_priorities_and_initiatives(db, demo_forum):
    from forum_core import deliberation as dl

    forum = forum_mod.get_forum(db.cursor(), demo_forum)
    group = forum_mod.groups(db.cursor(), demo_forum)[3]
    FACILITATOR = Actor("facilitator", "tablet", group["id"])
    for m in dl.members(db.cursor(), demo_forum, group["id"])[:5]:
        dl.mark_present(db, FACILITATOR, demo_forum, group["id"], m["id"])
    dl.add_item(db, FACILITATOR, group["id"], "strength", "კარგი სკოლები")
    a = dl.add_problem(db, FACILITATOR, group["id"], "ბაღების ნაკლებობა").value
    dl.set_pebbles(db, FACILITATOR, a, 9)
    assert dl.finalise(db, FACILITATOR, forum, group["id"]).ok
    dl.save_initiative_field(db, FACILITATOR, group["id"], a, "goal", "2 ახალი ბაღი 2028 წლისთვის", "")
    text = text_of(printing.group_summary_pdf(db.cursor(), demo_forum, group["id"], "ka"))
    assert "კარგი სკოლები" in text and "ბაღების ნაკლებობა" in text and "9 კენჭი" in text
    assert "2 ახალი ბაღი 2028 წლისთვის" in text


def test_access_slips_carry_each_code_once(db, demo_forum):
    from forum_core import access
    from forum_core.i18n import t
    from tests.conftest import ORGANIZER

    made = access.create_forum_codes(db, ORGANIZER, demo_forum, desks=2, projectors=1)
    forum = forum_mod.get_forum(db.cursor(), demo_forum)
    pdf = printing.access_slips_pdf(forum, made, "ka")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == -(-len(made) // 8)  # 8 slips per sheet
    text = text_of(pdf)
    for slip in made:
        assert text.count(slip["code"]) == 1
        assert access.sign_in(db, demo_forum, slip["code"], "", "t", access.Throttle()).identity.role == slip["role"]
    assert t("ka", "role.facilitator") in text and t("ka", "access.slip_code") in text
