"""A table edited on a page (the groups', the budget programs'), applied to the rows stored now.

The person edits the rows the table showed them. Meanwhile another organizer may have saved the
same table: a row changed, added or removed there. What this person saves is what they changed,
cell by cell, put on the rows as they are now. Neither person's work is lost, and an edit never
lands on another row than the one it was typed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _same(a: Any, b: Any) -> bool:
    """Whether two cells say the same: an empty text and no value alike (a cleared cell gives either)."""
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


def changed_cells(shown: dict, typed: dict) -> dict:
    """The cells of ``typed`` that differ from the row as it was ``shown`` (``id`` aside)."""
    return {c: v for c, v in typed.items() if c != "id" and not _same(v, shown.get(c))}


@dataclass(frozen=True)
class Replaced:
    """A cell both organizers changed: the other's saved words, replaced by this person's."""

    row: int  # the row's number as this person's table shows it, from 1
    column: str
    theirs: Any
    mine: Any


@dataclass
class Merged:
    """What :func:`merge` makes: the rows to save, and what the person is to be told after the save.

    Nothing is lost without a word: a cell the other organizer had changed too is saved as this
    person typed it (they have just typed it, and the table cannot keep it pending once refused),
    and ``replaced`` names the other's words so they can be put back; a row the other organizer
    removed and this person changed comes back (``restored``, its row numbers)."""

    rows: list[dict]
    replaced: list[Replaced] = field(default_factory=list)
    restored: list[int] = field(default_factory=list)


def merge(shown: list[dict], stored: list[dict], typed: list[dict]) -> Merged:
    """The rows to save, with what the person is to be told (:class:`Merged`).

    - ``shown``: the rows the table showed when the person began editing, each with its ``id``;
    - ``stored``: the same rows as stored now, in the same form;
    - ``typed``: the table's rows as the person left them, in its order, each with the ``id`` of
      the row it was shown as, ``None`` for a row they added.

    A shown row the person left out of ``typed`` was deleted by them. The result follows the table's
    order, the rows another organizer added meanwhile before the rows this person added (a table adds
    rows at its end; when both added group 11, the refusal named the other's, already saved, a tour). A row another organizer removed meanwhile stays removed, unless this person
    changed it: then what they typed is kept, as a new row.
    """
    shown_by = {r["id"]: r for r in shown}
    stored_by = {r["id"]: r for r in stored}
    merged = Merged(rows=[])
    added = []  # after the rows another organizer added: a clash (the same number) names this person's row
    for number, row in enumerate(typed, start=1):
        row_id = row.get("id")
        if row_id is None or row_id not in shown_by:
            added.append(row | {"id": None})
            continue
        was = shown_by[row_id]
        changes = changed_cells(was, row)
        now = stored_by.get(row_id)
        if now is None:
            if changes:
                merged.rows.append(row | {"id": None})
                merged.restored.append(number)
            continue
        merged.replaced += [
            Replaced(number, column, now.get(column), mine)
            for column, mine in changes.items()
            if not _same(now.get(column), was.get(column)) and not _same(now.get(column), mine)
        ]
        merged.rows.append(now | changes)
    merged.rows += [r for r in stored if r["id"] not in shown_by] + added
    return merged


def with_edits(rows: list[dict], edits: dict) -> list[dict]:
    """``rows`` as a table editor showed them, with its pending ``edits`` made on them: the cells
    changed (``edited_rows``: row position → column → value), the rows deleted (``deleted_rows``:
    positions), then the rows added (``added_rows``, each with ``id`` None). The shape is Streamlit's
    data editor's; it is plain data, and what the table shows after it is the same as before it."""
    edited = {int(position): cells for position, cells in (edits.get("edited_rows") or {}).items()}
    deleted = {int(position) for position in edits.get("deleted_rows") or ()}
    kept = [row | edited.get(n, {}) for n, row in enumerate(rows) if n not in deleted]
    return kept + [dict(added) | {"id": None} for added in edits.get("added_rows") or ()]


def put_back(rows: list[dict], stored: list[dict], ids) -> list[dict]:
    """``rows`` with the stored rows of ``ids`` put back at their places: rows deleted in a table
    whose deletion was refused (a group with members, a program an initiative names)."""
    rows = list(rows)
    for position, row in enumerate(stored):
        if row["id"] in ids:
            rows.insert(min(position, len(rows)), row)
    return rows
