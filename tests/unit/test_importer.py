"""Import of participant lists; every file is built here, in the test."""

import codecs
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from forum_core import importer
from forum_core import participants as people
from tests.conftest import ORGANIZER

HEADER = ["first_name", "last_name", "phone", "group", "gender", "birth_year", "community", "email", "needs"]
ROWS = [
    ["ნინო", "კაპანაძე", "599 12 34 56", "1", "ქ", "1985", "თელავი", "", ""],
    ["გიორგი", "ბერიძე", "+995577654321", "ინფრასტრუქტურა", "კ", "1990", "", "g@example.ge", "ეტლი"],
    ["თამარ", "ლომიძე", "555-000-111", "3", "", "", "", "", ""],
]


def csv_bytes(rows, header=HEADER, sep=",", encoding="utf-8", bom=b""):
    text = "\r\n".join(sep.join(str(c) for c in r) for r in [header] + rows) + "\r\n"
    return bom + text.encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def count(db, forum_id):
    return people.count_active(db.cursor(), forum_id)


def reasons(plan):
    return {(row.line, e.field, e.code) for row in plan.invalid for e in row.errors}


def test_preview_writes_nothing_then_apply_imports(db, forum_id):
    data = csv_bytes(ROWS)
    plan = importer.preview(db.cursor(), forum_id, data, "list.csv")
    assert plan.problem is None and plan.counts == {"new": 3, "update": 0, "unchanged": 0, "invalid": 0}
    assert count(db, forum_id) == 0
    outcome = importer.apply(db, ORGANIZER, forum_id, data, "list.csv")
    assert outcome.ok and count(db, forum_id) == 3
    giorgi = people.search(db.cursor(), forum_id, "giorgi beridze", role="organizer")[0]
    assert (giorgi["group_number"], giorgi["phone"], giorgi["needs"]) == (2, "+995577654321", "ეტლი")


def test_encodings_and_separators(db, forum_id):
    variants = {
        "utf8": csv_bytes(ROWS),
        "utf8 bom": csv_bytes(ROWS, bom=codecs.BOM_UTF8),
        "utf16 tab (Excel unicode text)": csv_bytes(ROWS, sep="\t", encoding="utf-16"),
        "utf16le no bom": csv_bytes(ROWS, sep="\t", encoding="utf-16-le"),
        "semicolon": csv_bytes(ROWS, sep=";"),
        "xlsx": xlsx_bytes(ROWS),
    }
    for name, data in variants.items():
        plan = importer.preview(db.cursor(), forum_id, data, "f.xlsx" if name == "xlsx" else "f.csv")
        assert plan.problem is None, name
        assert plan.counts["new"] == 3, (name, plan.counts, reasons(plan))


def test_georgian_headers_in_any_case_and_spacing_and_full_name(db, forum_id):
    header = [" სახელი და გვარი ", "ტელეფონი", "ჯგუფი", "დაბადების  წელი", "თემი", "Extra"]
    rows = [["ნინო კაპანაძე", "599123456", "1", "1985", "თელავი", "x"]]
    plan = importer.preview(db.cursor(), forum_id, csv_bytes(rows, header=header), "f.csv")
    assert plan.counts["new"] == 1 and plan.ignored_columns == ["Extra"]
    person = plan.rows[0].person
    assert (person.first_name, person.last_name, person.birth_year) == ("ნინო", "კაპანაძე", 1985)
    header2 = ["FIRST NAME", "Last_Name", "Phone", "GROUP"]
    plan2 = importer.preview(db.cursor(), forum_id, csv_bytes([["a", "b", "599123456", "2"]], header=header2), "f.csv")
    assert plan2.counts["new"] == 1


