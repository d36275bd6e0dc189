"""Participants of a forum: validation, search, add, edit, move, remove.

A participant is matched across imports by phone number, which is unique among
the active participants of a forum. Each row carries a ``version``: an edit made
on a stale view (someone else saved first) is refused with ``stale`` instead of
silently overwriting the newer data. Removing a person keeps the row (``removed_at``)
so that later records about them stay explainable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import duckdb

from forum_core import georgian, tokens
from forum_core.db import Actor, Database, Unit, one_as_dict, rows_as_dicts
from forum_core.validation import FieldError, Outcome, check_int, check_text
from forum_core.vocabulary import sees_personal_data

PERSON_FIELDS = ("first_name", "last_name", "phone", "group_id", "gender", "birth_year", "community", "email", "needs")
GENDERS = {
    "f": "f",
    "female": "f",
    "woman": "f",
    "w": "f",
    "ქ": "f",
    "ქალი": "f",
    "მდედრობითი": "f",
    "m": "m",
    "male": "m",
    "man": "m",
    "კ": "m",
    "მ": "m",
    "კაცი": "m",
    "მამაკაცი": "m",
    "მამრობითი": "m",
    "other": "x",
    "x": "x",
    "სხვა": "x",
}
MIN_AGE = 10
OLDEST_BIRTH_YEAR = 1900
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    phone: str | None
    group_id: int | None
    gender: str | None = None
    birth_year: int | None = None
    community: str = ""
    email: str = ""
    needs: str = ""


def validate_person(
    raw: dict, resolve_group: Callable[[Any], int | None], phone_required: bool = True, today: date | None = None
) -> tuple[Person | None, list[FieldError]]:
    """Check one person's fields. ``resolve_group`` turns a group number/name/id into an id."""
    errors: list[FieldError] = []
    first = check_text(errors, "first_name", raw.get("first_name"), "name", required=True)
    last = check_text(errors, "last_name", raw.get("last_name"), "name", required=True)
    phone_raw = check_text(errors, "phone", raw.get("phone"), "short")
    phone = None
    if phone_raw:
        phone = georgian.normalize_phone(phone_raw)
        if phone is None:
            errors.append(FieldError("phone", "bad_phone", {"value": phone_raw}))
    elif phone_required:
        errors.append(FieldError("phone", "required"))
    group_raw = raw.get("group")
    group_id = None
    if group_raw is None or (isinstance(group_raw, str) and not group_raw.strip()) or group_raw != group_raw:
        errors.append(FieldError("group", "required"))
    else:
        group_id = resolve_group(group_raw)
        if group_id is None:
            errors.append(FieldError("group", "unknown_group", {"value": str(group_raw)[:60]}))
    gender = None
    gender_raw = check_text(errors, "gender", raw.get("gender"), "short")
    if gender_raw:
        gender = GENDERS.get(gender_raw.casefold())
        if gender is None:
            errors.append(FieldError("gender", "bad_gender", {"value": gender_raw[:30]}))
    year = (today or date.today()).year
    birth_year = check_int(
        errors, "birth_year", raw.get("birth_year"), OLDEST_BIRTH_YEAR, year - MIN_AGE, required=False
    )
    community = check_text(errors, "community", raw.get("community"), "short")
    email = check_text(errors, "email", raw.get("email"), "short")
    if email and not _EMAIL.fullmatch(email):
        errors.append(FieldError("email", "bad_email", {"value": email}))
    needs = check_text(errors, "needs", raw.get("needs"), "note", multiline=True)
    if errors:
        return None, errors
    return Person(first, last, phone, group_id, gender, birth_year, community, email, needs), errors


def group_resolver(group_rows: list[dict]) -> Callable[[Any], int | None]:
    """Resolve a group given as number (``3``, ``3.0``), name (any case), or id."""
    by_number = {g["number"]: g["id"] for g in group_rows}
    by_name = {g["name"].casefold(): g["id"] for g in group_rows}
    ids = {g["id"] for g in group_rows}

    def resolve(value: Any) -> int | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            if value == value and float(value).is_integer():
                return by_number.get(int(value))
            return None
        text = str(value).strip()
        if re.fullmatch(r"\d+(\.0+)?", text):
            return by_number.get(int(float(text)))
        return by_name.get(re.sub(r"\s+", " ", text).casefold())

    resolve.by_id = lambda gid: gid if gid in ids else None  # type: ignore[attr-defined]
    return resolve


def row_values(p: Person) -> dict:
    return asdict(p)


# --- reading ---------------------------------------------------------------

_LIST_COLUMNS = """p.id, p.first_name, p.last_name, p.phone, p.group_id, g.number AS group_number,
    g.name AS group_name, g.room, p.gender, p.birth_year, p.community, p.email, p.needs, p.source, p.version"""


def get(cur: duckdb.DuckDBPyConnection, participant_id: int) -> dict | None:
    return one_as_dict(
        cur.execute(
            f"SELECT {_LIST_COLUMNS}, p.forum_id, p.removed_at FROM participant p "
            "LEFT JOIN working_group g ON g.id = p.group_id WHERE p.id = ?",
            [participant_id],
        )
    )


