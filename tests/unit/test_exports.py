"""Exports: every table as CSV / XLSX / Parquet with a README, and the anonymised export."""

import csv
import io
import re
import zipfile
from datetime import date, datetime

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from forum_core import exports, report
from forum_core import participants as people
from tests.conftest import ORGANIZER

FORUM = 1


def unzip(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_parquet_zip_holds_every_table_with_a_readme(finished_db):
    cur = finished_db.cursor()
    files = unzip(exports.parquet_zip(cur, FORUM))
    assert set(files) == {f"{n}.parquet" for n in exports.table_names()} | {"README.txt"}
    readme = files["README.txt"].decode()
    for name in exports.table_names():
        table = pq.read_table(io.BytesIO(files[f"{name}.parquet"]))
        assert f"{name}.parquet — " in readme
        for column in table.column_names:
            assert f"    {column}: " in readme
        if name in exports.FORUM_TABLES:  # the same rows as the database holds for this forum
            sql = exports.FORUM_TABLES[name]
            assert table.num_rows == len(cur.execute(sql, [FORUM]).fetchall())
    participant = pq.read_table(io.BytesIO(files["participant.parquet"]))
    assert participant.num_rows == people.count_active(cur, FORUM)
    forum = pq.read_table(io.BytesIO(files["forum.parquet"]))
    assert "token_secret" not in forum.column_names  # no secret leaves the laptop
    assert not any(n.startswith(("access_code", "device_session")) for n in files)
    priorities = pq.read_table(io.BytesIO(files["priorities.parquet"])).to_pylist()
    assert len(priorities) == 50 and priorities[0]["pebbles"] > 0


def test_the_anonymised_export_has_no_personal_data(finished_db):
    cur = finished_db.cursor()
    recs = report.recommendations(cur, FORUM)
    report.record_answer(finished_db, ORGANIZER, recs[0]["id"], {"status": "included", "amount": 1000})
    data = exports.parquet_zip(cur, FORUM, anonymised=True)
    files = unzip(data)
    tables = {n: pq.read_table(io.BytesIO(b)) for n, b in files.items() if n.endswith(".parquet")}
    values = [v for t in tables.values() for row in t.to_pylist() for v in row.values()]
    cells = " ".join(str(v) for v in values) + files["README.txt"].decode()
    # A phone's digits, looked for in each value that could hold one: the digits of a timestamp
    # (20261122030500715286) can contain seven of a phone number's by chance.
    digits = [re.sub(r"\D", "", str(v)) for v in values if not isinstance(v, (datetime, date))]
    everyone = people.all_active(cur, FORUM)
    assert everyone
    words = set(re.findall(r"\w+", cells))

    def named(text: str) -> bool:  # as whole words: თელავი is a community, თელავის the municipality's name
        return all(w in words for w in re.findall(r"\w+", text))

    # A village is named only in the representation figures, and only when 5 people or more come
    # from it (fewer are pooled as "other": a rare village points at its people).
    from collections import Counter

    village_size = Counter(p["community"] for p in everyone)
    for p in everyone:
        assert not named(p["first_name"]) and not named(p["last_name"])
        assert p["phone"] not in cells and not any(p["phone"][-7:] in d for d in digits)
        assert not named(p["community"]) or village_size[p["community"]] >= 5
    staff = cur.execute("SELECT facilitator, expert FROM working_group WHERE forum_id = ?", [FORUM]).fetchall()
    for facilitator, expert in staff:
        assert not named(facilitator) and not named(expert)
    columns = {c for t in tables.values() for c in t.column_names}
    assert not columns & {
        "first_name",
        "last_name",
        "phone",
        "birth_year",
        "community",
        "email",
        "needs",
        "device",
        "token_secret",
    }
    assert "participant.parquet" not in files and "audit_log.parquet" not in files
    # what it is for: the priorities, the answer and the counts stay
    assert tables["priorities.parquet"].num_rows == 50
    assert tables["priorities.parquet"].to_pylist()[0]["status"] == "included"
    came = [r for r in tables["attendance.parquet"].to_pylist() if r["measure"] == "came"]
    assert sum(r["count"] for r in came) == 100


def test_every_table_as_csv_and_xlsx(finished_db):
    cur = finished_db.cursor()
    groups = exports.one_table(cur, FORUM, "working_group")
    data = exports.table_csv(groups)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == groups.column_names and len(rows) == 11 and rows[1][3] == "სოციალური დაცვა"
    workbook = load_workbook(io.BytesIO(exports.tables_xlsx(exports.tables(cur, FORUM))))
    assert workbook.sheetnames == exports.table_names()
    sheet = workbook["problem"]
    assert sheet.max_row == 1 + cur.execute("SELECT count(*) FROM problem WHERE forum_id = ?", [FORUM]).fetchone()[0]
    with pytest.raises(KeyError):
        exports.one_table(cur, FORUM, "access_code")


def test_a_file_that_is_not_an_export_is_told_apart(finished_db):
    with pytest.raises(exports.NotAnExport):
        exports.read_parquet_zip(b"not a zip at all")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(exports.NotAnExport):
        exports.read_parquet_zip(buffer.getvalue())
    tables = exports.read_parquet_zip(exports.parquet_zip(finished_db.cursor(), FORUM, anonymised=True))
    assert tables["forum"].to_pylist()[0]["title"]


# --- formula-safe exports (issue 15) ----------------------------------------------------------------

# (names are stored trimmed: a leading tab or carriage return is tried on the cell functions below)
HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "=cmd|' /C calc'!A0"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile_forum(db, demo_forum):
    """The demo forum with people, a group name and problem titles that look like formulas."""
    from forum_core import deliberation as dl
    from forum_core import forum as forum_mod

    groups = forum_mod.groups(db.cursor(), demo_forum)
    for n, text in enumerate(HOSTILE):
        outcome = people.add(
            db,
            ORGANIZER,
            demo_forum,
            {
                "first_name": text,
                "last_name": HOSTILE[-1 - n],
                "phone": f"599 10 20 3{n}",
                "group": groups[n]["id"],
                "community": "@community",
                "needs": "-wheelchair",
            },
        )
        assert outcome.ok, outcome
        assert dl.add_problem(db, ORGANIZER, groups[0]["id"], text + f" {n}").ok
    db.cursor().execute("UPDATE working_group SET name = ? WHERE id = ?", ["=cmd|' /C calc'!A0", groups[1]["id"]])
    return demo_forum


def shown_as_text(value: str, original: str) -> bool:
    """A CSV cell a spreadsheet shows as text: no formula start, or the single quote before it."""
    if not original.startswith(TRIGGERS):
        return value == original
    return value == "'" + original


def test_participant_csv_cells_are_text_and_reimport_unchanged(db, hostile_forum):
    from forum_core import importer

    cur = db.cursor()
    data = exports.participants_csv(cur, hostile_forum)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][-1] == "participant id"  # a re-import names each person by id
    for row in rows[1:]:
        assert not row[0].startswith(TRIGGERS) and not row[1].startswith(TRIGGERS)
        assert not any(cell.startswith(TRIGGERS) for cell in row)  # phones (+995 ...) too
    firsts = {r[0] for r in rows[1:]}
    for text in HOSTILE:
        assert "'" + text in firsts
    assert "'+995 599 10 20 30" in {r[2] for r in rows[1:]}
    plan = importer.preview(cur, hostile_forum, data, "people.csv")
    assert plan.problem is None and not plan.invalid
    assert plan.count("new") == 0 and plan.count("unchanged") == people.count_active(cur, hostile_forum)
    # the import writes the names as they were, not with the quote
    before = {
        p["id"]: (p["first_name"], p["last_name"], p["phone"], p["needs"])
        for p in people.all_active(cur, hostile_forum)
    }
    edited = data.decode("utf-8-sig").replace("'=HYPERLINK", "'=HYPERLINK2", 1).encode("utf-8")
    assert importer.apply(db, ORGANIZER, hostile_forum, edited, "people.csv").ok
    after = {
        p["id"]: (p["first_name"], p["last_name"], p["phone"], p["needs"])
        for p in people.all_active(db.cursor(), hostile_forum)
    }
    changed = {i for i in before if before[i] != after[i]}
    assert len(changed) == 1 and after[changed.pop()][0] == '=HYPERLINK2("http://x")'