def test_invalid_rows_are_reported_with_line_column_reason(db, forum_id):
    rows = [
        ["", "კაპანაძე", "599 12 34 56", "1", "", "", "", "", ""],  # line 2: no first name
        ["ნინო", "ბერიძე", "12345", "1", "", "", "", "", ""],  # line 3: bad phone
        ["ნინო", "ლომიძე", "599 22 22 22", "77", "", "", "", "", ""],  # line 4: unknown group
        ["ნინო", "მესხი", "599 33 33 33", "1", "", "1850", "", "", ""],  # line 5: birth year
        ["ანა", "თოდუა", "599 44 44 44", "1", "", "", "", "", ""],  # line 6: ok
        ["ანა", "სურმავა", "599444444", "2", "", "", "", "", ""],  # line 7: same phone as line 6
        ["ია", "ყიფიანი", "599 55 55 55", "1", "unknown", "", "", "", ""],  # line 8: gender
    ]
    plan = importer.preview(db.cursor(), forum_id, csv_bytes(rows), "f.csv")
    assert reasons(plan) == {
        (2, "first_name", "required"),
        (3, "phone", "bad_phone"),
        (4, "group", "unknown_group"),
        (5, "birth_year", "out_of_range"),
        (7, "phone", "duplicate_in_file"),
        (8, "gender", "bad_gender"),
    }
    assert plan.counts["new"] == 1
    lines = importer.report_lines(plan, "en")
    assert "line 3, Phone: “12345” is not a Georgian phone number (e.g. 599 12 34 56)." in lines
    refused = importer.apply(db, ORGANIZER, forum_id, csv_bytes(rows), "f.csv")
    assert refused.reason == "has_invalid" and count(db, forum_id) == 0
    partial = importer.apply(db, ORGANIZER, forum_id, csv_bytes(rows), "f.csv", skip_invalid=True)
    assert partial.ok and count(db, forum_id) == 1


def test_phone_already_on_another_person(db, forum_id):
    importer.apply(db, ORGANIZER, forum_id, csv_bytes(ROWS), "f.csv")
    other = [["მარიამ", "ჩიქოვანი", "599 12 34 56", "1", "", "", "", "", ""]]
    plan = importer.preview(db.cursor(), forum_id, csv_bytes(other), "f.csv")
    assert reasons(plan) == {(2, "phone", "phone_taken")}


def test_reimport_updates_instead_of_duplicating(db, forum_id):
    importer.apply(db, ORGANIZER, forum_id, csv_bytes(ROWS), "f.csv")
    same = importer.preview(db.cursor(), forum_id, csv_bytes(ROWS), "f.csv")
    assert same.counts == {"new": 0, "update": 0, "unchanged": 3, "invalid": 0}
    corrected = [list(r) for r in ROWS]
    corrected[0][3] = "2"  # Nino moves to group 2
    corrected[1][0] = "გიორგიი"  # a typo in Giorgi's first name, same phone and surname
    plan = importer.preview(db.cursor(), forum_id, csv_bytes(corrected), "f.csv")
    assert plan.counts == {"new": 0, "update": 2, "unchanged": 1, "invalid": 0}
    # every update lists each changed field, before -> after
    assert {(r.line, k, v) for r in plan.updates for k, v in r.changes.items()} == {
        (2, "group", ("1. სოციალური", "2. ინფრასტრუქტურა")),
        (3, "first_name", ("გიორგი", "გიორგიი")),
    }
    lines = importer.report_lines(plan, "en")
    assert "line 2, ნინო კაპანაძე: Group 1. სოციალური → 2. ინფრასტრუქტურა" in lines
    assert "line 3, გიორგიი ბერიძე: First name გიორგი → გიორგიი" in lines
    assert (
        count(db, forum_id) == 3
        and people.search(db.cursor(), forum_id, "nino", role="organizer")[0]["group_number"] == 1
    )
    assert importer.apply(db, ORGANIZER, forum_id, csv_bytes(corrected), "f.csv").ok
    assert count(db, forum_id) == 3
    assert people.search(db.cursor(), forum_id, "nino", role="organizer")[0]["group_number"] == 2
    nothing = importer.apply(db, ORGANIZER, forum_id, csv_bytes(corrected), "f.csv")
    assert nothing.reason == "nothing_to_import"


