"""Import of the participant list from CSV or XLSX: read, preview, apply.

``preview`` reads the file and says, row by row, what an import would do (new,
updated, unchanged, invalid with line, column and reason) without writing.
``apply`` computes the same plan again inside the write transaction (the data
may have changed since the preview) and writes it, all or nothing.

Matching an existing person: the same phone number and the same first or last
name (a spelling fix of one of them is an update). A phone that belongs to a
different person is an error. With no phone match, a row whose full name matches
exactly one active participant is that person with a new phone.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from forum_core import forum as forum_mod
from forum_core import georgian
from forum_core import participants as people
from forum_core.db import Actor, Database, Unit
from forum_core.validation import FieldError, Outcome

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000

COLUMN_ALIASES = {
    "first_name": ["first name", "firstname", "given name", "სახელი"],
    "last_name": ["last name", "lastname", "surname", "family name", "გვარი"],
    "full_name": ["full name", "fullname", "name", "სახელი და გვარი", "სახელი გვარი", "სახელი, გვარი"],
    "phone": ["phone", "phone number", "mobile", "telephone", "ტელეფონი", "ტელ", "ტელეფონის ნომერი", "მობილური"],
    "group": ["group", "working group", "group number", "ჯგუფი", "სამუშაო ჯგუფი", "ჯგუფის ნომერი"],
    "gender": ["gender", "sex", "სქესი"],
    "birth_year": ["birth year", "year of birth", "born", "დაბადების წელი", "დაბ წელი"],
    "community": ["community", "village", "თემი", "სოფელი", "თემი/სოფელი"],
    "email": ["email", "e mail", "mail", "ელფოსტა", "ელ ფოსტა", "ელ. ფოსტა"],
    "needs": ["needs", "accessibility", "special needs", "საჭიროებები", "საჭიროება"],
}
TEMPLATE_HEADERS = ["first_name", "last_name", "phone", "group", "gender", "birth_year", "community",
                    "email", "needs"]


def _norm_header(text: Any) -> str:
    text = "" if text is None else str(text)
    text = text.replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s_\-]+", " ", text).strip()


_ALIAS = {_norm_header(alias): key for key, aliases in COLUMN_ALIASES.items()
          for alias in aliases + [key]}


class FileProblem(Exception):
    """The file as a whole cannot be read: ``code`` names the reason for the catalog."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (line number in the file, cells)


@dataclass
class PlannedRow:
    line: int
    action: str  # new | update | unchanged | invalid
    person: people.Person | None = None
    participant_id: int | None = None
    before: dict | None = None
    errors: list[FieldError] = field(default_factory=list)
    raw: dict = field(default_factory=dict)


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    problem: FieldError | None = None
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("new", "update", "unchanged", "invalid")}

    @property
    def invalid(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action == "invalid"]


# --- reading the file ------------------------------------------------------

def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16")
    if len(data) >= 4 and data[1] == 0 and data[3] == 0:  # UTF-16 LE without BOM
        return data.decode("utf-16-le")
    if len(data) >= 4 and data[0] == 0 and data[2] == 0:
        return data.decode("utf-16-be")
    return data.decode("utf-8")


def _read_csv(data: bytes) -> Table:
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise FileProblem("bad_encoding") from None
    if "\x00" in text:
        raise FileProblem("bad_encoding")
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise FileProblem("empty_file")
    delimiter = max([",", ";", "\t"], key=lambda d: first.count(d))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records = []
        for record in reader:
            records.append((reader.line_num, record))
            if len(records) > MAX_ROWS + 1:
                raise FileProblem("too_many_rows", max=MAX_ROWS)
    except csv.Error:
        raise FileProblem("not_a_table") from None
    return _table_from_records(records)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise FileProblem("not_a_table") from None
    try:
        sheet = workbook.worksheets[0]
        records = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            records.append((number, list(values)))
            if len(records) > MAX_ROWS + 1:
                raise FileProblem("too_many_rows", max=MAX_ROWS)
    except FileProblem:
        raise
    except Exception:
        raise FileProblem("not_a_table") from None
    finally:
        workbook.close()
    return _table_from_records(records)


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _table_from_records(records: list[tuple[int, list[Any]]]) -> Table:
    records = [(n, r) for n, r in records if any(not _is_blank(c) for c in r)]
    if not records:
        raise FileProblem("empty_file")
    header_line, header = records[0]
    return Table([("" if h is None else str(h)) for h in header], records[1:])