_NAMES_ONLY = ("id", "first_name", "last_name", "group_id", "group_number", "group_name", "room")


def search(
    cur: duckdb.DuckDBPyConnection,
    forum_id: int,
    query: str,
    *,
    role: str,
    limit: int = 50,
    group_id: int | None = None,
) -> list[dict]:
    """Find active participants by Georgian name, its Latin transliteration, or phone digits.

    Every word of the query must occur in the name (in any order); a query with
    three or more digits also matches phone numbers containing those digits.
    An empty query returns everybody (up to ``limit``), sorted by name.

    The personal-data policy applies here, where the data is read: for a ``role`` that
    may not see phones (facilitators, experts ...) digits match nothing and the rows
    hold names and group only, no phone, birth year, community, e-mail or needs.
    """
    personal = sees_personal_data(role)
    terms = georgian.query_terms(query)
    digits = re.sub(r"\D", "", query) if personal else ""
    name_terms = [t for t in terms if not t.isdigit()]
    sql = (
        f"SELECT {_LIST_COLUMNS} FROM participant p LEFT JOIN working_group g ON g.id = p.group_id "
        "WHERE p.forum_id = ? AND p.removed_at IS NULL"
    )
    params: list[Any] = [forum_id]
    if group_id is not None:
        sql += " AND p.group_id = ?"
        params.append(group_id)
    every_term = " AND ".join(["contains(p.search_key, ?)"] * len(name_terms))  # one placeholder per word
    if name_terms and len(digits) >= 3:
        sql += f" AND (({every_term}) OR contains(p.phone_digits, ?))"
        params += [*name_terms, digits[-9:]]
    elif len(digits) >= 3:
        sql += " AND contains(p.phone_digits, ?)"
        params.append(digits[-9:] if not digits.startswith("995") else digits[3:])
    elif name_terms:
        sql += f" AND {every_term}"
        params += name_terms
    elif query.strip():
        return []
    sql += " ORDER BY p.last_name, p.first_name, p.id LIMIT ?"
    params.append(limit)
    rows = rows_as_dicts(cur.execute(sql, params))
    return rows if personal else [{k: r[k] for k in _NAMES_ONLY} for r in rows]


def count_active(cur: duckdb.DuckDBPyConnection, forum_id: int) -> int:
    return cur.execute(
        "SELECT count(*) FROM participant WHERE forum_id = ? AND removed_at IS NULL", [forum_id]
    ).fetchone()[0]


