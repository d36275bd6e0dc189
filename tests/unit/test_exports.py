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

    for p in everyone:
        assert not named(p["first_name"]) and not named(p["last_name"])
        assert p["phone"] not in cells and not any(p["phone"][-7:] in d for d in digits)
        assert not named(p["community"])
    staff = cur.execute("SELECT facilitator, expert FROM working_group WHERE forum_id = ?", [FORUM]).fetchall()
    for facilitator, expert in staff:
        assert not named(facilitator) and not named(expert)
    columns = {c for t in tables.values() for c in t.column_names}
    assert not columns & {"first_name", "last_name", "phone", "birth_year", "community", "email", "needs",
                          "device", "token_secret"}
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
