"""Check-in at the registration desks: scan, by name, walk-ins, undo, paper sheets.

Check-ins are events appended to ``checkin_event`` (``check_in`` or ``undo``); a
person's state is their latest event. All of it goes through the single write path, so two desks scanning
the same person in the same second are serialised: the first checks them in, the
second sees ``already_checked_in`` with the first desk's time and name. A scan or a
by-name check-in is a journaled unit: it is decided from process memos, made durable
in the write journal and answered; DuckDB gets it a moment later (see db.py, journal.py). Every scan,
good or bad, leaves an audit entry (``checkin.scan``: code, outcome, desk).

Results carry a reason that the desk page turns into a coloured card:
``checked_in`` (green), ``already_checked_in`` (amber), ``unknown_code``,
``invalid_code``, ``replaced_code`` (red).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core import tokens
from forum_core.db import Actor, Database, Unit, memo_made_from, one_as_dict, rows_as_dicts
from forum_core.validation import Outcome

GREEN = "checked_in"
AMBER = "already_checked_in"
METHODS = ("scan", "camera", "name", "paper", "walk_in", "facilitator")


@dataclass(frozen=True)
class CheckInResult:
    status: str
    code: str = ""
    participant: dict | None = None  # id, names, group number/name/field/room
    at: datetime | None = None       # when this (or the earlier) check-in happened
    desk: str | None = None          # where it happened
    token: str | None = None         # for walk-ins: their new code

    @property
    def ok(self) -> bool:
        return self.status in (GREEN, AMBER)


def _person(cur, participant_id: int) -> dict | None:
    """The person with what the desk card shows: names, group number, name, field, room.

    ``cur``: a cursor or a unit of work (anything with ``execute``)."""
    person = one_as_dict(cur.execute(
        "SELECT id, forum_id, first_name, last_name, removed_at, group_id FROM participant WHERE id = ?",
        [participant_id]))
    if person is None:
        return None
    group = cur.execute("SELECT number, name, field, room FROM working_group WHERE id = ?",
                        [person["group_id"]]).fetchone() or (None, None, None, None)
    person.update(zip(("group_number", "group_name", "field", "room"), group))
    return person


def current_check_in(cur, participant_id: int) -> dict | None:
    """The check-in event in force for this person, or None if not (or no longer) checked in."""
    # All of a person's events (a handful) and max in Python: cheaper in DuckDB than ORDER BY ... LIMIT.
    events = cur.execute("SELECT id, kind, happened_at, desk, method FROM checkin_event WHERE participant_id = ?",
                         [participant_id]).fetchall()
    if not events:
        return None
    last = max(events)
    return dict(zip(("id", "kind", "happened_at", "desk", "method"), last)) if last[1] == "check_in" else None


def _present(unit: Unit, forum_id: int) -> dict[int, tuple]:
    """Who is checked in now: participant id -> (time, desk, method), kept in the process memo.

    Loaded once from the events under the write lock; afterwards changed only by the
    check-in and undo below, after their transaction commits. Saves a query per scan.
    """
    key = ("present", forum_id)
    if key not in unit.memo:
        rows = unit.execute(
            "SELECT participant_id, arg_max(kind, id), arg_max(happened_at, id), arg_max(desk, id), "
            "arg_max(method, id) FROM checkin_event WHERE forum_id = ? GROUP BY participant_id", [forum_id]).fetchall()
        unit.memo[key] = {r[0]: (r[2], r[3], r[4]) for r in rows if r[1] == "check_in"}
    return unit.memo[key]


CHECKIN_COLUMNS = ("forum_id", "participant_id", "kind", "method", "happened_at", "recorded_at", "desk", "role",
                   "device")


def _check_in(unit: Unit, forum_id: int, person: dict, desk: str, method: str, code: str = "",
              at: datetime | None = None) -> CheckInResult:
    present = _present(unit, forum_id)
    if person["id"] in present:
        when, where, _ = present[person["id"]]
        return CheckInResult(AMBER, code, person, when, where)
    happened = at or unit.now
    unit.after_commit.append(lambda: present.__setitem__(person["id"], (happened, desk, method)))
    unit.append("checkin_event", CHECKIN_COLUMNS,
                (forum_id, person["id"], "check_in", method, happened, unit.now, desk, unit.actor.role,
                 unit.actor.device))
    unit.audit("checkin", person["id"], None, {"participant_id": person["id"], "desk": desk, "method": method,
                                              "happened_at": happened}, forum_id, action="checkin.check_in")
    return CheckInResult(GREEN, code, person, happened, desk)


def scan(db: Database, actor: Actor, forum_id: int, raw_code: str, desk: str, method: str = "scan") -> CheckInResult:
    """Check in whoever holds ``raw_code`` (as typed by a scanner or read by the camera)."""
    code = tokens.newest(tokens.normalize(raw_code)[:450])[:40]
    secret = _forum_secret(db, forum_id)

    def work(unit: Unit) -> CheckInResult:
        result = _scan(unit, secret, forum_id, code, desk, method)
        # Every scan, good or bad, is logged: the audit entry names code, outcome and desk.
        unit.audits.clear()
        unit.audit("scan", result.participant["id"] if result.participant else None, None,
                   {"code": code, "status": result.status, "desk": desk, "method": method}, forum_id,
                   action="checkin.scan")
        return result

    # Journaled: the answer comes once the scan is on disk; DuckDB gets it right after (see db.py).
    return db.write(actor, "checkin.scan", work, journaled=True)


HOLDERS_MEMO = memo_made_from("holders", "participant", "participant_token")


def _holders(unit: Unit, forum_id: int) -> tuple[dict, dict]:
    """The forum's codes (token -> participant id, replaced?) and people, kept in the process memo.

    A scan then needs no lookup at all: DuckDB scans a 2,000-row table for each key
    lookup (~0.5 ms). Any committed write to participants or tokens drops the memo.
    """
    key = HOLDERS_MEMO + (forum_id,)
    if key not in unit.memo:
        codes = {r[0]: (r[1], r[2] is not None) for r in unit.execute(
            "SELECT t.token, t.participant_id, t.revoked_at FROM participant_token t "
            "JOIN participant p ON p.id = t.participant_id WHERE p.forum_id = ?", [forum_id]).fetchall()}
        people_by_id = {r[0]: dict(zip(("id", "forum_id", "first_name", "last_name", "removed_at", "group_id"), r))
                        for r in unit.execute("SELECT id, forum_id, first_name, last_name, removed_at, group_id "
                                              "FROM participant WHERE forum_id = ?", [forum_id]).fetchall()}
        unit.memo[key] = (codes, people_by_id)
    return unit.memo[key]


def _holder(unit: Unit, code: str, forum_id: int) -> tuple[dict | None, bool]:
    """Who holds ``code`` in this forum, and whether the code was replaced since."""
    codes, people_by_id = _holders(unit, forum_id)
    token = codes.get(code)
    if token is None or token[0] not in people_by_id:
        return None, False
    person = dict(people_by_id[token[0]])  # a copy: the card gets group fields added
    person.update(_group_card(unit, forum_id, person["group_id"]))
    return person, token[1]


def _group_card(unit: Unit, forum_id: int, group_id: int | None) -> dict:
    """Group number, name, field and room for the desk card, from the process memo of groups."""
    groups = unit.memo.get(forum_mod.GROUPS_MEMO + (forum_id,))
    if groups is None:
        groups = {r[0]: dict(zip(("group_number", "group_name", "field", "room"), r[1:])) for r in unit.execute(
            "SELECT id, number, name, field, room FROM working_group WHERE forum_id = ?", [forum_id]).fetchall()}
        unit.memo[forum_mod.GROUPS_MEMO + (forum_id,)] = groups
    return groups.get(group_id, {"group_number": None, "group_name": None, "field": None, "room": None})


def _forum_secret(db: Database, forum_id: int) -> str:
    """The forum's token secret never changes: read it once per process."""
    key = ("token_secret", forum_id)
    if key not in db.memo:
        cur = db.cursor()
        try:
            db.memo[key] = cur.execute("SELECT token_secret FROM forum WHERE id = ?", [forum_id]).fetchone()[0]
        finally:
            cur.close()
    return db.memo[key]