def test_participant_xlsx_has_no_formula_and_reimports_unchanged(db, hostile_forum):
    from forum_core import importer

    cur = db.cursor()
    data = exports.participants_xlsx(cur, hostile_forum)
    sheet = load_workbook(io.BytesIO(data))["participants"]
    assert [c.value for c in sheet[1]][-1] == "participant id"
    names = set()
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
                assert cell.data_type == "s" and cell.quotePrefix  # shown as text, kept as text when edited
        names.add(row[0].value)
    assert set(HOSTILE) <= names  # the values themselves, unchanged
    plan = importer.preview(cur, hostile_forum, data, "people.xlsx")
    assert plan.problem is None and not plan.invalid and plan.count("new") == 0
    assert plan.count("unchanged") == people.count_active(cur, hostile_forum)
    ids = {r.participant_id for r in plan.rows}
    assert ids == {p["id"] for p in people.all_active(cur, hostile_forum)}


def test_every_table_export_is_formula_safe(db, hostile_forum):
    cur = db.cursor()
    named = exports.tables(cur, hostile_forum)
    workbook = load_workbook(io.BytesIO(exports.tables_xlsx(named)))
    seen = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
                    assert cell.data_type == "s" and cell.quotePrefix
                    seen += 1
    assert seen >= 3 * len(HOSTILE)  # participants, problems, audit (JSON does not start with one)
    for name in ("participant", "problem", "working_group"):
        table = named[name]
        rows = list(csv.reader(io.StringIO(exports.table_csv(table).decode("utf-8-sig"), newline="")))
        originals = [
            ["" if v is None else str(v) if not isinstance(v, str) else v for v in r.values()]
            for r in table.to_pylist()
        ]
        for got, want in zip(rows[1:], originals):
            for cell, original in zip(got, want):
                assert not cell.startswith(TRIGGERS)
                if isinstance(original, str) and original.startswith(TRIGGERS):
                    assert shown_as_text(cell, original)