def test_same_name_with_another_phone_is_a_new_person_flagged_as_possible_duplicate(db, forum_id):
    importer.apply(db, ORGANIZER, forum_id, csv_bytes(ROWS), "f.csv")
    namesake = [
        ["ნინო", "კაპანაძე", "577 99 88 77", "3", "ქ", "2001", "ყვარელი", "", ""],
        ["ნინო", "კაპანაძე", "577 99 88 66", "2", "", "", "", "", ""],
    ]
    plan = importer.preview(db.cursor(), forum_id, csv_bytes(namesake), "f.csv")
    assert plan.counts == {"new": 2, "update": 0, "unchanged": 0, "invalid": 0}
    first, second = plan.possible_duplicates
    assert first.duplicates[0]["phone"] == "+995599123456" and second.duplicates[-1] == {"line": 2}
    lines = importer.report_lines(plan, "en")
    assert (
        "line 2, ნინო კაპანაძე (+995 577 99 88 77): a new person with the same name as ნინო კაპანაძე "
        "(+995 599 12 34 56, group 1. სოციალური) already on the list"
    ) in lines
    assert "line 3, ნინო კაპანაძე (+995 577 99 88 66): a new person with the same name as line 2 of the file" in lines
    assert any("ახალი ადამიანი იგივე სახელით" in ln for ln in importer.report_lines(plan, "ka"))
    # the organizer leaves them out: nothing changes
    left_out = importer.apply(db, ORGANIZER, forum_id, csv_bytes(namesake), "f.csv", skip_duplicates=True)
    assert left_out.ok and left_out.reason == "nothing_to_import" and count(db, forum_id) == 3
    # ... or adds them: the existing Nino keeps her phone, group, birth year and community
    assert importer.apply(db, ORGANIZER, forum_id, csv_bytes(namesake), "f.csv").ok
    ninos = people.search(db.cursor(), forum_id, "nino kapanadze", role="organizer")
    assert count(db, forum_id) == 5 and len(ninos) == 3
    original = next(p for p in ninos if p["phone"] == "+995599123456")
    assert (original["group_number"], original["birth_year"], original["community"]) == (1, 1985, "თელავი")


def test_a_changed_phone_with_the_same_name_is_not_taken_for_the_person(db, forum_id):
    importer.apply(db, ORGANIZER, forum_id, csv_bytes(ROWS), "f.csv")
    moved = [list(ROWS[2])]
    moved[0][2] = "555 000 222"  # Tamar Lomidze with another phone: maybe another Tamar Lomidze
    plan = importer.preview(db.cursor(), forum_id, csv_bytes(moved), "f.csv")
    assert plan.counts["new"] == 1 and plan.counts["update"] == 0 and len(plan.possible_duplicates) == 1


def test_an_id_column_from_an_export_names_the_person(db, forum_id):
    importer.apply(db, ORGANIZER, forum_id, csv_bytes(ROWS), "f.csv")
    tamar = people.search(db.cursor(), forum_id, "tamar", role="organizer")[0]
    nino = people.search(db.cursor(), forum_id, "nino", role="organizer")[0]
    header = ["participant id"] + HEADER
    rows = [
        [tamar["id"], "თამარ", "ლომიძე", "555 000 222", "3", "", "", "", "", ""],  # a new phone
        [nino["id"], "ნინო", "კაპანაძე", "555-000-111", "1", "", "", "", "", ""],
    ]  # Tamar's old phone
    plan = importer.preview(db.cursor(), forum_id, csv_bytes(rows, header=header), "f.csv")
    assert [r.action for r in plan.rows] == ["update", "invalid"]
    assert plan.rows[0].changes["phone"] == ("+995555000111", "+995555000222")
    assert reasons(plan) == {(3, "phone", "phone_taken")}