def _scan(unit: Unit, secret: str, forum_id: int, code: str, desk: str, method: str) -> CheckInResult:
    # No statement at all on the way: the tag is checked without the database, the holder
    # and who is present come from process memos, and the event and its audit entry are journaled.
    if not tokens.has_valid_tag(secret, code):
        return CheckInResult("invalid_code", code)
    person, replaced = _holder(unit, code, forum_id)
    if person is None:
        return CheckInResult("unknown_code", code)
    if replaced:
        return CheckInResult("replaced_code", code, person)
    if person["removed_at"] is not None:
        return CheckInResult("unknown_code", code)
    return _check_in(unit, forum_id, person, desk, method, code)


def warm_up(db: Database, forum_id: int) -> None:
    """Load what a scan reads (codes, people, who is present, groups) if it is not loaded.

    The desk page calls this as it opens, so the first scan of the day, or the first
    after a walk-in (which drops the codes), is as quick as every other."""
    _forum_secret(db, forum_id)
    keys = (HOLDERS_MEMO + (forum_id,), ("present", forum_id), forum_mod.GROUPS_MEMO + (forum_id,))
    if all(key in db.memo for key in keys):
        return

    def load(unit: Unit) -> None:
        _holders(unit, forum_id)
        _present(unit, forum_id)
        _group_card(unit, forum_id, None)

    db.warm(load)


