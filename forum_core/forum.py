"""The forum and its working groups: setup, agenda, validation, the current forum.

A database may hold several forums (other years, other municipalities); the
setting ``current_forum_id`` says which one the pages work on.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from forum_core.db import Actor, Database, Unit, one_as_dict, rows_as_dicts
from forum_core.validation import FieldError, Outcome, check_amount, check_int, check_text

DEFAULT_PHASES = [("opening", 30), ("group_work", 180), ("presentations", 70)]
# Fields of the ten groups of a new forum, as keys of the catalog (``field.<key>``).
DEFAULT_FIELDS = [
    "social",
    "infrastructure",
    "youth",
    "education",
    "health",
    "culture",
    "agriculture",
    "environment",
    "economy",
    "public_services",
]


@dataclass(frozen=True)
class ForumSettings:
    title: str
    municipality: str
    forum_date: date
    venue: str
    start_time: time
    duration_min: int = 240
    pebbles_per_participant: int = 3
    priorities_per_group: int = 5
    goals: str = ""
    flagged_in_vote: bool = False  # problems outside local competence: in the vote with a mark, or left out


@dataclass(frozen=True)
class Phase:
    name: str
    minutes: int


@dataclass(frozen=True)
class GroupDraft:
    """A working group as typed on the setup page; ``id`` is None for a new group."""

    number: Any
    name: Any
    field: Any
    room: Any = ""
    facilitator: Any = ""
    expert: Any = ""
    target_min: Any = 10
    target_max: Any = 12
    id: int | None = None


# --- validation ------------------------------------------------------------


def validate_settings(raw: dict) -> tuple[ForumSettings | None, list[FieldError]]:
    errors: list[FieldError] = []
    title = check_text(errors, "title", raw.get("title"), "title", required=True)
    municipality = check_text(errors, "municipality", raw.get("municipality"), "short", required=True)
    venue = check_text(errors, "venue", raw.get("venue"), "title", required=True)
    goals = check_text(errors, "goals", raw.get("goals"), "text", multiline=True)
    forum_date = raw.get("forum_date")
    if isinstance(forum_date, str):
        try:
            forum_date = date.fromisoformat(forum_date.strip())
        except ValueError:
            errors.append(FieldError("forum_date", "bad_date"))
            forum_date = None
    elif isinstance(forum_date, datetime):
        forum_date = forum_date.date()
    if forum_date is None and not any(e.field == "forum_date" for e in errors):
        errors.append(FieldError("forum_date", "required"))
    start = raw.get("start_time")
    if isinstance(start, str):
        try:
            start = time.fromisoformat(start.strip())
        except ValueError:
            errors.append(FieldError("start_time", "bad_time"))
            start = None
    if start is None and not any(e.field == "start_time" for e in errors):
        errors.append(FieldError("start_time", "required"))
    duration = check_int(errors, "duration_min", raw.get("duration_min", 240), 30, 720)
    pebbles = check_int(errors, "pebbles_per_participant", raw.get("pebbles_per_participant", 3), 1, 20)
    priorities = check_int(errors, "priorities_per_group", raw.get("priorities_per_group", 5), 1, 10)
    if errors:
        return None, errors
    return ForumSettings(
        title,
        municipality,
        forum_date,
        venue,
        start,
        duration,
        pebbles,
        priorities,
        goals,
        bool(raw.get("flagged_in_vote", False)),
    ), errors


def validate_phases(raw: list[dict]) -> tuple[list[Phase], list[FieldError]]:
    errors: list[FieldError] = []
    phases = []
    for i, row in enumerate(raw, start=1):
        name = check_text(errors, f"phase.{i}.name", row.get("name"), "short", required=True)
        minutes = check_int(errors, f"phase.{i}.minutes", row.get("minutes"), 1, 600)
        phases.append(Phase(name, minutes or 0))
    if not phases:
        errors.append(FieldError("phases", "required"))
    return phases, errors


def phase_warnings(phases: list[Phase], duration_min: int) -> list[FieldError]:
    total = sum(p.minutes for p in phases)
    if phases and total != duration_min:
        return [FieldError("phases", "phases_vs_duration", {"total": total, "duration": duration_min})]
    return []


def validate_groups(drafts: list[GroupDraft]) -> tuple[list[GroupDraft], list[FieldError], list[FieldError]]:
    """Check groups; return cleaned drafts, errors (block saving) and warnings (room clashes)."""
    errors: list[FieldError] = []
    cleaned: list[GroupDraft] = []
    for i, g in enumerate(drafts, start=1):
        p = f"group.{i}."
        number = check_int(errors, p + "number", g.number, 1, 99)
        name = check_text(errors, p + "name", g.name, "short", required=True)
        field_ = check_text(errors, p + "field", g.field, "short", required=True)
        room = check_text(errors, p + "room", g.room, "room")
        facilitator = check_text(errors, p + "facilitator", g.facilitator, "short")
        expert = check_text(errors, p + "expert", g.expert, "short")
        tmin = check_int(errors, p + "target_min", g.target_min, 1, 60)
        tmax = check_int(errors, p + "target_max", g.target_max, 1, 60)
        if tmin is not None and tmax is not None and tmin > tmax:
            errors.append(FieldError(p + "target_max", "max_below_min", {"min": tmin}))
        cleaned.append(
            replace(
                g,
                number=number,
                name=name,
                field=field_,
                room=room,
                facilitator=facilitator,
                expert=expert,
                target_min=tmin,
                target_max=tmax,
            )
        )
    if not drafts:
        errors.append(FieldError("groups", "required"))
    seen_numbers: dict[int, int] = {}
    seen_names: dict[str, int] = {}
    rooms: dict[str, list[int]] = {}
    for i, g in enumerate(cleaned, start=1):
        if g.number is not None:
            if g.number in seen_numbers:
                errors.append(FieldError(f"group.{i}.number", "duplicate_number", {"other": seen_numbers[g.number]}))
            seen_numbers.setdefault(g.number, i)
        if g.name:
            key = g.name.casefold()
            if key in seen_names:
                errors.append(FieldError(f"group.{i}.name", "duplicate_name", {"other": seen_names[key]}))
            seen_names.setdefault(key, i)
        if g.room:
            rooms.setdefault(g.room.casefold(), []).append(g.number if g.number is not None else i)
    warnings = [
        FieldError("groups", "room_clash", {"room": room, "groups": ", ".join(map(str, nums))})
        for room, nums in rooms.items()
        if len(nums) > 1
    ]
    return cleaned, errors, warnings


# --- reading ---------------------------------------------------------------


def current_forum_id(cur: duckdb.DuckDBPyConnection) -> int | None:
    row = cur.execute("SELECT value FROM app_setting WHERE key = 'current_forum_id'").fetchone()
    if row is None:
        return None
    forum_id = int(row[0])
    exists = cur.execute("SELECT 1 FROM forum WHERE id = ?", [forum_id]).fetchone()
    return forum_id if exists else None


FORUM_CHOICE_TABLES = ("app_setting", "forum")


def current_forum_id_shared(db: Database) -> int | None:
    """:func:`current_forum_id` through the database's read cache (two statements, ~2 ms when the
    processor comes back from idle, saved from every scan and public page: the choice changes
    only when the organizer switches forums)."""
    return db.read_through(("current_forum_id",), FORUM_CHOICE_TABLES, current_forum_id)


def get_forum(cur: duckdb.DuckDBPyConnection, forum_id: int) -> dict | None:
    return one_as_dict(cur.execute("SELECT * FROM forum WHERE id = ?", [forum_id]))


def list_forums(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    return rows_as_dicts(
        cur.execute("SELECT id, title, municipality, forum_date FROM forum ORDER BY forum_date DESC, id DESC")
    )


def phases(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[Phase]:
    rows = cur.execute(
        "SELECT name, minutes FROM agenda_phase WHERE forum_id = ? ORDER BY position", [forum_id]
    ).fetchall()
    return [Phase(n, m) for n, m in rows]


def groups(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[dict]:
    """Working groups in number order, with how many active participants each has."""
    return rows_as_dicts(
        cur.execute(
            """SELECT g.*, count(p.id) AS size
           FROM working_group g
           LEFT JOIN participant p ON p.group_id = g.id AND p.removed_at IS NULL
           WHERE g.forum_id = ?
           GROUP BY ALL
           ORDER BY g.number""",
            [forum_id],
        )
    )


# What the groups' sizes are counted from: the read cache recomputes them after a unit writes one of these.
GROUP_TABLES = ("working_group", "participant")


def groups_shared(db: Database, forum_id: int) -> list[dict]:
    """:func:`groups` through the database's read cache: every run of a desk's and a tablet's page
    lists the groups, ~3 ms of a query each time, while they change only with a group or a person
    added, moved or removed (a check-in changes neither). Callers must not change the list."""
    return db.read_through(("groups", forum_id), GROUP_TABLES, lambda cur: groups(cur, forum_id))


def budget_programs(cur: duckdb.DuckDBPyConnection, forum_id: int, field: str | None = None) -> list[dict]:
    sql = "SELECT * FROM budget_program WHERE forum_id = ?"
    params: list[Any] = [forum_id]
    if field is not None:
        sql += " AND field = ?"
        params.append(field)
    return rows_as_dicts(cur.execute(sql + " ORDER BY field, program_code", params))


# --- writing ---------------------------------------------------------------


def _insert_forum(unit: Unit, s: ForumSettings) -> int:
    forum_id = unit.write(
        "forum",
        """INSERT INTO forum (title, municipality, goals, forum_date, venue, start_time, duration_min,
                              pebbles_per_participant, priorities_per_group, flagged_in_vote, token_secret,
                              created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            s.title,
            s.municipality,
            s.goals,
            s.forum_date,
            s.venue,
            s.start_time,
            s.duration_min,
            s.pebbles_per_participant,
            s.priorities_per_group,
            s.flagged_in_vote,
            secrets.token_hex(32),
            unit.now,
            unit.now,
        ],
    ).fetchone()[0]
    unit.audit("forum", forum_id, None, s.__dict__, forum_id)
    return forum_id


