"""Budget programs from a file (forum_core/programs.py), as a municipality's office suite saves them."""

from decimal import Decimal
from pathlib import Path

import pytest

from forum_core import forum as forum_mod
from forum_core import i18n
from forum_core import programs as program_import
from tests.conftest import ORGANIZER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# tests/fixtures/make_office_files.py: what LibreOffice was given
EXPECTED = [
    ("02 01", "გზების მოვლა", Decimal("1250000.50"), 2027),
    ("05 03", "გრანტები", Decimal("120000.00"), 2027),
    ("06 02", "შეღავათები", Decimal("48750.75"), 2027),
]


@pytest.mark.parametrize("name", ["programs_libreoffice.xlsx", "programs_ka.csv"])
def test_a_budget_spreadsheet_saved_by_libreoffice_is_read_whole(db, forum_id, name):
    """A title row above the headers (the header row was taken from the first row, and every column
    said missing), and amounts with tetri: number cells, or "1 250 000.50 ₾" as a Georgian office
    suite shows them (refused as "not a number")."""
    outcome = program_import.import_programs(db, ORGANIZER, forum_id, (FIXTURES / name).read_bytes(), name)
    assert outcome.ok, outcome
    stored = {p["program_code"]: p for p in forum_mod.budget_programs(db.cursor(), forum_id)}
    assert [
        (code, stored[code]["name"], stored[code]["amount"], stored[code]["year"]) for code, *_ in EXPECTED
    ] == EXPECTED


def test_a_refused_row_is_named_by_its_row_in_the_file_and_nothing_is_saved(db, forum_id):
    data = (
        "2027 წლის პროგრამები,,,\n"
        "სფერო,კოდი,დასახელება,თანხა\n"
        'ინფრასტრუქტურა,02 01,გზები,"1 250 000,50"\n'
        "ახალგაზრდობა,05 03,გრანტები,ათასი ლარი\n"
    ).encode()
    outcome = program_import.import_programs(db, ORGANIZER, forum_id, data, "p.csv")
    assert not outcome.ok
    assert [(e.field, e.code) for e in outcome.errors] == [("program.4.amount", "not_an_amount")]
    assert i18n.error_line("ka", outcome.errors[0]).startswith(
        i18n.t("ka", "label.program_row", row=4, field=i18n.t("ka", "label.amount"))
    )
    assert forum_mod.budget_programs(db.cursor(), forum_id) == []


def test_a_file_with_the_tables_own_headers_is_read_and_a_column_it_lacks_is_kept(db, forum_id):
    """A browser tour: a file headed as the setup table ("Amount (GEL)", "თანხა (ლარი)") was imported
    with its amounts ignored, and each program's stored amount emptied, saying "1 program saved"."""
    data = "სფერო,კოდი,დასახელება,წელი\nინფრასტრუქტურა,02 01,გზები,2027\n".encode()
    assert program_import.import_programs(db, ORGANIZER, forum_id, data, "p.csv").ok
    row = {"field": "ინფრასტრუქტურა", "program_code": "02 01", "name": "გზები", "amount": "1000"}
    assert forum_mod.save_programs(db, ORGANIZER, forum_id, [row]).ok
    # a file without an amount column: the amount stays
    again = "სფერო,კოდი,დასახელება,წელი\nინფრასტრუქტურა,02 01,გზები,2028\n".encode()
    assert program_import.import_programs(db, ORGANIZER, forum_id, again, "p.csv").ok
    (stored,) = forum_mod.budget_programs(db.cursor(), forum_id)
    assert (stored["amount"], stored["year"]) == (Decimal("1000"), 2028)
    for lang, header in (
        ("en", "Field,Code,Name,Amount (GEL),Year"),
        ("ka", "სფერო,კოდი,სახელწოდება,თანხა (ლარი),წელი"),
    ):
        data = f'{header}\nინფრასტრუქტურა,02 01,გზები,"2 500,50",2028\n'.encode()
        assert program_import.import_programs(db, ORGANIZER, forum_id, data, "p.csv", lang=lang).ok, lang
        assert forum_mod.budget_programs(db.cursor(), forum_id)[0]["amount"] == Decimal("2500.50"), lang
        db.cursor().execute("UPDATE budget_program SET amount = 1000")


def test_missing_columns_are_named_in_the_pages_language(db, forum_id):
    refused = program_import.import_programs(db, ORGANIZER, forum_id, "სფერო,კოდი\nა,1\n".encode(), "p.csv", lang="ka")
    (error,) = refused.errors
    assert error.code == "missing_program_columns" and error.params["columns"] == i18n.t("ka", "label.name")
    assert "ნიმუში" not in i18n.error_text("ka", error)  # no template to download on that tab
