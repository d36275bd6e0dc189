"""Import of the participant list from CSV, XLSX, XLS or ODS: read, preview, apply.

``preview`` reads the file and says, row by row, what an import would do (new,
updated with every changed field before -> after, unchanged, invalid with line,
column and reason, and new people who have the name of someone already on the
list) without writing. ``apply`` computes the same plan again inside the write
transaction (the data may have changed since the preview) and writes it, all or
nothing.

Matching an existing person never merges two different people: a row is an
existing person only when it carries their phone number together with their
first or last name (a spelling fix of one of them is an update), or an ``id``
column naming them. A phone that belongs to a person of another name is an
error. The same name with another phone is a new person, shown as a possible
duplicate for the organizer to decide.

Files as people make them: the header row may stand below title rows; in a
workbook the sheet holding the headers is read (or the one asked for); date cells
in the birth-year column give the year; line numbers are the rows a spreadsheet
shows. A file whose names are mostly ``?``, replacement characters or mojibake
(UTF-8 read in a Western code page) is refused as saved in the wrong encoding.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from forum_core import forum as forum_mod
from forum_core import georgian
from forum_core import participants as people
from forum_core.db import Actor, Database, Unit
from forum_core.validation import FieldError, Outcome

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# Limits checked before a workbook is parsed (calamine allocates the whole rectangle from the
# first to the last cell at once: one cell at A1 and one at XFD20000 asked for 10 GB and
# aborted the process). A participant list has about ten columns.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # every member of an XLSX/ODS together, unpacked
MAX_COLUMNS = 200
MAX_CELLS = 1_000_000  # the rectangle a sheet spans (20,000 rows of 50 columns)
MAX_SHARED_STRINGS = 1_000_000

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
    # the id column of a list exported from the app; never "#" or "id", which people use for numbering rows
    "id": ["participant id"],
}
# What the importer reads; the page's uploader offers the same.
FILE_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls", "ods"]
HEADER_SEARCH_ROWS = 30  # title rows above the header: at most this many rows are searched
# A text starting with one of these could be a formula in a spreadsheet: the app's exports write
# it with one more leading single quote (CSV), which the importer takes off again (exports.csv_cell).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEMPLATE_HEADERS = ["first_name", "last_name", "phone", "group", "gender", "birth_year", "community", "email", "needs"]


def normalize_header(text: Any) -> str:
    """A column header as it is matched against the known names (case, spaces, _ and - ignored)."""
    text = "" if text is None else str(text)
    text = text.replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s_\-]+", " ", text).strip()


_ALIAS = {
    normalize_header(alias): key
    for key, aliases in COLUMN_ALIASES.items()
    for alias in aliases + ([key] if key != "id" else [])
}


@dataclass(frozen=True)
class Columns:
    """What a file's header row must name: its known headers (normalised, see ``normalize_header``)
    → column keys, and which keys it cannot do without. The header row is searched for by it."""

    aliases: dict[str, str]
    required: Callable[[set[str]], bool]

    def recognised(self, cells: list[Any]) -> set[str]:
        return {
            self.aliases[normalize_header(c)]
            for c in cells
            if isinstance(c, str) and normalize_header(c) in self.aliases
        }


def _has_required(keys: set[str]) -> bool:
    names = "full_name" in keys or {"first_name", "last_name"} <= keys
    return names and {"phone", "group"} <= keys


PARTICIPANT_COLUMNS = Columns(_ALIAS, _has_required)


class FileProblem(Exception):
    """The file as a whole cannot be read: ``code`` names the reason for the catalog."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (line number as a spreadsheet shows it, cells)
    sheet: str = ""  # the sheet read, in a workbook
    sheets: list[str] = field(default_factory=list)  # every sheet of a workbook
    header_line: int = 1