def all_active(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[dict]:
    return rows_as_dicts(
        cur.execute(
            f"SELECT {_LIST_COLUMNS} FROM participant p LEFT JOIN working_group g ON g.id = p.group_id "
            "WHERE p.forum_id = ? AND p.removed_at IS NULL ORDER BY g.number, p.last_name, p.first_name",
            [forum_id],
        )
    )


# --- writing ---------------------------------------------------------------


def phone_owner(cur: duckdb.DuckDBPyConnection, forum_id: int, phone: str) -> dict | None:
    return one_as_dict(
        cur.execute(
            "SELECT id, first_name, last_name FROM participant WHERE forum_id = ? AND phone = ? AND removed_at IS NULL",
            [forum_id, phone],
        )
    )


def stored_row(forum_id: int, p: Person, source: str, now) -> dict:
    """The participant table's row for a new person (one place for the single add and the import)."""
    return {
        "forum_id": forum_id,
        "group_id": p.group_id,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "phone": p.phone,
        "gender": p.gender,
        "birth_year": p.birth_year,
        "community": p.community,
        "email": p.email,
        "needs": p.needs,
        "source": source,
        "search_key": georgian.search_key(p.first_name, p.last_name),
        "phone_digits": georgian.phone_digits(p.phone),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def insert(unit: Unit, forum_id: int, p: Person, source: str) -> int:
    pid = unit.insert("participant", stored_row(forum_id, p, source, unit.now), returning="id")
    unit.audit("participant", pid, None, row_values(p), forum_id, action="participant.add")
    issue_tokens(unit, forum_id, [pid])
    return pid


def issue_tokens(unit: Unit, forum_id: int, participant_ids: list[int]) -> dict[int, str]:
    """Give each participant a new QR token (unique across the database)."""
    if not participant_ids:
        return {}
    secret = unit.execute("SELECT token_secret FROM forum WHERE id = ?", [forum_id]).fetchone()[0]
    if len(participant_ids) == 1:
        taken: set[str] = set()
    else:
        taken = {r[0] for r in unit.execute("SELECT token FROM participant_token").fetchall()}
    issued: dict[int, str] = {}
    for pid in participant_ids:
        while True:
            token = tokens.new_token(secret)
            if token in taken:
                continue
            if (
                len(participant_ids) == 1
                and unit.execute("SELECT 1 FROM participant_token WHERE token = ?", [token]).fetchone()
            ):
                continue
            break
        taken.add(token)
        issued[pid] = token
    unit.insert_many(
        "participant_token",
        ("token", "participant_id", "issued_at"),
        [(token, pid, unit.now) for pid, token in issued.items()],
    )
    return issued


def update_row(unit: Unit, forum_id: int, pid: int, before: dict, p: Person) -> None:
    unit.write(
        "participant",
        """UPDATE participant SET group_id = ?, first_name = ?, last_name = ?, phone = ?, gender = ?,
               birth_year = ?, community = ?, email = ?, needs = ?, search_key = ?, phone_digits = ?,
               version = version + 1, updated_at = ? WHERE id = ?""",
        [
            p.group_id,
            p.first_name,
            p.last_name,
            p.phone,
            p.gender,
            p.birth_year,
            p.community,
            p.email,
            p.needs,
            georgian.search_key(p.first_name, p.last_name),
            georgian.phone_digits(p.phone),
            unit.now,
            pid,
        ],
    )
    after = row_values(p)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    unit.audit("participant", pid, {k: before.get(k) for k in changed}, changed, forum_id, action="participant.update")


def _resolver_for(cur, forum_id: int) -> Callable[[Any], int | None]:
    ids = {r[0] for r in cur.execute("SELECT id FROM working_group WHERE forum_id = ?", [forum_id]).fetchall()}
    return lambda gid: int(gid) if gid is not None and int(gid) in ids else None


def add(
    db: Database, actor: Actor, forum_id: int, raw: dict, source: str = "manual", phone_required: bool = True
) -> Outcome:
    """Add one person (``raw['group']`` is a group id). Refuses a phone already in use."""

    def work(unit: Unit) -> Outcome:
        person, errors = validate_person(raw, _resolver_for(unit.cur, forum_id), phone_required)
        if errors:
            return Outcome(False, "invalid", tuple(errors))
        if person.phone and (owner := phone_owner(unit.cur, forum_id, person.phone)):
            return Outcome(
                False,
                "invalid",
                (FieldError("phone", "phone_taken", {"name": f"{owner['first_name']} {owner['last_name']}"}),),
            )
        return Outcome(True, "added", value=insert(unit, forum_id, person, source))

    return db.attempt(actor, "participant.add", work)


def update(db: Database, actor: Actor, participant_id: int, raw: dict, expected_version: int) -> Outcome:
    """Save an edit made on the view of version ``expected_version``."""

    def work(unit: Unit) -> Outcome:
        before = get(unit.cur, participant_id)
        if before is None or before["removed_at"] is not None:
            return Outcome(False, "not_found")
        if before["version"] != expected_version:
            return Outcome(False, "stale", value=before)
        forum_id = before["forum_id"]
        person, errors = validate_person(raw, _resolver_for(unit.cur, forum_id), phone_required=False)
        if errors:
            return Outcome(False, "invalid", tuple(errors))
        if person.phone and (owner := phone_owner(unit.cur, forum_id, person.phone)) and owner["id"] != participant_id:
            return Outcome(
                False,
                "invalid",
                (FieldError("phone", "phone_taken", {"name": f"{owner['first_name']} {owner['last_name']}"}),),
            )
        if all(before.get(k) == v for k, v in row_values(person).items()):
            return Outcome(True, "unchanged")
        update_row(unit, forum_id, participant_id, before, person)
        return Outcome(True, "saved")

    return db.attempt(actor, "participant.update", work)


def move(db: Database, actor: Actor, participant_id: int, group_id: int, expected_version: int) -> Outcome:
    """Move a person to another group of the same forum (a facilitator: into their own group,
    for a person who came to their room)."""

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        before = get(unit.cur, participant_id)
        if before is None or before["removed_at"] is not None:
            return Outcome(False, "not_found")
        if before["version"] != expected_version:
            return Outcome(False, "stale", value=before)
        if _resolver_for(unit.cur, before["forum_id"])(group_id) is None:
            return Outcome(False, "invalid", (FieldError("group", "unknown_group", {"value": group_id}),))
        if before["group_id"] == group_id:
            return Outcome(True, "unchanged")
        unit.write(
            "participant",
            "UPDATE participant SET group_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
            [group_id, unit.now, participant_id],
        )
        unit.audit(
            "participant",
            participant_id,
            {"group_id": before["group_id"]},
            {"group_id": group_id},
            before["forum_id"],
            action="participant.move",
        )
        return Outcome(True, "moved")

    return db.attempt(actor, "participant.move", work)


def remove(db: Database, actor: Actor, participant_id: int, expected_version: int) -> Outcome:
    def work(unit: Unit) -> Outcome:
        before = get(unit.cur, participant_id)
        if before is None or before["removed_at"] is not None:
            return Outcome(False, "not_found")
        if before["version"] != expected_version:
            return Outcome(False, "stale", value=before)
        unit.write(
            "participant",
            "UPDATE participant SET removed_at = ?, version = version + 1, updated_at = ? WHERE id = ?",
            [unit.now, unit.now, participant_id],
        )
        unit.audit(
            "participant",
            participant_id,
            {k: before[k] for k in PERSON_FIELDS},
            None,
            before["forum_id"],
            action="participant.remove",
        )
        return Outcome(True, "removed")

    return db.attempt(actor, "participant.remove", work)