def test_file_problems(db, forum_id):
    cases = {
        "empty": (b"", "empty_file"),
        "only blanks": (b"\r\n , , \r\n", "empty_file"),
        "utf-16 with a NUL": ("first_name\x00".encode("utf-16"), "bad_encoding"),
        "missing columns": (csv_bytes([["ნინო", "599123456"]], header=["სახელი", "ტელეფონი"]), "missing_columns"),
        "broken xlsx": (b"PK\x03\x04garbage", "not_a_table"),
        "broken xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "not_a_table"),
    }
    for name, (data, code) in cases.items():
        plan = importer.preview(db.cursor(), forum_id, data, "f.xls" if "xls" in name else "f.csv")
        assert plan.problem is not None and plan.problem.code == code, name
        outcome = importer.apply(db, ORGANIZER, forum_id, data, "f.csv")
        assert not outcome.ok
    missing = importer.preview(db.cursor(), forum_id, cases["missing columns"][0], "f.csv")
    assert missing.problem.params == {"columns": "last_name, group"}
    # named as the reader's language shows them, never as internal keys
    assert importer.report_lines(missing, "ka") == ["ფაილს აკლია სვეტები: „გვარი“, „ჯგუფი“. ჩამოტვირთეთ ნიმუში."]
    assert "“Last name”, “Group”" in importer.report_lines(missing, "en")[0]
    assert count(db, forum_id) == 0


def test_a_western_code_page_file_with_latin_names_is_read(db, forum_id):
    data = "first_name,last_name,phone,group\r\nJosé,Müller,599123456,1\r\n".encode("cp1252")
    plan = importer.preview(db.cursor(), forum_id, data, "f.csv")
    assert plan.counts["new"] == 1 and plan.rows[0].person.first_name == "José"


def test_encoding_damage_is_refused_with_how_to_save_it(db, forum_id):
    georgian_rows = [
        ["ნინო", "კაპანაძე", "599123456", "1"],
        ["გიორგი", "ბერიძე", "577654321", "2"],
        ["თამარ", "ლომიძე", "555000111", "3"],
    ]
    english = ["first_name", "last_name", "phone", "group"]
    damaged = {
        "question marks, English headers": "\r\n".join(",".join(r) for r in [english] + georgian_rows).encode(
            "cp1252", errors="replace"
        ),
        "question marks, Georgian headers": "\r\n".join(
            ",".join(r) for r in [["სახელი", "გვარი", "ტელეფონი", "ჯგუფი"]] + georgian_rows
        ).encode("cp1252", errors="replace"),
        "replacement characters": "\r\n".join(",".join(r) for r in [english] + georgian_rows)
        .encode("utf-8")
        .decode("ascii", errors="replace")
        .encode("utf-8"),
        "mojibake (UTF-8 read as Windows-1252)": "\r\n".join(",".join(r) for r in [english] + georgian_rows)
        .encode("utf-8")
        .decode("cp1252", errors="replace")
        .encode("utf-8"),
    }
    for name, data in damaged.items():
        plan = importer.preview(db.cursor(), forum_id, data, "f.csv")
        assert plan.problem is not None and plan.problem.code == "wrong_encoding", (name, plan.problem, plan.counts)
        message = importer.report_lines(plan, "en")[0]
        assert "wrong encoding" in message and "UTF-8" in message and ".xlsx" in message
        assert "კოდირებით" in importer.report_lines(plan, "ka")[0]
        assert not importer.apply(db, ORGANIZER, forum_id, data, "f.csv").ok
    # one damaged name among good ones: that row is invalid, the rest import
    mixed = csv_bytes(ROWS + [["????", "?????", "599 77 77 77", "1", "", "", "", "", ""]])
    plan = importer.preview(db.cursor(), forum_id, mixed, "f.csv")
    assert plan.counts["new"] == 3 and reasons(plan) == {
        (5, "first_name", "damaged_text"),
        (5, "last_name", "damaged_text"),
    }
    assert count(db, forum_id) == 0