def check_in_participant(db: Database, actor: Actor, forum_id: int, participant_id: int, desk: str,
                         method: str = "name", at: datetime | None = None) -> CheckInResult:
    """Check in a person found by name (or ticked on a paper sheet, with the time it happened)."""
    def work(unit: Unit) -> CheckInResult:
        person = _person(unit, participant_id)
        if person is None or person["removed_at"] is not None:
            return CheckInResult("unknown_code")
        return _check_in(unit, forum_id, person, desk, method, at=at)

    return db.write(actor, f"checkin.{method}", work, journaled=True)


def undo(db: Database, actor: Actor, forum_id: int, participant_id: int, desk: str) -> Outcome:
    """Take back a check-in (recorded as an event, never deleted)."""
    def work(unit: Unit) -> Outcome:
        existing = current_check_in(unit.cur, participant_id)
        if existing is None:
            return Outcome(False, "not_checked_in")
        event_id = unit.execute(
            "INSERT INTO checkin_event (forum_id, participant_id, kind, method, happened_at, recorded_at, desk, role, "
            "device, undoes) VALUES (?, ?, 'undo', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [forum_id, participant_id, existing["method"], unit.now, unit.now, desk, unit.actor.role,
             unit.actor.device, existing["id"]]).fetchone()[0]
        unit.audit("checkin", event_id, {"participant_id": participant_id, "desk": existing["desk"]}, None,
                   forum_id, action="checkin.undo")
        present = _present(unit, forum_id)
        unit.after_commit.append(lambda: present.pop(participant_id, None))
        return Outcome(True, "undone")

    return db.attempt(actor, "checkin.undo", work)


def register_walk_in(db: Database, actor: Actor, forum_id: int, raw: dict, desk: str) -> Outcome:
    """Add a person who is not on the list (phone optional) and check them in at once.

    ``raw['group']`` is a group id. The outcome's value is the :class:`CheckInResult`
    with the person's new token, for a badge.
    """
    def work(unit: Unit) -> Outcome:
        group_ids = {r[0] for r in unit.execute("SELECT id FROM working_group WHERE forum_id = ?",
                                                [forum_id]).fetchall()}
        person, errors = people.validate_person(
            raw, lambda g: int(g) if g is not None and str(g).isdigit() and int(g) in group_ids else None,
            phone_required=False)
        if errors:
            return Outcome(False, "invalid", tuple(errors))
        if person.phone and (owner := people.phone_owner(unit.cur, forum_id, person.phone)):
            from forum_core.validation import FieldError
            return Outcome(False, "invalid", (FieldError("phone", "phone_taken", {
                "name": f"{owner['first_name']} {owner['last_name']}"}),))
        pid = people.insert(unit, forum_id, person, "walk_in")
        token = token_of(unit.cur, pid)
        result = _check_in(unit, forum_id, _person(unit, pid), desk, "walk_in")
        return Outcome(True, "walk_in_registered", value=CheckInResult(
            result.status, token, result.participant, result.at, result.desk, token))

    return db.attempt(actor, "checkin.walk_in", work)


