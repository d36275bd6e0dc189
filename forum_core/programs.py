"""Budget programs from a file (CSV, XLSX ... whatever the participant importer reads).

Apart from :mod:`forum_core.forum` (which keeps and validates the programs) so that the
forum does not depend on the importer, which depends on the forum's groups.
"""

from __future__ import annotations

from forum_core import forum as forum_mod
from forum_core import importer
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


def import_programs(db: Database, actor: Actor, forum_id: int, data: bytes, filename: str = "") -> Outcome:
    """Budget programs from CSV/XLSX with columns field, program_code, name, amount, year, description."""
    try:
        table = importer.read_table(data, filename)
    except importer.FileProblem as problem:
        return Outcome(False, "file_problem", (FieldError("file", problem.code, problem.params),))
    aliases = {importer.normalize_header(a): key for key, names in PROGRAM_ALIASES.items() for a in names}
    mapping = {}
    for index, header in enumerate(table.headers):
        key = aliases.get(importer.normalize_header(header))
        if key and key not in mapping:
            mapping[key] = index
    missing = [c for c in ("field", "program_code", "name") if c not in mapping]
    if missing:
        return Outcome(False, "file_problem", (FieldError("file", "missing_columns", {"columns": ", ".join(missing)}),))
    rows = [{k: (cells[i] if i < len(cells) else None) for k, i in mapping.items()} for _, cells in table.rows]
    return forum_mod.save_programs(db, actor, forum_id, rows)
