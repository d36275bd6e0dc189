"""Budget programs from a file (CSV, XLSX ... whatever the participant importer reads).

Apart from :mod:`forum_core.forum` (which keeps and validates the programs) so that the
forum does not depend on the importer, which depends on the forum's groups.
"""

from __future__ import annotations

from dataclasses import replace

from forum_core import forum as forum_mod
from forum_core import i18n, importer
from forum_core.db import Actor, Database
from forum_core.validation import FieldError, Outcome

PROGRAM_ALIASES = {
    "field": ["field", "სფერო"],
    "program_code": ["program_code", "program code", "code", "კოდი", "პროგრამის კოდი"],
    "name": ["name", "program", "დასახელება", "პროგრამა"],
    "amount": ["amount", "budget", "თანხა", "ბიუჯეტი"],
    "year": ["year", "წელი"],
    "description": ["description", "აღწერა"],
}


# The setup table's own column names, in both languages (a table copied out and back in)
TABLE_LABELS = {
    "field": "label.field",
    "program_code": "fac.program_code",
    "name": "label.name",
    "amount": "label.amount",
    "year": "fac.year",
    "description": "fac.description",
}
REQUIRED = ("field", "program_code", "name")
COLUMNS = importer.Columns(
    {
        importer.normalize_header(alias): key
        for key, names in PROGRAM_ALIASES.items()
        for alias in [*names, *(i18n.t(lang, TABLE_LABELS[key]) for lang in i18n.LANGUAGES)]
    },
    lambda keys: set(REQUIRED) <= keys,
)


def import_programs(
    db: Database, actor: Actor, forum_id: int, data: bytes, filename: str = "", lang: str = "ka"
) -> Outcome:
    """Budget programs from CSV/XLSX with columns field, program_code, name, amount, year, description
    (the header row may stand below title rows, as in a budget's spreadsheet). A refused row is
    named by its row in the file. A column the file lacks (an amount under a header not known) is
    left as stored, never emptied."""
    try:
        table = importer.read_table(data, filename, columns=COLUMNS)
    except importer.FileProblem as problem:
        return Outcome(False, "file_problem", (FieldError("file", problem.code, problem.params),))
    mapping = {}
    for index, header in enumerate(table.headers):
        key = COLUMNS.aliases.get(importer.normalize_header(header))
        if key and key not in mapping:
            mapping[key] = index
    missing = [c for c in REQUIRED if c not in mapping]
    if missing:  # named by the headers the file may have, in the page's language
        columns = ", ".join(i18n.t(lang, TABLE_LABELS[c]) for c in missing)
        return Outcome(False, "file_problem", (FieldError("file", "missing_program_columns", {"columns": columns}),))
    rows = [{k: (cells[i] if i < len(cells) else None) for k, i in mapping.items()} for _, cells in table.rows]
    outcome = forum_mod.save_programs(db, actor, forum_id, rows)
    # "program.3.amount" names the third program; in a file, its row is the one the spreadsheet shows
    lines = [line for line, _ in table.rows]  # (blank rows are left out by the reader)
    errors = []
    for error in outcome.errors:
        parts = error.field.split(".")
        if len(parts) == 3 and parts[0] == "program" and parts[1].isdigit():
            error = FieldError(f"program.{lines[int(parts[1]) - 1]}.{parts[2]}", error.code, error.params)
        errors.append(error)
    return replace(outcome, errors=tuple(errors))