def test_title_rows_second_sheet_and_date_birth_years(db, forum_id):
    from datetime import date, datetime

    wb = Workbook()
    wb.active.title = "notes"
    wb.active["A1"] = "Prepared by the council"
    ws = wb.create_sheet("list")
    ws.append(["თელავის მოსახლეობის ფორუმი"])
    ws.append([])
    ws.append(["სახელი", "გვარი", "ტელეფონი", "ჯგუფი", "დაბადების წელი"])
    ws.append(["ნინო", "კაპანაძე", 599123456, 1, date(1985, 3, 2)])
    ws.append(["გიორგი", "ბერიძე", 577654321, 2, datetime(1990, 1, 31, 0, 0)])
    ws.append(["თამარ", "ლომიძე", 555000111, 3, "02.03.1979"])
    ws.append(["ანა", "თოდუა", 555000222, 1, "abc"])
    buf = io.BytesIO()
    wb.save(buf)
    plan = importer.preview(db.cursor(), forum_id, buf.getvalue(), "list.xlsx")
    assert plan.problem is None and (plan.sheet, plan.header_line) == ("list", 3)
    assert [r.person.birth_year for r in plan.rows if r.person] == [1985, 1990, 1979]
    assert reasons(plan) == {(7, "birth_year", "not_a_number")}  # the row a spreadsheet shows
    assert "Read from sheet “list”, headers on row 3." in importer.report_lines(plan, "en")
    # the organizer may name the sheet; a sheet without the headers says what lacks
    wrong = importer.preview(db.cursor(), forum_id, buf.getvalue(), "list.xlsx", sheet="notes")
    assert wrong.problem.code == "missing_columns"
    # CSV: a title row above the header
    titled = ("მონაწილეთა სია\r\n\r\n" + ",".join(HEADER) + "\r\n" + ",".join(ROWS[0]) + "\r\n").encode()
    plan = importer.preview(db.cursor(), forum_id, titled, "f.csv")
    assert plan.counts["new"] == 1 and plan.header_line == 3 and plan.rows[0].line == 4


def test_csv_line_numbers_are_the_rows_a_spreadsheet_shows(db, forum_id):
    rows = [
        ["ნინო", "კაპანაძე", "599 12 34 56", "1", "", "", "", "", '"ეტლი\nდა\nთანმხლები"'],  # row 2, 3 lines
        ["გიორგი", "ბერიძე", "12345", "1", "", "", "", "", ""],  # row 3: bad phone
        ["თამარ", "ლომიძე", "555 000 111", "99", "", "", "", "", ""],  # row 4: group
    ]
    plan = importer.preview(db.cursor(), forum_id, csv_bytes(rows), "f.csv")
    assert reasons(plan) == {(3, "phone", "bad_phone"), (4, "group", "unknown_group")}
    assert plan.rows[0].person.needs == "ეტლი\nდა\nთანმხლები"


FIXTURES = __import__("pathlib").Path(__file__).parent.parent / "fixtures"


def test_office_files_made_by_a_real_office_suite(db, forum_id):
    """Files saved by LibreOffice (see tests/fixtures/make_office_files.py): the list on the second
    sheet under two title rows, phones as numbers, birth years as date cells."""
    expected = [
        ("ნინო", "კაპანაძე", 1985),
        ("Արամ", "Պետրոսյան", 1979),
        ("Ирина", "Смирнова", 1990),
        ("Elvin", "Məmmədov", 2001),
        ("ნიკოლოზ-ალექსანდრე", "ჯავახიშვილი-ორბელიანი", 1962),
    ]
    for name in ("participants_libreoffice.xlsx", "participants.xls", "participants.ods", "participants_utf16.csv"):
        plan = importer.preview(db.cursor(), forum_id, (FIXTURES / name).read_bytes(), name)
        assert plan.problem is None and plan.counts["new"] == 5, (name, plan.counts, reasons(plan))
        assert [(r.person.first_name, r.person.last_name, r.person.birth_year) for r in plan.rows] == expected, name
        assert plan.rows[0].person.phone == "+995599123456" and plan.rows[0].person.gender == "f"
        if name != "participants_utf16.csv":
            assert (plan.sheet, plan.header_line, plan.rows[0].line) == ("სია", 3, 4), name
    for name in ("participants_cp1252.csv", "participants_excel_cp1252.csv"):
        plan = importer.preview(db.cursor(), forum_id, (FIXTURES / name).read_bytes(), name)
        assert plan.problem is not None and plan.problem.code == "wrong_encoding", name
    assert importer.apply(db, ORGANIZER, forum_id, (FIXTURES / "participants.ods").read_bytes(), "p.ods").ok
    assert count(db, forum_id) == 5