def _set_current(unit: Unit, forum_id: int) -> None:
    unit.write("app_setting", "DELETE FROM app_setting WHERE key = 'current_forum_id'")
    unit.write("app_setting", "INSERT INTO app_setting VALUES ('current_forum_id', ?)", [str(forum_id)])


def _write_phases(unit: Unit, forum_id: int, new_phases: list[Phase]) -> None:
    before = [p.__dict__ for p in phases(unit.cur, forum_id)]
    after = [p.__dict__ for p in new_phases]
    if before == after:
        return
    unit.write("agenda_phase", "DELETE FROM agenda_phase WHERE forum_id = ?", [forum_id])
    unit.insert_many(
        "agenda_phase",
        ("forum_id", "position", "name", "minutes"),
        [(forum_id, i, p.name, p.minutes) for i, p in enumerate(new_phases, start=1)],
    )
    unit.audit("agenda", forum_id, before, after, forum_id)


def _insert_group(unit: Unit, forum_id: int, g: GroupDraft) -> int:
    gid = unit.write(
        "working_group",
        """INSERT INTO working_group (forum_id, number, name, field, room, facilitator, expert, target_min, target_max)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [forum_id, g.number, g.name, g.field, g.room, g.facilitator, g.expert, g.target_min, g.target_max],
    ).fetchone()[0]
    unit.audit("group", gid, None, _group_values(g), forum_id)
    return gid


def _group_values(g: GroupDraft | dict) -> dict:
    get = g.get if isinstance(g, dict) else lambda k: getattr(g, k)
    return {k: get(k) for k in ("number", "name", "field", "room", "facilitator", "expert", "target_min", "target_max")}


def create_forum(
    db: Database,
    actor: Actor,
    raw_settings: dict,
    raw_phases: list[dict] | None = None,
    drafts: list[GroupDraft] | None = None,
    make_current: bool = True,
) -> Outcome:
    """Create a forum with its agenda and groups; on bad input nothing is written."""
    settings, errors = validate_settings(raw_settings)
    new_phases, phase_errors = validate_phases(
        raw_phases if raw_phases is not None else [{"name": n, "minutes": m} for n, m in DEFAULT_PHASES]
    )
    cleaned, group_errors, warnings = validate_groups(drafts) if drafts else ([], [], [])
    errors += phase_errors + group_errors
    if errors:
        return Outcome(False, "invalid", tuple(errors), tuple(warnings))

    def work(unit: Unit) -> int:
        forum_id = _insert_forum(unit, settings)
        _write_phases(unit, forum_id, new_phases)
        for g in cleaned:
            _insert_group(unit, forum_id, g)
        if make_current:
            _set_current(unit, forum_id)
        return forum_id

    forum_id = db.write(actor, "forum.create", work)
    return Outcome(True, "created", warnings=tuple(warnings), value=forum_id)


def update_settings(db: Database, actor: Actor, forum_id: int, raw_settings: dict, raw_phases: list[dict]) -> Outcome:
    settings, errors = validate_settings(raw_settings)
    new_phases, phase_errors = validate_phases(raw_phases)
    errors += phase_errors
    if errors:
        return Outcome(False, "invalid", tuple(errors))
    warnings = phase_warnings(new_phases, settings.duration_min)

    def work(unit: Unit) -> bool:
        before = get_forum(unit.cur, forum_id)
        if before is None:
            return False
        after = settings.__dict__
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        if changed:
            unit.write(
                "forum",
                """UPDATE forum SET title = ?, municipality = ?, goals = ?, forum_date = ?, venue = ?,
                          start_time = ?, duration_min = ?, pebbles_per_participant = ?,
                          priorities_per_group = ?, flagged_in_vote = ?, updated_at = ? WHERE id = ?""",
                [
                    settings.title,
                    settings.municipality,
                    settings.goals,
                    settings.forum_date,
                    settings.venue,
                    settings.start_time,
                    settings.duration_min,
                    settings.pebbles_per_participant,
                    settings.priorities_per_group,
                    settings.flagged_in_vote,
                    unit.now,
                    forum_id,
                ],
            )
            unit.audit("forum", forum_id, {k: before[k] for k in changed}, changed, forum_id)
        _write_phases(unit, forum_id, new_phases)
        return True

    if not db.write(actor, "forum.update", work):
        return Outcome(False, "not_found")
    return Outcome(True, "saved", warnings=tuple(warnings))


# Refusals of a save because of a row it deletes; each names the row's ``id`` (a page puts it back)
DELETION_REFUSALS = frozenset({"group_not_empty", "program_in_use"})


def save_groups(db: Database, actor: Actor, forum_id: int, drafts: list[GroupDraft]) -> Outcome:
    """Replace the forum's groups with ``drafts`` (matched by id).

    A group that still has participants cannot be removed: they must be moved first.
    """
    cleaned, errors, warnings = validate_groups(drafts)
    if errors:
        return Outcome(False, "invalid", tuple(errors), tuple(warnings))

    def work(unit: Unit) -> Outcome:
        existing = {g["id"]: g for g in groups(unit.cur, forum_id)}
        kept_ids = {g.id for g in cleaned if g.id is not None}
        unknown = kept_ids - set(existing)
        if unknown:
            return Outcome(False, "stale")
        for gid, g in existing.items():
            if gid not in kept_ids:
                if g["size"]:
                    return Outcome(
                        False,
                        "invalid",
                        (FieldError("groups", "group_not_empty", {"name": g["name"], "size": g["size"], "id": gid}),),
                    )
                unit.write("working_group", "DELETE FROM working_group WHERE id = ?", [gid])
                unit.audit("group", gid, _group_values(g), None, forum_id, action="group.delete")
        for g in cleaned:
            if g.id is None:
                _insert_group(unit, forum_id, g)
                continue
            before = _group_values(existing[g.id])
            after = _group_values(g)
            if before != after:
                unit.write(
                    "working_group",
                    """UPDATE working_group SET number = ?, name = ?, field = ?, room = ?, facilitator = ?,
                              expert = ?, target_min = ?, target_max = ? WHERE id = ?""",
                    [g.number, g.name, g.field, g.room, g.facilitator, g.expert, g.target_min, g.target_max, g.id],
                )
                # the entry names its group, whatever changed ("room: 203 → 303A" named none)
                unit.audit("group", g.id, before, after | {"working_group": f"{g.number}. {g.name}"}, forum_id)
        # every change above wrote its entry: none, nothing changed ("Groups saved." was said of nothing)
        return Outcome(True, "saved" if unit.audits else "unchanged", warnings=tuple(warnings))

    # attempt: a refusal (a group that still has members) undoes the deletions made before it
    return db.attempt(actor, "groups.save", work)


def set_current_forum(db: Database, actor: Actor, forum_id: int) -> None:
    db.write(actor, "forum.select", lambda unit: _set_current(unit, forum_id))


def default_groups(field_names: dict[str, str]) -> list[GroupDraft]:
    """Ten groups for a new forum, named after the usual fields (names from the catalog)."""
    return [
        GroupDraft(number=i, name=field_names[key], field=field_names[key], room=str(100 + i))
        for i, key in enumerate(DEFAULT_FIELDS, start=1)
    ]


# --- the municipality's budget programs (the experts' briefing) --------------------

PROGRAM_COLUMNS = ("field", "program_code", "name", "amount", "year", "description")
# Ten billion lari: more than a municipality's whole budget (the column holds tetri too)
MAX_PROGRAM_AMOUNT = Decimal(10_000_000_000)


def validate_programs(raw_rows: list[dict]) -> tuple[list[dict], list[FieldError]]:
    errors: list[FieldError] = []
    cleaned = []
    for i, row in enumerate(raw_rows, start=1):
        p = f"program.{i}."
        item = {
            "field": check_text(errors, p + "field", row.get("field"), "short", required=True),
            "program_code": check_text(errors, p + "program_code", row.get("program_code"), "room", required=True),
            "name": check_text(errors, p + "name", row.get("name"), "title", required=True),
            "amount": check_amount(errors, p + "amount", row.get("amount"), MAX_PROGRAM_AMOUNT),
            "year": check_int(errors, p + "year", row.get("year"), 2000, 2100, required=False),
            "description": check_text(errors, p + "description", row.get("description"), "note"),
            "id": row.get("id") if isinstance(row.get("id"), int) else None,
            "given": set(row),  # the columns the row has (a file may lack some)
        }
        cleaned.append(item)
    return cleaned, errors


def save_programs(db: Database, actor: Actor, forum_id: int, raw_rows: list[dict], complete: bool = False) -> Outcome:
    """The forum's budget programs from rows. ``complete``: the rows are all of them (the setup
    page's table), so a row with an id changes that program, a row without one adds a program, and
    a program left without a row is removed (refused while an initiative names it). Otherwise (a
    file): a row changes the program with its code, else adds one, and the others are kept. A code
    names one program: a second row with it is refused (a new row with a stored program's code
    replaced that program without a word). ``unchanged`` when nothing changed."""
    cleaned, errors = validate_programs(raw_rows)
    first_with: dict[str, int] = {}
    for i, row in enumerate(cleaned, start=1):
        code = row["program_code"]
        if code and code in first_with:
            errors.append(FieldError(f"program.{i}.program_code", "duplicate_code", {"other": first_with[code]}))
        first_with.setdefault(code, i)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        existing = {p["id"]: p for p in budget_programs(unit.cur, forum_id)}
        by_code = {p["program_code"]: p["id"] for p in existing.values()}
        changed, rows_of = 0, set()
        for row in cleaned:
            pid = row["id"] if row["id"] in existing else None
            if pid is None and not complete:
                pid = by_code.get(row["program_code"])
            rows_of.add(pid)
            # a column the rows do not have (a file without it) keeps what is stored
            stored = existing.get(pid, {})
            values = [row[c] if c in row["given"] else stored.get(c) for c in PROGRAM_COLUMNS]
            if pid is None:
                new_id = unit.write(
                    "budget_program",
                    "INSERT INTO budget_program (forum_id, field, program_code, name, amount, year, "
                    "description) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    [forum_id] + values,
                ).fetchone()[0]
                unit.audit("budget_program", new_id, None, dict(zip(PROGRAM_COLUMNS, values)), forum_id)
                changed += 1
            else:
                before = {c: stored[c] for c in PROGRAM_COLUMNS}
                after = dict(zip(PROGRAM_COLUMNS, values))
                if before != after:
                    unit.write(
                        "budget_program",
                        "UPDATE budget_program SET field = ?, program_code = ?, name = ?, amount = ?, "
                        "year = ?, description = ? WHERE id = ?",
                        values + [pid],
                    )
                    named = {"program": f"{after['program_code']} {after['name']}"}  # whatever changed
                    unit.audit("budget_program", pid, before, after | named, forum_id)
                    changed += 1
        removed = existing.keys() - rows_of if complete else set()
        for pid in sorted(removed):
            program = existing[pid]
            if unit.execute("SELECT count(*) FROM initiative WHERE program_id = ?", [pid]).fetchone()[0]:
                named = f"{program['program_code']} {program['name']}"
                refused = FieldError("programs", "program_in_use", {"program": named, "id": pid})
                return Outcome(False, "invalid", (refused,))
            unit.delete("budget_program", "id = ?", [pid])
            unit.audit("budget_program", pid, {c: program[c] for c in PROGRAM_COLUMNS}, None, forum_id)
            changed += 1
        return Outcome(True, "saved" if changed else "unchanged", value=len(cleaned))

    return db.attempt(actor, "programs.save", work)