def test_the_importer_strips_exactly_the_one_quote_an_export_added(db, demo_forum):
    from forum_core import importer

    text = (
        "first_name,last_name,phone,group\n"
        "'=A1,'-B,'+995 599 11 22 33,1\n"
        "''=C,O'Brien,599 11 22 34,1\n"
        "'Nino,'Beridze,599 11 22 35,1\n"
    )
    plan = importer.preview(db.cursor(), demo_forum, text.encode(), "x.csv")
    got = [(r.person.first_name, r.person.last_name, r.person.phone) for r in plan.rows if r.person]
    assert got == [
        ("=A1", "-B", "+995599112233"),
        ("'=C", "O'Brien", "+995599112234"),
        ("'Nino", "'Beridze", "+995599112235"),
    ]
    # and a stored text that starts with a quote before '=' goes out with one more and comes back as it was
    assert exports.csv_cell("'=C") == "''=C" and exports.csv_cell("'Nino") == "'Nino"


def test_tab_and_carriage_return_starts_are_text_too():
    from openpyxl import Workbook

    for text in ("\tx", "\r=1+1", "=1+1", "@x", "+x", "-x"):
        assert exports.csv_cell(text) == "'" + text
    assert exports.csv_cell("x=1") == "x=1" and exports.csv_cell(-2) == -2 and exports.csv_cell("") == ""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(exports.xlsx_row(ws, ["\tx", "\r=1+1", "=1+1", -2, "plain"]))
    buf = io.BytesIO()
    wb.save(buf)
    row = next(load_workbook(io.BytesIO(buf.getvalue()))["s"].iter_rows())
    assert [c.data_type for c in row] == ["s", "s", "s", "n", "s"]
    # (XML reads a carriage return back as a line feed)
    assert [c.value for c in row] == ["\tx", "\n=1+1", "=1+1", -2, "plain"]
    assert [bool(c.quotePrefix) for c in row] == [True, True, True, False, False]