@dataclass
class PlannedRow:
    line: int
    action: str  # new | update | unchanged | invalid
    person: people.Person | None = None
    participant_id: int | None = None
    before: dict | None = None
    errors: list[FieldError] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    # an update: field -> (before, after), for every field that changes (group as "number. name")
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    # a new person with the name of someone on the list or of an earlier row of the file
    duplicates: list[dict] = field(default_factory=list)


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    problem: FieldError | None = None
    ignored_columns: list[str] = field(default_factory=list)
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    header_line: int = 1

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        counts = {a: self.count(a) for a in ("new", "update", "unchanged", "invalid")}
        counts["invalid"] += self.count("skipped")  # left out on purpose: skipped like an invalid row
        return counts

    @property
    def invalid(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action == "invalid"]

    @property
    def updates(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action == "update"]

    @property
    def possible_duplicates(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action == "new" and r.duplicates]


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
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # A Western code page (Windows-1252): Latin names read right; Georgian ones were already
        # lost when the file was saved ("?", or each letter's low byte) and are caught by the
        # damage check.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _read_csv(data: bytes, columns: Columns) -> Table:
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
    sample = [ln for ln in lines if ln.strip()][:HEADER_SEARCH_ROWS]
    # the separator that splits the most lines alike (title rows above the header have none)
    delimiter = max(
        [",", ";", "\t"], key=lambda d: (sum(1 for ln in sample if ln.count(d)), sum(ln.count(d) for ln in sample))
    )
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records = []
        # A record's number is the row a spreadsheet shows: a quoted cell with line breaks
        # is one row, however many lines of the file it takes.
        for number, record in enumerate(reader, start=1):
            records.append((number, record))
            if len(records) > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise FileProblem("too_many_rows", max=MAX_ROWS)
    except csv.Error:
        raise FileProblem("not_a_table") from None
    return _table_from_sheets([("", records)], None, columns)


_XLSX_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|si)(?=[\s/>])([^>]*)")
_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)")
_CELL_REF = re.compile(rb'\br="([A-Za-z]{1,4})(\d{1,9})"')
_ROW_REF = re.compile(rb'\br="(\d{1,9})"')
_REPEATED = re.compile(rb'number-(rows|columns)-repeated="(\d{1,12})"')


class _Extent:
    """How far a sheet reaches (columns, rows), followed while its XML streams past."""

    def __init__(self) -> None:
        self.width = self.height = 0

    def reach(self, column: int, row: int) -> None:
        self.width, self.height = max(self.width, column), max(self.height, row)
        if self.width > MAX_COLUMNS:
            raise FileProblem("too_many_columns", max=MAX_COLUMNS)
        if self.width * self.height > MAX_CELLS:
            raise FileProblem("too_many_cells", max=MAX_CELLS)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _scan_xlsx(chunks: Iterator[bytes], shared: bool) -> None:
    """A worksheet: every cell's position (``r="XFD20000"``, or the next one when unnamed)."""
    extent, row, column, strings = _Extent(), 0, 0, 0
    for tag, attrs in _tags(chunks, _XLSX_TAG):
        if tag == b"row":
            found = _ROW_REF.search(attrs)
            row, column = (int(found.group(1)) if found else row + 1), 0
        elif tag == b"c" and not shared:
            found = _CELL_REF.search(attrs)
            if found:
                column = _column_number(found.group(1))
                row = max(row, int(found.group(2)))
            else:
                column += 1
            extent.reach(column, max(row, 1))
        elif tag == b"si" and shared:
            strings += 1
            if strings > MAX_SHARED_STRINGS:
                raise FileProblem("too_many_cells", max=MAX_CELLS)


def _scan_ods(chunks: Iterator[bytes]) -> None:
    """content.xml: repeated rows and cells count as many as they repeat, up to the last cell
    with content (LibreOffice ends every sheet with a million empty repeated rows)."""
    extent = _Extent()
    row = column = last = row_repeat = 0
    for closing, tag, attrs in _tags(chunks, _ODS_TAG, groups=3):
        if tag == b"table":
            row = 0 if not closing else row
        elif tag == b"table-row" and not closing:
            column = last = 0
            row_repeat = _repeat(attrs, b"rows")
        elif tag == b"table-row":
            if last:
                extent.reach(last, row + min(row_repeat, 1 << 40))
            row += row_repeat
        elif not closing:
            repeat = _repeat(attrs, b"columns")
            column += repeat
            if not attrs.rstrip().endswith(b"/") or b"value-type" in attrs:  # a cell with content
                last = column
                extent.reach(last, row + 1)


def _repeat(attrs: bytes, kind: bytes) -> int:
    for found in _REPEATED.finditer(attrs):
        if found.group(1) == kind:
            return max(1, int(found.group(2)))
    return 1