def _big_rows(n):
    return [
        [
            f"სახელი{i}",
            f"გვარი{i}",
            f"5{i:08d}",
            str(i % 3 + 1),
            "ქ" if i % 2 else "კ",
            str(1950 + i % 50),
            "თელავი",
            "",
            "",
        ]
        for i in range(n)
    ]


def test_a_5000_row_file_imports_in_one_go(db, forum_id):
    data = csv_bytes(_big_rows(5000))
    outcome = importer.apply(db, ORGANIZER, forum_id, data, "big.csv")
    assert outcome.ok and outcome.value.counts["new"] == 5000
    assert count(db, forum_id) == 5000
    cur = db.cursor()
    assert cur.execute("SELECT count(*) FROM audit_log WHERE action = 'participant.add'").fetchone() == (5000,)
    assert [p["last_name"] for p in people.search(cur, forum_id, "sakheli4999", role="organizer")] == ["გვარი4999"]
    again = importer.preview(cur, forum_id, data, "big.csv")
    assert again.counts["unchanged"] == 5000


def test_template_is_importable(db, forum_id):
    for data, name in ((importer.template_csv(), "t.csv"), (importer.template_xlsx(), "t.xlsx")):
        plan = importer.preview(db.cursor(), forum_id, data, name)
        assert plan.counts == {"new": 2, "update": 0, "unchanged": 0, "invalid": 0}, name


def test_quotes_and_sql_fragments_are_stored_unchanged(db, forum_id):
    evil = "O'Brien\"; DROP TABLE participant; --"
    rows = [[evil, "<script>alert(1)</script>", "599 12 34 56", "1", "", "", "**bold** [x](http://x)", "", ""]]
    data = csv_bytes([['"' + evil.replace('"', '""') + '"'] + rows[0][1:]])
    assert importer.apply(db, ORGANIZER, forum_id, data, "f.csv").ok
    p = people.all_active(db.cursor(), forum_id)[0]
    assert (p["first_name"], p["last_name"], p["community"]) == (
        evil,
        "<script>alert(1)</script>",
        "**bold** [x](http://x)",
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.lists(st.lists(st.text(max_size=12), max_size=6), max_size=6).map(
            lambda rows: "\n".join(",".join(r) for r in [HEADER[:4]] + rows).encode("utf-8")
        ),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
    )
)
def test_random_files_end_in_a_report_or_a_clear_error(db, forum_id, data):
    before = count(db, forum_id)
    plan = importer.preview(db.cursor(), forum_id, data, "fuzz.csv")
    assert plan.problem is not None or isinstance(plan.counts, dict)
    outcome = importer.apply(db, ORGANIZER, forum_id, data, "fuzz.csv")
    if not outcome.ok:
        assert count(db, forum_id) == before


def test_a_numbering_column_is_never_taken_for_ids(db, forum_id):
    importer.apply(db, ORGANIZER, forum_id, csv_bytes(ROWS), "f.csv")
    ids = [p["id"] for p in people.all_active(db.cursor(), forum_id)]
    others = [["ანა", "თოდუა", "599 44 44 44", "1"], ["ია", "ყიფიანი", "599 55 55 55", "2"]]
    for column in ("#", "id", "№"):
        data = csv_bytes([[str(i)] + row for i, row in zip(ids, others)], header=[column] + HEADER[:4])
        plan = importer.preview(db.cursor(), forum_id, data, "f.csv")
        assert plan.counts == {"new": 2, "update": 0, "unchanged": 0, "invalid": 0}, column
