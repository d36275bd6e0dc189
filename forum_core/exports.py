"""Exports of a forum's data in the same shape the importer reads back."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from forum_core import georgian
from forum_core import participants as people
from forum_core.importer import TEMPLATE_HEADERS


def participant_rows(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[list]:
    rows = []
    for p in people.all_active(cur, forum_id):
        rows.append([p["first_name"], p["last_name"], georgian.format_phone(p["phone"]), p["group_number"],
                     p["gender"] or "", p["birth_year"] or "", p["community"] or "", p["email"] or "",
                     p["needs"] or ""])
    return rows


def participants_csv(cur: duckdb.DuckDBPyConnection, forum_id: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(participant_rows(cur, forum_id))
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def participants_xlsx(cur: duckdb.DuckDBPyConnection, forum_id: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("participants")
    ws.append(TEMPLATE_HEADERS)
    for row in participant_rows(cur, forum_id):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_participants(cur: duckdb.DuckDBPyConnection, forum_id: int, path: Path) -> int:
    """Write the participant list to ``path`` (.xlsx or .csv); return how many people."""
    data = participants_xlsx(cur, forum_id) if path.suffix.lower() == ".xlsx" else participants_csv(cur, forum_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return people.count_active(cur, forum_id)