def read_table(data: bytes, filename: str = "") -> Table:
    if not data:
        raise FileProblem("empty_file")
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem("file_too_large", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise FileProblem("not_a_table")
        return _read_xlsx(data)
    if filename.lower().endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem("old_excel")
    return _read_csv(data)


def map_columns(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Known column -> index; and the headers that were not recognised."""
    mapping: dict[str, int] = {}
    ignored = []
    for index, header in enumerate(headers):
        key = _ALIAS.get(_norm_header(header))
        if key is None or key in mapping:
            if _norm_header(header):
                ignored.append(header.strip())
            continue
        mapping[key] = index
    missing = []
    if "full_name" not in mapping and not ("first_name" in mapping and "last_name" in mapping):
        if "first_name" not in mapping:
            missing.append("first_name")
        if "last_name" not in mapping:
            missing.append("last_name")
    for key in ("phone", "group"):
        if key not in mapping:
            missing.append(key)
    if missing:
        raise FileProblem("missing_columns", columns=", ".join(missing))
    return mapping, ignored


def _row_dict(mapping: dict[str, int], cells: list[Any]) -> dict:
    raw = {key: (cells[i] if i < len(cells) else None) for key, i in mapping.items()}
    if "full_name" in raw and not ("first_name" in mapping and "last_name" in mapping):
        full = re.sub(r"\s+", " ", str(raw.pop("full_name") or "").strip())
        first, _, last = full.partition(" ")
        raw["first_name"], raw["last_name"] = first, last
    for key, value in raw.items():
        if isinstance(value, float) and value.is_integer() and key in ("phone", "birth_year", "group"):
            raw[key] = int(value)
    return raw


# --- the plan --------------------------------------------------------------

def _plan(cur: duckdb.DuckDBPyConnection, forum_id: int, table: Table, today: date | None) -> ImportPlan:
    mapping, ignored = map_columns(table.headers)
    resolve = people.group_resolver(forum_mod.groups(cur, forum_id))
    existing = people.all_active(cur, forum_id)
    by_phone = {p["phone"]: p for p in existing if p["phone"]}
    by_name: dict[str, list[dict]] = {}
    for p in existing:
        by_name.setdefault(georgian.search_key(p["first_name"], p["last_name"]), []).append(p)
    plan = ImportPlan(ignored_columns=ignored)
    phones_in_file: dict[str, int] = {}
    claimed: set[int] = set()
    validated = []
    for line, cells in table.rows:
        raw = _row_dict(mapping, cells)
        person, errors = people.validate_person(raw, resolve, phone_required=True, today=today)
        if person is not None:
            if person.phone in phones_in_file:
                errors = [FieldError("phone", "duplicate_in_file", {"line": phones_in_file[person.phone]})]
                person = None
            else:
                phones_in_file[person.phone] = line
        validated.append((line, raw, person, errors))
    for line, raw, person, errors in validated:
        if person is None:
            plan.rows.append(PlannedRow(line, "invalid", errors=errors, raw=_printable(raw)))
            continue
        match = by_phone.get(person.phone)
        if match is not None:
            same_first = georgian.fold(match["first_name"]) == georgian.fold(person.first_name)
            same_last = georgian.fold(match["last_name"]) == georgian.fold(person.last_name)
            if not (same_first or same_last) or match["id"] in claimed:
                plan.rows.append(PlannedRow(line, "invalid", errors=[FieldError("phone", "phone_taken", {
                    "name": f"{match['first_name']} {match['last_name']}"})], raw=_printable(raw)))
                continue
        else:
            candidates = [p for p in by_name.get(georgian.search_key(person.first_name, person.last_name), [])
                          if p["id"] not in claimed and p["phone"] not in phones_in_file]
            match = candidates[0] if len(candidates) == 1 else None
        if match is None:
            plan.rows.append(PlannedRow(line, "new", person=person, raw=_printable(raw)))
            continue
        claimed.add(match["id"])
        before = {k: match.get(k) for k in people.PERSON_FIELDS}
        same = all(before[k] == v for k, v in people.row_values(person).items())
        plan.rows.append(PlannedRow(line, "unchanged" if same else "update", person=person,
                                    participant_id=match["id"], before=match, raw=_printable(raw)))
    return plan


def _printable(raw: dict) -> dict:
    return {k: ("" if v is None else str(v))[:80] for k, v in raw.items()}


def preview(cur: duckdb.DuckDBPyConnection, forum_id: int, data: bytes, filename: str = "",
            today: date | None = None) -> ImportPlan:
    """What importing this file would do. Never raises for a bad file: see ``plan.problem``."""
    try:
        return _plan(cur, forum_id, read_table(data, filename), today)
    except FileProblem as problem:
        return ImportPlan(problem=FieldError("file", problem.code, problem.params))


def apply(db: Database, actor: Actor, forum_id: int, data: bytes, filename: str = "",
          skip_invalid: bool = False, today: date | None = None) -> Outcome:
    """Import the file: all valid rows in one transaction, or nothing.

    With invalid rows and ``skip_invalid`` false, nothing is written (``has_invalid``).
    """
    try:
        table = read_table(data, filename)
    except FileProblem as problem:
        return Outcome(False, "file_problem", (FieldError("file", problem.code, problem.params),))

    def work(unit: Unit) -> Outcome:
        try:
            plan = _plan(unit.cur, forum_id, table, today)
        except FileProblem as problem:
            return Outcome(False, "file_problem", (FieldError("file", problem.code, problem.params),))
        if plan.invalid and not skip_invalid:
            return Outcome(False, "has_invalid", value=plan)
        new_rows = [r for r in plan.rows if r.action == "new"]
        updated = [r for r in plan.rows if r.action == "update"]
        if not new_rows and not updated:
            return Outcome(False, "nothing_to_import", value=plan)
        _insert_new(unit, forum_id, [r.person for r in new_rows])
        for r in updated:
            people.update_row(unit, forum_id, r.participant_id, r.before, r.person)
        unit.audit("import", None, None, {"file": filename, **plan.counts}, forum_id)
        return Outcome(True, "imported", value=plan)

    outcome = db.attempt(actor, "participants.import", work)
    if outcome.reason == "nothing_to_import":
        return Outcome(True, "nothing_to_import", value=outcome.value)
    return outcome


_INSERT_COLUMNS = ("id", "forum_id", "group_id", "first_name", "last_name", "phone", "gender", "birth_year",
                   "community", "email", "needs", "source", "search_key", "phone_digits", "version",
                   "created_at", "updated_at")


def _insert_new(unit: Unit, forum_id: int, persons: list[people.Person]) -> None:
    if not persons:
        return
    ids = [r[0] for r in unit.execute(
        "SELECT nextval('participant_id_seq') FROM range(?)", [len(persons)]).fetchall()]
    rows = []
    for pid, p in zip(ids, persons):
        rows.append((pid, forum_id, p.group_id, p.first_name, p.last_name, p.phone, p.gender, p.birth_year,
                     p.community, p.email, p.needs, "import", georgian.search_key(p.first_name, p.last_name),
                     georgian.phone_digits(p.phone), 1, unit.now, unit.now))
        unit.audit("participant", pid, None, people.row_values(p), forum_id, action="participant.add")
    unit.insert_many("participant", _INSERT_COLUMNS, rows)
    people.issue_tokens(unit, forum_id, ids)


def template_csv() -> bytes:
    """A template with the headers and two example rows (fictional people), UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(["ნინო", "კაპანაძე", "599 12 34 56", "1", "ქ", "1985", "სოფ. ნაბეღლავი", "", ""])
    writer.writerow(["გიორგი", "ბერიძე", "+995 577 65 43 21", "2", "კ", "1990", "", "giorgi@example.ge",
                     "ეტლით მოსარგებლე"])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    reader = csv.reader(io.StringIO(template_csv().decode("utf-8-sig")))
    for row in reader:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_lines(plan: ImportPlan, lang: str) -> list[str]:
    """The preview as lines of text, the same on the page and on the command line."""
    from forum_core.i18n import error_text, t

    if plan.problem is not None:
        return [error_text(lang, plan.problem)]
    lines = [t(lang, "import.summary", **plan.counts)]
    if plan.ignored_columns:
        lines.append(t(lang, "import.ignored_columns", columns=", ".join(plan.ignored_columns)))
    for row in plan.invalid:
        for error in row.errors:
            lines.append(t(lang, "import.invalid_line", line=row.line, column=t(lang, f"label.{error.field}"),
                           reason=error_text(lang, error)))
    return lines