def reissue_token(db: Database, actor: Actor, forum_id: int, participant_id: int) -> str:
    """A new code for a lost invitation; the old code stops working (``replaced_code``)."""
    def work(unit: Unit) -> str:
        old = token_of(unit.cur, participant_id)
        unit.execute("UPDATE participant_token SET revoked_at = ? WHERE participant_id = ? AND revoked_at IS NULL",
                     [unit.now, participant_id])
        new = people.issue_tokens(unit, forum_id, [participant_id])[participant_id]
        unit.audit("token", participant_id, {"token": old}, {"token": new}, forum_id)
        return new

    return db.write(actor, "token.reissue", work)


def token_of(cur, participant_id: int) -> str | None:
    row = cur.execute("SELECT token FROM participant_token WHERE participant_id = ? AND revoked_at IS NULL "
                      "ORDER BY issued_at DESC LIMIT 1", [participant_id]).fetchone()
    return row[0] if row else None


def tokens_of_forum(cur, forum_id: int) -> dict[int, str]:
    return dict(cur.execute(
        "SELECT t.participant_id, t.token FROM participant_token t JOIN participant p ON p.id = t.participant_id "
        "WHERE p.forum_id = ? AND t.revoked_at IS NULL", [forum_id]).fetchall())


# --- figures for the desk and the projector ---------------------------------------

_STATE_SQL = """WITH last AS (
    SELECT participant_id, arg_max(kind, id) AS kind FROM checkin_event WHERE forum_id = ? GROUP BY participant_id)
"""


def arrivals(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[dict]:
    """Per group: expected (on the list) and checked in now."""
    return rows_as_dicts(cur.execute(_STATE_SQL + """
        SELECT g.id, g.number, g.name, g.room, count(p.id) AS expected,
               count(p.id) FILTER (WHERE last.kind = 'check_in') AS checked_in
        FROM working_group g
        LEFT JOIN participant p ON p.group_id = g.id AND p.removed_at IS NULL
        LEFT JOIN last ON last.participant_id = p.id
        WHERE g.forum_id = ? GROUP BY ALL ORDER BY g.number""", [forum_id, forum_id]))


def checked_in_ids(cur: duckdb.DuckDBPyConnection, forum_id: int) -> set[int]:
    return {r[0] for r in cur.execute(_STATE_SQL + "SELECT participant_id FROM last WHERE kind = 'check_in'",
                                      [forum_id]).fetchall()}


def recent(cur: duckdb.DuckDBPyConnection, forum_id: int, desk: str | None = None, limit: int = 10) -> list[dict]:
    """The latest check-in events (of one desk if given), newest first."""
    sql = ("SELECT e.kind, e.happened_at, e.desk, e.method, p.first_name, p.last_name, g.number AS group_number "
           "FROM checkin_event e JOIN participant p ON p.id = e.participant_id "
           "LEFT JOIN working_group g ON g.id = p.group_id WHERE e.forum_id = ?")
    params: list[Any] = [forum_id]
    if desk is not None:
        sql += " AND e.desk = ?"
        params.append(desk)
    return rows_as_dicts(cur.execute(sql + " ORDER BY e.id DESC LIMIT ?", params + [limit]))


def sign_in_sheet(cur: duckdb.DuckDBPyConnection, forum_id: int, group_id: int) -> list[dict]:
    """The paper fallback: a group's members sorted by last name."""
    return rows_as_dicts(cur.execute(
        "SELECT id, first_name, last_name FROM participant WHERE forum_id = ? AND group_id = ? "
        "AND removed_at IS NULL ORDER BY last_name, first_name", [forum_id, group_id]))


def read_qr(image_bytes: bytes) -> list[str]:
    """Decode the QR codes in a photo (tablet camera or uploaded picture)."""
    import io

    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(image_bytes))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return []
    return [r.text for r in zxingcpp.read_barcodes(image) if r.text]