def _tags(chunks: Iterator[bytes], pattern: re.Pattern, groups: int = 2) -> Iterator[tuple]:
    """The tags ``pattern`` matches in an XML stream read in pieces (a tag cut by a piece's end
    is completed by the next piece)."""
    rest = b""
    for chunk in chunks:
        text = rest + chunk
        cut = text.rfind(b"<")
        if cut >= 0 and text.find(b">", cut) < 0:
            text, rest = text[:cut], text[cut:]
        else:
            rest = b""
        if len(rest) > 1 << 16:  # a tag longer than any a spreadsheet writes
            raise FileProblem("not_a_table")
        if b"<!DOCTYPE" in text or b"<!ENTITY" in text:  # no entity expansion games
            raise FileProblem("not_a_table")
        for found in pattern.finditer(text):
            yield found.groups()[:groups]


def _check_zipped_workbook(data: bytes) -> None:
    """XLSX and ODS are ZIP files: before calamine parses one, every member is unpacked here in
    pieces (never more than it declares; a member that lies fails its CRC) and the sheets are
    scanned for how far their cells reach. Refuses with a :class:`FileProblem`."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                raise FileProblem("file_too_large", max_mb=MAX_UNZIPPED_BYTES // (1024 * 1024))
            for member in members:
                name = member.filename.lower()
                chunks = _member_chunks(archive, member)
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    _scan_xlsx(chunks, shared=False)
                elif name == "xl/sharedstrings.xml":
                    _scan_xlsx(chunks, shared=True)
                elif name == "content.xml":
                    _scan_ods(chunks)
                else:
                    for _ in chunks:
                        pass
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise FileProblem("not_a_table") from None


def _member_chunks(archive, member) -> Iterator[bytes]:
    with archive.open(member) as packed:
        while chunk := packed.read(1 << 20):
            yield chunk


# BIFF8 (XLS) cell records: their data starts with the row and the column (two 16-bit numbers);
# MULRK and MULBLANK also end with their last column.
_XLS_CELLS = {0x0006, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6}
_XLS_MULTIPLE = {0x00BD, 0x00BE}
_XLS_BOF = 0x0809
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_xls_workbook(data: bytes) -> None:
    """An XLS is an OLE file holding a BIFF record stream: before calamine parses it (which, as for
    XLSX, allocates the rectangle from the first to the last cell at once), its cell records are
    walked here and every sheet's reach checked against the same limits. A record stream that
    cannot be walked is left to calamine, which refuses it as damaged."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        stream = ole.openstream(name).read() if name else b""
        ole.close()
    except Exception:  # not an OLE file olefile can open (it raises several kinds): calamine decides
        return
    extent = _Extent()
    position = 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4 : position + 4 + length]
        position += 4 + length
        if kind == _XLS_BOF:  # a new sheet (or the workbook globals): its own rectangle
            extent = _Extent()
        elif (kind in _XLS_CELLS and len(body) >= 4) or (kind in _XLS_MULTIPLE and len(body) >= 6):
            row, column = struct.unpack_from("<HH", body)
            if kind in _XLS_MULTIPLE:
                column = max(column, struct.unpack_from("<H", body, len(body) - 2)[0])
            extent.reach(column + 1, row + 1)  # the sheet is read from A1, as an XLSX's


