"""Exports of a forum's data in the same shape the importer reads back.

Every CSV and XLSX cell is formula-safe (OWASP's CSV-injection advice): a text that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is never taken for a
formula by a spreadsheet. In CSV such a text is written with one leading single quote
(``'=SUM(A1)``), which Excel and LibreOffice show as text; the importer takes exactly
that quote off again. In XLSX the cell is stored as a string with the "quote prefix"
style (shown as typed, kept as text when edited), its value unchanged.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from forum_core import georgian
from forum_core import participants as people
from forum_core.importer import FORMULA_START, TEMPLATE_HEADERS

# The participant list: the template's columns and the person's id, so that a re-import of
# the list names each person by id (the importer reads a "participant id" column).
PARTICIPANT_HEADERS = TEMPLATE_HEADERS + ["participant id"]


def formula_like(value) -> bool:
    """Whether a spreadsheet could take this cell for a formula (a text starting with = + - @ tab CR)."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value):
    """A CSV cell a spreadsheet shows as text: a formula-like text gets one leading single quote.

    A text that already starts with quotes before such a character ("'=x") gets one more, so that
    the importer, which takes exactly one off, reads back what was stored."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(header: list, rows) -> bytes:
    """UTF-8 CSV with a BOM (Excel then reads UTF-8), every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([csv_cell("" if v is None else v) for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def xlsx_row(ws, row) -> list:
    """Cells for a write-only sheet: a formula-like text is a string cell with the quote prefix,
    never a formula (openpyxl would store "=..." as one)."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if formula_like(value):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def participant_rows(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[list]:
    rows = []
    for p in people.all_active(cur, forum_id):
        rows.append(
            [
                p["first_name"],
                p["last_name"],
                georgian.format_phone(p["phone"]),
                p["group_number"],
                p["gender"] or "",
                p["birth_year"] or "",
                p["community"] or "",
                p["email"] or "",
                p["needs"] or "",
                p["id"],
            ]
        )
    return rows


def participants_csv(cur: duckdb.DuckDBPyConnection, forum_id: int) -> bytes:
    return csv_bytes(PARTICIPANT_HEADERS, participant_rows(cur, forum_id))


def participants_xlsx(cur: duckdb.DuckDBPyConnection, forum_id: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("participants")
    ws.append(PARTICIPANT_HEADERS)
    for row in participant_rows(cur, forum_id):
        ws.append(xlsx_row(ws, row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_participants(cur: duckdb.DuckDBPyConnection, forum_id: int, path: Path) -> int:
    """Write the participant list to ``path`` (.xlsx or .csv); return how many people."""
    data = participants_xlsx(cur, forum_id) if path.suffix.lower() == ".xlsx" else participants_csv(cur, forum_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return people.count_active(cur, forum_id)


# --- every table of a forum ------------------------------------------------------------------------
# The tables of one forum and how to pick its rows. Names are fixed identifiers of the schema
# (never user input); the forum is always a parameter. Secrets are left out of every export:
# the forum's token secret (it would let anyone forge invitation codes), access codes and
# signed-in devices (hashes of credentials).
FORUM_TABLES: dict[str, str] = {
    "forum": "SELECT * EXCLUDE (token_secret) FROM forum WHERE id = ?",
    "agenda_phase": "SELECT * FROM agenda_phase WHERE forum_id = ? ORDER BY position",
    "working_group": "SELECT * FROM working_group WHERE forum_id = ? ORDER BY number",
    "participant": "SELECT * FROM participant WHERE forum_id = ? ORDER BY id",
    "participant_token": "SELECT t.* FROM participant_token t JOIN participant p ON p.id = t.participant_id "
    "WHERE p.forum_id = ? ORDER BY t.participant_id, t.issued_at",
    "checkin_event": "SELECT * FROM checkin_event WHERE forum_id = ? ORDER BY id",
    "budget_program": "SELECT * FROM budget_program WHERE forum_id = ? ORDER BY id",
    "assessment_item": "SELECT * FROM assessment_item WHERE forum_id = ? ORDER BY id",
    "problem": "SELECT * FROM problem WHERE forum_id = ? ORDER BY id",
    "pebble_count": "SELECT * FROM pebble_count WHERE forum_id = ? ORDER BY id",
    "group_event": "SELECT * FROM group_event WHERE forum_id = ? ORDER BY id",
    "initiative": "SELECT * FROM initiative WHERE forum_id = ? ORDER BY id",
    "plenary_event": "SELECT * FROM plenary_event WHERE forum_id = ? ORDER BY id",
    "recommendation": "SELECT * FROM recommendation WHERE forum_id = ? ORDER BY position, id",
    "recommendation_source": "SELECT * FROM recommendation_source WHERE forum_id = ? ORDER BY recommendation_id",
    "recommendation_answer": "SELECT * FROM recommendation_answer WHERE forum_id = ? ORDER BY id",
    "audit_log": "SELECT * FROM audit_log WHERE forum_id = ? ORDER BY id",
}

# For publication: no names, phones, birth years, communities, e-mails, needs or device
# labels; no check-in, token, event or audit rows (they are about persons). Only
# group-level data and counts (see ``attendance``).
ANONYMISED_TABLES: dict[str, str] = {
    "forum": "SELECT id, title, municipality, goals, forum_date, venue, start_time, duration_min, "
    "pebbles_per_participant, priorities_per_group FROM forum WHERE id = ?",
    "agenda_phase": FORUM_TABLES["agenda_phase"],
    "working_group": "SELECT id, forum_id, number, name, field, room, target_min, target_max FROM working_group "
    "WHERE forum_id = ? ORDER BY number",
    "budget_program": FORUM_TABLES["budget_program"],
    "assessment_item": FORUM_TABLES["assessment_item"],
    "problem": FORUM_TABLES["problem"],
    "pebble_count": "SELECT id, forum_id, group_id, problem_id, round, pebbles, happened_at FROM pebble_count "
    "WHERE forum_id = ? ORDER BY id",
    "initiative": FORUM_TABLES["initiative"],
    "recommendation": FORUM_TABLES["recommendation"],
    "recommendation_source": FORUM_TABLES["recommendation_source"],
    "recommendation_answer": "SELECT id, forum_id, recommendation_id, status, program_code, amount, reason, "
    "happened_at FROM recommendation_answer WHERE forum_id = ? ORDER BY id",
}

TABLE_NOTES = {
    "forum": "the forum: title, municipality, date, venue, start time, duration, pebbles per participant, "
    "priorities per group, organizers",
    "agenda_phase": "the day's phases in order with their planned minutes",
    "working_group": "the working groups: number, name, field, room, facilitator, sector expert, target size",
    "participant": "the participants (source: import | manual | walk_in; removed_at set when removed)",
    "participant_token": "invitation codes (QR); revoked_at set when a new code replaced it",
    "checkin_event": "check-ins and their undoing, appended (kind: check_in | undo; method: scan | camera | name "
    "| paper | walk_in | facilitator)",
    "budget_program": "the municipality's budget programs per field (program_code, amount in GEL)",
    "assessment_item": "strengths and weaknesses per group (kind: strength | weakness)",
    "problem": "problems raised per group; merged_into points at the problem it was merged into; "
    "outside_competence and competence_note are the sector expert's flag",
    "pebble_count": "pebble counts as typed, appended; the latest per problem and round counts "
    "(round 0: the vote, 1, 2...: re-votes among tied problems)",
    "group_event": "a group's decisions: revote | tie_decision | finalise (payload: the published top list) | "
    "reopen | presenter | absent",
    "initiative": "the initiative described for each priority (kind, goal, beneficiaries, resources, partners, "
    "cost_gel, program_id -> budget_program)",
    "plenary_event": "the moderator's choices for the projector (mode, order, presenting group, timer)",
    "recommendation": "the committee's recommendations in order; wording '' means the groups' own words; "
    "merged_into points at the recommendation it joined",
    "recommendation_source": "which group priority (problem_id) each recommendation came from",
    "recommendation_answer": "the mayor's answers, appended; the latest per recommendation counts "
    "(status: included | partly | not_included | outside_competence)",
    "audit_log": "every change: when, role, device, action, entity, before and after (JSON)",
    "priorities": "derived: each group's published priorities with the recommendation and answer they led to",
    "attendance": "derived: per group, how many were invited, came and came without invitation; "
    "gender and age band counts of those who came (group 0: the whole forum)",
    "representation": "derived: invited -> checked in -> present at their group's vote, by gender, age band, "
    "community and self-declared needs, with each stage's share (percent), its gap to the invitation list "
    "(percentage points) and the population's share where given; in the anonymised export a count under 5 "
    "is empty (fewer than 5) and rare communities and needs are pooled as 'other'",
}


def _arrow(cur: duckdb.DuckDBPyConnection, sql: str, forum_id: int):
    # A cursor of its own: the caller's may hold a half-read result, which DuckDB's
    # relation API refuses to run beside (and ``execute`` would copy the rows once more).
    reader = cur.cursor()
    try:
        return reader.sql(sql, params=[forum_id]).to_arrow_table()
    finally:
        reader.close()


def priorities_table(cur: duckdb.DuckDBPyConnection, forum_id: int):
    """Each group's published priorities with the recommendation and the mayor's answer (derived)."""
    import pyarrow as pa

    from forum_core import forum as forum_mod
    from forum_core import report

    forum = forum_mod.get_forum(cur, forum_id)
    rec_of = report.by_problem(report.recommendations(cur, forum_id))
    flagged = {
        r[0]
        for r in cur.execute("SELECT id FROM problem WHERE forum_id = ? AND outside_competence", [forum_id]).fetchall()
    }
    rows = []
    for p in report.published_priorities(cur, forum_id):
        rec = rec_of.get(p["problem_id"])
        answer = rec["answer"] if rec else None
        rows.append(
            {
                "forum_title": forum["title"],
                "municipality": forum["municipality"],
                "forum_date": forum["forum_date"],
                "group_number": p["group_number"],
                "group_name": p["group_name"],
                "field": p["field"],
                "problem_id": p["problem_id"],
                "rank": p["rank"],
                "title": p["title"],
                "pebbles": p["pebbles"],
                "outside_competence": p["problem_id"] in flagged,
                "recommendation": rec["text"] if rec else None,
                "status": answer["status"] if answer else None,
                "program_code": answer["program_code"] if answer else None,
                "amount": float(answer["amount"]) if answer and answer["amount"] is not None else None,
            }
        )
    schema = pa.schema(
        [
            ("forum_title", pa.string()),
            ("municipality", pa.string()),
            ("forum_date", pa.date32()),
            ("group_number", pa.int32()),
            ("group_name", pa.string()),
            ("field", pa.string()),
            ("problem_id", pa.int32()),
            ("rank", pa.int32()),
            ("title", pa.string()),
            ("pebbles", pa.int32()),
            ("outside_competence", pa.bool_()),
            ("recommendation", pa.string()),
            ("status", pa.string()),
            ("program_code", pa.string()),
            ("amount", pa.float64()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


SMALL = 5  # in anything published, fewer people than this beside an attribute is "fewer than 5"


def _hide_small(rows: list[dict]) -> None:
    """Counts under SMALL become None; a lone hidden count takes the next smallest with it (the total
    of those who came would give it away otherwise)."""
    hidden = [r for r in rows if 0 < r["count"] < SMALL]
    shown = sorted((r for r in rows if r["count"] >= SMALL), key=lambda r: r["count"])
    if len(hidden) == 1 and shown:
        hidden.append(shown[0])
    for r in hidden:
        r["count"] = None


def attendance_table(cur: duckdb.DuckDBPyConnection, forum_id: int, public: bool = False):
    """Counts only: per group invited / came / walk-ins, and of those who came by gender and age band
    (``public``: a gender or age band of fewer than 5 people has no count, see :func:`_hide_small`)."""
    import pyarrow as pa

    from forum_core import report

    numbers = report.forum_in_numbers(cur, forum_id)
    rows = [
        {"group_number": g["number"], "measure": m, "value": "", "count": g[m]}
        for g in numbers.per_group
        for m in ("invited", "came")
    ]
    rows += [{"group_number": 0, "measure": "walk_ins", "value": "", "count": numbers.walk_ins}]
    gender = [{"group_number": 0, "measure": "gender", "value": k, "count": v} for k, v in numbers.by_gender]
    age = [{"group_number": 0, "measure": "age_band", "value": k, "count": v} for k, v in numbers.by_age]
    if public:
        _hide_small(gender)
        _hide_small(age)
    rows += gender + age
    schema = pa.schema(
        [("group_number", pa.int32()), ("measure", pa.string()), ("value", pa.string()), ("count", pa.int64())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


REPRESENTATION_COUNTS = ("invited", "checked_in", "at_vote")
REPRESENTATION_FIGURES = (
    "invited_share",
    "checked_in_share",
    "at_vote_share",
    "checked_in_gap_pp",
    "at_vote_gap_pp",
    "population_share",
    "population_gap_pp",
)


def representation_table(cur: duckdb.DuckDBPyConnection, forum_id: int, public: bool = True):
    """Invited -> checked in -> at the vote by gender, age band, community and needs (derived; public:
    a count under 5 is empty, "fewer than 5", and rare communities and needs are pooled as "other")."""
    import pyarrow as pa

    from forum_core import representation

    rows = representation.table(cur, forum_id, public=public)
    schema = pa.schema(
        [("dimension", pa.string()), ("category", pa.string())]
        + [(name, pa.int64()) for name in REPRESENTATION_COUNTS]
        + [(name, pa.float64()) for name in REPRESENTATION_FIGURES]
    )
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)


def _derived() -> list[str]:
    return ["priorities", "attendance", "representation"]


def tables(cur: duckdb.DuckDBPyConnection, forum_id: int, anonymised: bool = False) -> dict:
    """name -> pyarrow Table: every table of the forum (or the publishable ones) and the derived ones."""
    chosen = ANONYMISED_TABLES if anonymised else FORUM_TABLES
    out = {name: _arrow(cur, sql, forum_id) for name, sql in chosen.items()}
    for name in _derived():
        out[name] = one_table(cur, forum_id, name, public=anonymised)
    return out


def table_names(anonymised: bool = False) -> list[str]:
    return list(ANONYMISED_TABLES if anonymised else FORUM_TABLES) + _derived()


def one_table(cur: duckdb.DuckDBPyConnection, forum_id: int, name: str, public: bool = False):
    if name == "priorities":
        return priorities_table(cur, forum_id)
    if name == "attendance":
        return attendance_table(cur, forum_id, public=public)
    if name == "representation":
        return representation_table(cur, forum_id, public=public)
    return _arrow(cur, FORUM_TABLES[name], forum_id)  # KeyError for a name that is not a table


def _plain(value):
    """A cell as a spreadsheet takes it (no time zones, Decimal as float, JSON text as it is)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    return value


def table_csv(table) -> bytes:
    return csv_bytes(table.column_names, (row.values() for row in table.to_pylist()))


def tables_xlsx(named: dict) -> bytes:
    """One workbook, one sheet per table."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, table in named.items():
        ws = wb.create_sheet(name[:31])
        ws.append(table.column_names)
        for row in table.to_pylist():
            ws.append(xlsx_row(ws, [_plain(v) for v in row.values()]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def readme(named: dict, forum: dict, anonymised: bool) -> str:
    lines = [
        f"{forum['title']} — {forum['municipality']}, {forum['forum_date']:%d.%m.%Y}",
        "Export of the forum-day app: one Parquet file per table."
        + (
            " Anonymised for publication: no names, phones, birth years, communities or devices;"
            " only group-level data and counts."
            if anonymised
            else ""
        ),
        "",
    ]
    for name, table in named.items():
        lines.append(f"{name}.parquet — {TABLE_NOTES.get(name, '')} ({table.num_rows} rows)")
        for column in table.schema:
            lines.append(f"    {column.name}: {column.type}")
        lines.append("")
    return "\n".join(lines)


def parquet_bytes(table) -> bytes:
    import pyarrow.parquet as pq

    part = io.BytesIO()
    pq.write_table(table, part)
    return part.getvalue()


def export_files(cur: duckdb.DuckDBPyConnection, forum_id: int, anonymised: bool = False) -> dict[str, bytes]:
    """path -> content of the export: one Parquet file per table and a README of the columns.

    The anonymised export is the one for publication: every table also as CSV (flat files any tool
    opens), each group's vote as a Pabulib ``.pb`` file, a data card, the licence and a manifest with
    every file's SHA-256 (:mod:`forum_core.publication`)."""
    from forum_core import forum as forum_mod
    from forum_core import publication

    named = tables(cur, forum_id, anonymised)
    files = {f"{name}.parquet": parquet_bytes(table) for name, table in named.items()}
    files["README.txt"] = readme(named, forum_mod.get_forum(cur, forum_id), anonymised).encode("utf-8")
    if anonymised:
        files.update({f"{name}.csv": table_csv(table) for name, table in named.items()})
        files = publication.publication_files(named, files, publication.municipality_code(cur, forum_id), TABLE_NOTES)
    return files


def zip_bytes(files: dict[str, bytes]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def parquet_zip(cur: duckdb.DuckDBPyConnection, forum_id: int, anonymised: bool = False) -> bytes:
    """The whole forum (or its publishable part) as Parquet files in one ZIP, with a README of the columns
    (and, anonymised, everything :func:`export_files` adds for publication)."""
    return zip_bytes(export_files(cur, forum_id, anonymised))


MAX_EXPORT_UNZIPPED_BYTES = 64 * 1024 * 1024


class NotAnExport(ValueError):
    """A file that is not a forum export of this app (no forum or priorities table in it)."""


def read_parquet_zip(data: bytes) -> dict:
    """name -> pyarrow Table from an export ZIP (full or anonymised), for the comparison page."""
    import zipfile

    import pyarrow.parquet as pq

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {Path(n).stem: n for n in archive.namelist() if n.endswith(".parquet")}
            if not {"forum", "priorities"} <= set(names):
                raise NotAnExport("no forum or priorities table")
            # A ZIP bomb is refused before anything is unpacked: a forum's export is a few MB.
            if sum(archive.getinfo(n).file_size for n in names.values()) > MAX_EXPORT_UNZIPPED_BYTES:
                raise NotAnExport("too large unpacked")
            # zipfile never unpacks more than a member declares (a lying member fails its CRC)
            return {stem: pq.read_table(io.BytesIO(archive.read(name))) for stem, name in names.items()}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        if isinstance(exc, NotAnExport):
            raise
        raise NotAnExport(str(exc)) from None