def _read_workbook(data: bytes, sheet: str | None, columns: Columns) -> Table:
    """XLSX, XLS and ODS, read with calamine: every visible sheet, in order."""
    from python_calamine import CalamineWorkbook

    if data[:4] == b"PK\x03\x04":
        _check_zipped_workbook(data)
    elif data[:8] == _OLE_MAGIC:
        _check_xls_workbook(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")] or book.sheet_names
        sheets = []
        for name in visible:
            rows = book.get_sheet_by_name(name).to_python(
                skip_empty_area=False, nrows=MAX_ROWS + HEADER_SEARCH_ROWS + 1
            )
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise FileProblem("too_many_rows", max=MAX_ROWS)
            sheets.append((name, [(number, list(cells)) for number, cells in enumerate(rows, start=1)]))
    except FileProblem:
        raise
    except Exception:  # calamine raises several kinds for a damaged or foreign file
        raise FileProblem("not_a_table") from None
    return _table_from_sheets(sheets, sheet, columns)


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# Damage done to text by a wrong encoding: U+FFFD, or UTF-8 bytes read as Windows-1252 /
# Latin-1 ("áƒ" before each Georgian letter, "Ð" before Cyrillic, "Õ"/"Ö" before Armenian).
_CONTINUATION = "".join(
    sorted(
        (
            {bytes([b]).decode("cp1252", errors="ignore") for b in range(0x80, 0xC0)}
            | {chr(b) for b in range(0x80, 0xC0)}
        )
        - {""}
    )
)
_MOJIBAKE = re.compile("[\u00c2-\u00f4][" + re.escape(_CONTINUATION) + "]")


_NAME_ACCENTS = set("ÇÖÜçöü")


def damaged(text: Any) -> bool:
    """Whether a text shows the marks of a wrong encoding: "?" or U+FFFD for letters, UTF-8 read
    as a Western code page, or a word made of Latin-1 accented letters only (each letter's low
    byte, as LibreOffice writes Georgian into a Windows-1252 file)."""
    if not isinstance(text, str):
        return False
    if "\ufffd" in text or _MOJIBAKE.search(text):
        return True
    chars = [c for c in text if not c.isspace() and c not in ".,-'’()"]
    marks = text.count("?")
    if marks >= 2 and marks * 2 >= len(chars):
        return True
    letters = [c for c in text if c.isalpha()]
    high = [c for c in letters if "\u00c0" <= c <= "\u00ff"]
    # ... unless they are all letters of the Azerbaijani (and Turkish) alphabet: "Çöü" is a name's
    # letters; Georgian's low bytes always bring others (ნინო -> "ÜØÜÝ")
    return len(high) >= 3 and len(high) * 4 >= len(letters) * 3 and not set(high) <= _NAME_ACCENTS


def _mostly_damaged(texts: list[Any], share: float) -> bool:
    texts = [x for x in texts if isinstance(x, str) and x.strip()]
    return bool(texts) and sum(1 for x in texts if damaged(x)) >= share * len(texts)


def _table_from_sheets(
    sheets: list[tuple[str, list[tuple[int, list[Any]]]]], wanted: str | None, columns: Columns
) -> Table:
    """The sheet and row holding the headers: the first row (of the first sheet) that names every
    required column; else the row naming the most known columns, so the error lists what lacks."""
    names = [name for name, _ in sheets]
    if wanted is not None:
        sheets = [(n, r) for n, r in sheets if n == wanted] or sheets
    best = None  # (how many known columns, sheet name, index of the header row, records)
    seen_any = False
    for name, records in sheets:
        records = [(n, r) for n, r in records if any(not _is_blank(c) for c in r)]
        if not records:
            continue
        seen_any = True
        for index, (_, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
            keys = columns.recognised(cells)
            if columns.required(keys):
                return _make_table(name, names, records, index)
            if best is None or len(keys) > best[0]:
                best = (len(keys), name, index, records)
    if not seen_any:
        raise FileProblem("empty_file")
    _, name, index, records = best
    if best[0] == 0:  # no header at all: the damage check below may say why
        _check_encoding([c for _, r in records[:50] for c in r], 0.3)
        index = 0
    return _make_table(name, names, records, index)


def _make_table(name: str, names: list[str], records: list[tuple[int, list[Any]]], index: int) -> Table:
    header_line, header = records[index]
    return Table([("" if h is None else str(h)) for h in header], records[index + 1 :], name, names, header_line)


def _check_encoding(texts: list[Any], share: float) -> None:
    if _mostly_damaged(texts, share):
        raise FileProblem("wrong_encoding")


def read_table(
    data: bytes, filename: str = "", sheet: str | None = None, columns: Columns = PARTICIPANT_COLUMNS
) -> Table:
    """The table in a CSV or a workbook: its header row is the first (below any title rows, on the
    first sheet that has one) naming every column ``columns`` requires."""
    if not data:
        raise FileProblem("empty_file")
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem("file_too_large", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    name = filename.lower()
    if (
        data[:4] == b"PK\x03\x04"
        or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        or name.endswith((".xlsx", ".xlsm", ".xls", ".ods"))
    ):
        return _read_workbook(data, sheet, columns)
    return _read_csv(data, columns)


def map_columns(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Known column -> index; and the headers that were not recognised."""
    mapping: dict[str, int] = {}
    ignored = []
    for index, header in enumerate(headers):
        key = _ALIAS.get(normalize_header(header))
        if key is None or key in mapping:
            if normalize_header(header):
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
        # the keys; the message names them as the reader's language shows them (problem_text)
        raise FileProblem("missing_columns", columns=", ".join(missing))
    return mapping, ignored


_DATE_TEXT = re.compile(
    r"\s*(?:(\d{1,2})[./-](\d{1,2})[./-](\d{4})|(\d{4})[./-](\d{1,2})[./-](\d{1,2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*"
)


def _year_of(value: Any) -> Any:
    """A birth year given as a date (a date cell, or "02.03.1985" / "1985-03-02") is its year."""
    if isinstance(value, (date, datetime)):
        return value.year
    if isinstance(value, str):
        match = _DATE_TEXT.fullmatch(value)
        if match:
            return int(match.group(3) or match.group(4))
    return value


def _row_dict(mapping: dict[str, int], cells: list[Any]) -> dict:
    raw = {key: (cells[i] if i < len(cells) else None) for key, i in mapping.items()}
    if "full_name" in raw and not ("first_name" in mapping and "last_name" in mapping):
        full = re.sub(r"\s+", " ", str(raw.pop("full_name") or "").strip())
        first, _, last = full.partition(" ")
        raw["first_name"], raw["last_name"] = first, last
    raw.pop("full_name", None)
    for key, value in raw.items():
        if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
            raw[key] = value = value[1:]  # the one quote a formula-safe export added (exports.csv_cell)
        if isinstance(value, float) and value.is_integer():
            raw[key] = int(value)
        elif value == "":
            raw[key] = None
    if "birth_year" in raw:
        raw["birth_year"] = _year_of(raw["birth_year"])
    return raw


# --- the plan --------------------------------------------------------------

_NAME_KEYS = ("first_name", "last_name", "full_name")
_SHOWN_FIELDS = ("first_name", "last_name", "phone", "group", "gender", "birth_year", "community", "email", "needs")


def _changes(before: dict, person: people.Person, group_text) -> dict[str, tuple[Any, Any]]:
    after = people.row_values(person)
    changes = {}
    for key in people.PERSON_FIELDS:
        if before.get(key) != after[key]:
            if key == "group_id":
                changes["group"] = (group_text(before.get(key)), group_text(after[key]))
            else:
                changes[key] = (before.get(key), after[key])
    return {k: changes[k] for k in _SHOWN_FIELDS if k in changes}


def _plan(cur: duckdb.DuckDBPyConnection, forum_id: int, table: Table, today: date | None) -> ImportPlan:
    mapping, ignored = map_columns(table.headers)
    names = [cells[i] for _, cells in table.rows for key, i in mapping.items() if key in _NAME_KEYS and i < len(cells)]
    _check_encoding(names, 1 / 3)
    group_rows = forum_mod.groups(cur, forum_id)
    resolve = people.group_resolver(group_rows)
    group_names = {g["id"]: f"{g['number']}. {g['name']}" for g in group_rows}
    existing = people.all_active(cur, forum_id)
    by_id = {p["id"]: p for p in existing}
    by_phone = {p["phone"]: p for p in existing if p["phone"]}
    by_name: dict[str, list[dict]] = {}
    for p in existing:
        by_name.setdefault(georgian.search_key(p["first_name"], p["last_name"]), []).append(p)
    plan = ImportPlan(ignored_columns=ignored, sheet=table.sheet, sheets=table.sheets, header_line=table.header_line)
    phones_in_file: dict[str, int] = {}
    claimed: set[int] = set()
    new_names: dict[str, int] = {}  # name -> line of the first new person of that name in the file
    validated = []
    for line, cells in table.rows:
        if all(_is_blank(c) for c in cells):
            continue
        raw = _row_dict(mapping, cells)
        wanted_id = raw.pop("id", None)
        if isinstance(wanted_id, str) and wanted_id.strip().isdigit():
            wanted_id = int(wanted_id)
        person, errors = people.validate_person(raw, resolve, phone_required=True, today=today)
        bad_names = [k for k in ("first_name", "last_name") if damaged(raw.get(k))]
        if bad_names:
            person = None
            errors = [FieldError(k, "damaged_text") for k in bad_names] + [
                e for e in errors if e.field not in bad_names
            ]
        if person is not None:
            if person.phone in phones_in_file:
                errors = [FieldError("phone", "duplicate_in_file", {"line": phones_in_file[person.phone]})]
                person = None
            else:
                phones_in_file[person.phone] = line
        validated.append((line, raw, wanted_id, person, errors))
    for line, raw, wanted_id, person, errors in validated:
        if person is None:
            plan.rows.append(PlannedRow(line, "invalid", errors=errors, raw=_printable(raw)))
            continue
        owner = by_phone.get(person.phone)
        match = by_id.get(wanted_id) if isinstance(wanted_id, int) else None
        if match is not None:  # an id from the app's own export names the person
            if (owner is not None and owner["id"] != match["id"]) or match["id"] in claimed:
                taken = owner if owner is not None and owner["id"] != match["id"] else match
                plan.rows.append(
                    PlannedRow(
                        line,
                        "invalid",
                        errors=[
                            FieldError("phone", "phone_taken", {"name": f"{taken['first_name']} {taken['last_name']}"})
                        ],
                        raw=_printable(raw),
                    )
                )
                continue
        elif owner is not None:  # the same phone: the same person only with the same first or last name
            same_first = georgian.fold(owner["first_name"]) == georgian.fold(person.first_name)
            same_last = georgian.fold(owner["last_name"]) == georgian.fold(person.last_name)
            if not (same_first or same_last) or owner["id"] in claimed:
                plan.rows.append(
                    PlannedRow(
                        line,
                        "invalid",
                        errors=[
                            FieldError("phone", "phone_taken", {"name": f"{owner['first_name']} {owner['last_name']}"})
                        ],
                        raw=_printable(raw),
                    )
                )
                continue
            match = owner
        if match is None:
            # A new person, even with the name of someone on the list: the organizer decides.
            key = georgian.search_key(person.first_name, person.last_name)
            duplicates = [
                {
                    "participant_id": p["id"],
                    "first_name": p["first_name"],
                    "last_name": p["last_name"],
                    "phone": p["phone"],
                    "group": group_names.get(p["group_id"], ""),
                }
                for p in by_name.get(key, [])
            ]
            if key in new_names:
                duplicates.append({"line": new_names[key]})
            new_names.setdefault(key, line)
            plan.rows.append(PlannedRow(line, "new", person=person, raw=_printable(raw), duplicates=duplicates))
            continue
        claimed.add(match["id"])
        changes = _changes(match, person, lambda gid: group_names.get(gid, ""))
        plan.rows.append(
            PlannedRow(
                line,
                "update" if changes else "unchanged",
                person=person,
                participant_id=match["id"],
                before=match,
                raw=_printable(raw),
                changes=changes,
            )
        )
    return plan


def _printable(raw: dict) -> dict:
    return {k: ("" if v is None else str(v))[:80] for k, v in raw.items()}


def preview(
    cur: duckdb.DuckDBPyConnection,
    forum_id: int,
    data: bytes,
    filename: str = "",
    today: date | None = None,
    sheet: str | None = None,
) -> ImportPlan:
    """What importing this file would do. Never raises for a bad file: see ``plan.problem``."""
    table = None
    try:
        table = read_table(data, filename, sheet)
        return _plan(cur, forum_id, table, today)
    except FileProblem as problem:
        plan = ImportPlan(problem=FieldError("file", problem.code, problem.params))
        if table is not None:
            plan.sheet, plan.sheets = table.sheet, table.sheets
        return plan


def apply(
    db: Database,
    actor: Actor,
    forum_id: int,
    data: bytes,
    filename: str = "",
    skip_invalid: bool = False,
    today: date | None = None,
    sheet: str | None = None,
    skip_duplicates: bool = False,
) -> Outcome:
    """Import the file: all valid rows in one transaction, or nothing.

    With invalid rows and ``skip_invalid`` false, nothing is written (``has_invalid``).
    New people with the name of someone already on the list are added unless
    ``skip_duplicates`` (then they are left out and counted as skipped).
    """
    try:
        table = read_table(data, filename, sheet)
    except FileProblem as problem:
        return Outcome(False, "file_problem", (FieldError("file", problem.code, problem.params),))

    def work(unit: Unit) -> Outcome:
        try:
            plan = _plan(unit.cur, forum_id, table, today)
        except FileProblem as problem:
            return Outcome(False, "file_problem", (FieldError("file", problem.code, problem.params),))
        if plan.invalid and not skip_invalid:
            return Outcome(False, "has_invalid", value=plan)
        if skip_duplicates:
            for r in plan.possible_duplicates:
                r.action = "skipped"
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


def _insert_new(unit: Unit, forum_id: int, persons: list[people.Person]) -> None:
    if not persons:
        return
    ids = [r[0] for r in unit.execute("SELECT nextval('participant_id_seq') FROM range(?)", [len(persons)]).fetchall()]
    rows = []
    for pid, p in zip(ids, persons):
        row = {"id": pid, **people.stored_row(forum_id, p, "import", unit.now)}
        rows.append(tuple(row.values()))
        unit.audit("participant", pid, None, people.row_values(p), forum_id, action="participant.add")
    unit.insert_many("participant", tuple(row), rows)  # the columns of stored_row, with the id first
    people.issue_tokens(unit, forum_id, ids)


def template_csv() -> bytes:
    """A template with the headers and two example rows (fictional people), UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(["ნინო", "კაპანაძე", "599 12 34 56", "1", "ქ", "1985", "სოფ. ნაბეღლავი", "", ""])
    writer.writerow(
        ["გიორგი", "ბერიძე", "+995 577 65 43 21", "2", "კ", "1990", "", "giorgi@example.ge", "ეტლით მოსარგებლე"]
    )
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


def problem_text(lang: str, problem: FieldError) -> str:
    """A file problem in the reader's language; missing columns named as that language shows them."""
    from forum_core.i18n import error_text, t

    if problem.code == "missing_columns":
        keys = [k.strip() for k in str(problem.params.get("columns", "")).split(",") if k.strip()]
        left, right = ("„", "“") if lang == "ka" else ("“", "”")
        columns = ", ".join(f"{left}{t(lang, f'label.{k}')}{right}" for k in keys)
        return error_text(lang, FieldError(problem.field, problem.code, {**problem.params, "columns": columns}))
    return error_text(lang, problem)


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def change_rows(plan: ImportPlan, lang: str) -> list[dict]:
    """Every update's changed fields: line, name, field, before, after (for the page and the command line)."""
    from forum_core.i18n import t

    rows = []
    for r in plan.updates:
        name = f"{r.person.first_name} {r.person.last_name}"
        for key, (before, after) in r.changes.items():
            rows.append(
                {
                    "line": r.line,
                    "name": name,
                    "field": t(lang, f"label.{key}"),
                    "before": _shown(before),
                    "after": _shown(after),
                }
            )
    return rows


def duplicate_rows(plan: ImportPlan, lang: str) -> list[dict]:
    """Every new person who has the name of someone on the list (or of an earlier row)."""
    from forum_core.i18n import t

    rows = []
    for r in plan.possible_duplicates:
        for d in r.duplicates:
            if "line" in d:
                other = t(lang, "import.same_name_line", line=d["line"])
            else:
                other = t(
                    lang,
                    "import.same_name_person",
                    name=f"{d['first_name']} {d['last_name']}",
                    phone=georgian.format_phone(d["phone"]) or "—",
                    group=d["group"],
                )
            rows.append(
                {
                    "line": r.line,
                    "name": f"{r.person.first_name} {r.person.last_name}",
                    "phone": georgian.format_phone(r.person.phone),
                    "other": other,
                }
            )
    return rows


def report_lines(plan: ImportPlan, lang: str) -> list[str]:
    """The preview as lines of text, the same on the page and on the command line."""
    from forum_core.i18n import error_text, t

    if plan.problem is not None:
        return [problem_text(lang, plan.problem)]
    lines = [t(lang, "import.summary", **plan.counts)]
    if len(plan.sheets) > 1:
        lines.append(t(lang, "import.sheet_used", sheet=plan.sheet, line=plan.header_line))
    if plan.ignored_columns:
        lines.append(t(lang, "import.ignored_columns", columns=", ".join(plan.ignored_columns)))
    for row in change_rows(plan, lang):
        lines.append(t(lang, "import.change_line", **row))
    for row in duplicate_rows(plan, lang):
        lines.append(t(lang, "import.duplicate_line", **row))
    for row in plan.invalid:
        for error in row.errors:
            lines.append(
                t(
                    lang,
                    "import.invalid_line",
                    line=row.line,
                    column=t(lang, f"label.{error.field}"),
                    reason=error_text(lang, error),
                )
            )
    return lines
