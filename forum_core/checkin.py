"""Check-in at the registration desks: scan, by name, walk-ins, undo, paper sheets.

Check-ins are events appended to ``checkin_event`` (``check_in`` or ``undo``); a
person's state is their latest event. Who is present is the ``present_participant`` view (schema migration 8). Each
operation is one unit of work (``db.unit``), so two desks scanning the same person
in the same second are serialised: the first checks them in, the second sees
``already_checked_in`` with the first desk's time and name. Every scan, good or bad,
leaves an audit entry (``checkin.scan``: code, outcome, desk).

Results carry a reason that the desk page turns into a coloured card:
``checked_in`` (green), ``already_checked_in`` (amber), ``unknown_code``,
``invalid_code``, ``replaced_code`` (red).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from forum_core import participants as people
from forum_core import tokens
from forum_core.db import Actor, Database, NotAllowed, Unit, one_as_dict, rows_as_dicts
from forum_core.validation import FieldError, Outcome
from forum_core.vocabulary import Action, Reason

GREEN = Reason.CHECKED_IN
AMBER = Reason.ALREADY_CHECKED_IN


@dataclass(frozen=True)
class CheckInResult:
    status: Reason
    code: str = ""
    participant: dict | None = None  # id, names, group number/name/field/room
    at: datetime | None = None  # when this (or the earlier) check-in happened
    desk: str | None = None  # where it happened
    token: str | None = None  # for walk-ins: their new code

    @property
    def ok(self) -> bool:
        return self.status in (GREEN, AMBER)


_PERSON_COLUMNS = (
    "p.id, p.forum_id, p.first_name, p.last_name, p.removed_at, p.group_id, "
    "g.number AS group_number, g.name AS group_name, g.field, g.room "
)
_PERSON_SQL = "SELECT " + _PERSON_COLUMNS + "FROM participant p LEFT JOIN working_group g ON g.id = p.group_id "
# A code's holder with what their card shows, in one statement (a scan's statements are most of its time)
_HOLDER_SQL = (
    "SELECT t.revoked_at AS code_revoked_at, " + _PERSON_COLUMNS + "FROM participant_token t "
    "JOIN participant p ON p.id = t.participant_id LEFT JOIN working_group g ON g.id = p.group_id "
    "WHERE t.token = ? AND p.forum_id = ?"
)


def _person(cur, participant_id: int) -> dict | None:
    """The person with what the desk card shows: names, group number, name, field, room.

    ``cur``: a cursor or a unit of work (anything with ``execute``)."""
    return one_as_dict(cur.execute(_PERSON_SQL + "WHERE p.id = ?", [participant_id]))


def current_check_in(cur, participant_id: int) -> dict | None:
    """The check-in in force for this person (from the ``present_participant`` view), or None."""
    return one_as_dict(
        cur.execute(
            "SELECT event_id AS id, happened_at, desk, method FROM present_participant WHERE participant_id = ?",
            [participant_id],
        )
    )


DOUBLE_READ = timedelta(seconds=2)  # a handheld scanner may read one code twice in a row


def _check_in(
    unit: Unit, forum_id: int, person: dict, desk: str, method: str, code: str = "", at: datetime | None = None
) -> CheckInResult:
    happened = at or unit.now
    existing = current_check_in(unit, person["id"])
    if existing is not None:
        if (
            existing["desk"] == desk
            and existing["method"] in ("scan", "camera")
            and method in ("scan", "camera")
            and abs(happened - existing["happened_at"]) <= DOUBLE_READ
        ):
            # the same desk read the same code again at once: the same green card, nothing new
            return CheckInResult(GREEN, code, person, existing["happened_at"], existing["desk"])
        return CheckInResult(AMBER, code, person, existing["happened_at"], existing["desk"])
    unit.insert(
        "checkin_event",
        {
            "forum_id": forum_id,
            "participant_id": person["id"],
            "kind": "check_in",
            "method": method,
            "happened_at": happened,
            "recorded_at": unit.now,
            "desk": desk,
            "role": unit.actor.role,
            "device": unit.actor.device,
        },
    )
    unit.audit(
        "checkin",
        person["id"],
        None,
        {"participant_id": person["id"], "desk": desk, "method": method, "happened_at": happened},
        forum_id,
        action=Action.CHECKIN_CHECK_IN,
    )
    return CheckInResult(GREEN, code, person, happened, desk)


def scan(
    db: Database,
    actor: Actor,
    forum_id: int,
    raw_code: str,
    desk: str,
    method: str = "scan",
    scan_id: str | None = None,
    at: datetime | None = None,
) -> CheckInResult:
    """Check in whoever holds ``raw_code`` (as typed by a scanner or read by the camera).

    One unit of work: the code's tag is checked against the forum's secret, its holder
    looked up, the check-in and the scan's audit entry committed before the answer.
    Every scan, good or bad, leaves an audit entry naming code, outcome and desk.

    ``scan_id`` is made by the desk's browser for each scan (like pretix's nonce): the
    same id delivered again (a retry, a replay after a reload or a Wi-Fi drop) gets the
    first answer and records nothing new. ``at`` is when the desk read the code (a scan
    that waited in the browser while the Wi-Fi was away); a time in the future or older
    than a day is not believed.
    """
    code = tokens.newest(tokens.normalize(raw_code)[:450])[:40]
    action = Action.CHECKIN_CAMERA if method == "camera" else Action.CHECKIN_SCAN
    scan_id = (scan_id or "")[:64] or None
    with db.unit(actor, action) as u:
        if scan_id is not None:
            earlier = _receipt(u, scan_id)
            if earlier is not None:
                u.rollback()  # the same answer again, nothing recorded
                return earlier
        if at is not None and not (u.now - timedelta(days=1) <= at <= u.now):
            at = None
        result = _scan(u, forum_id, _secret(db, forum_id), code, desk, method, at)
        u.audits.clear()  # one entry per scan, whatever happened
        u.audit(
            "scan",
            result.participant["id"] if result.participant else None,
            None,
            {"code": code, "status": str(result.status), "desk": desk, "method": method, "scan_id": scan_id},
            forum_id,
        )
        if scan_id is not None:
            u.insert(
                "scan_receipt",
                {
                    "scan_id": scan_id,
                    "forum_id": forum_id,
                    "desk": desk,
                    "code": code,
                    "status": str(result.status),
                    "participant_id": result.participant["id"] if result.participant else None,
                    "happened_at": result.at,
                    "checked_in_desk": result.desk,
                    "received_at": u.now,
                },
            )
        return result


def _receipt(unit: Unit, scan_id: str) -> CheckInResult | None:
    row = one_as_dict(
        unit.execute(
            "SELECT code, status, participant_id, happened_at, checked_in_desk FROM scan_receipt WHERE scan_id = ?",
            [scan_id],
        )
    )
    if row is None:
        return None
    person = _person(unit, row["participant_id"]) if row["participant_id"] is not None else None
    return CheckInResult(Reason(row["status"]), row["code"], person, row["happened_at"], row["checked_in_desk"])


def _secret(db: Database, forum_id: int) -> str | None:
    """The forum's secret for its codes' tags: set when the forum is made and never changed, so
    read once (through the read cache), not in every scan."""

    def read(cur) -> str | None:
        row = cur.execute("SELECT token_secret FROM forum WHERE id = ?", [forum_id]).fetchone()
        return row[0] if row else None

    return db.read_through(("token_secret", forum_id), ("forum",), read)


def _scan(
    unit: Unit, forum_id: int, secret: str | None, code: str, desk: str, method: str, at: datetime | None
) -> CheckInResult:
    if secret is None or not tokens.has_valid_tag(secret, code):
        return CheckInResult(Reason.INVALID_CODE, code)
    person = one_as_dict(unit.execute(_HOLDER_SQL, [code, forum_id]))
    if person is None:
        return CheckInResult(Reason.UNKNOWN_CODE, code)
    if person.pop("code_revoked_at") is not None:
        return CheckInResult(Reason.REPLACED_CODE, code, person)
    if person["removed_at"] is not None:
        return CheckInResult(Reason.UNKNOWN_CODE, code)
    return _check_in(unit, forum_id, person, desk, method, code, at)


def check_in_participant(
    db: Database,
    actor: Actor,
    forum_id: int,
    participant_id: int,
    desk: str,
    method: str = "name",
    at: datetime | None = None,
) -> CheckInResult:
    """Check in a person found by name, ticked on a paper sheet (with the time it happened),
    or ticked present in their group's room by its facilitator (their own group only)."""
    try:
        with db.unit(actor, f"checkin.{method}") as u:
            person = _person(u, participant_id)
            if person is None or person["removed_at"] is not None or person["forum_id"] != forum_id:
                return CheckInResult(Reason.UNKNOWN_CODE)
            if method == "facilitator":
                u.in_group(person["group_id"])
            return _check_in(u, forum_id, person, desk, method, at=at)
    except NotAllowed as refused:
        return CheckInResult(refused.reason)


def undo(db: Database, actor: Actor, forum_id: int, participant_id: int, desk: str, own_only: bool = False) -> Outcome:
    """Take back a check-in (recorded as an event, never deleted).

    ``own_only`` (the desk's undo button): only a check-in this desk made may be taken
    back (``not_own_check_in`` otherwise), so a desk that read an "already checked in"
    code can never remove the person's real check-in at another desk."""
    try:
        return _undo(db, actor, forum_id, participant_id, desk, own_only)
    except NotAllowed as refused:
        return Outcome(False, refused.reason)


def _undo(db: Database, actor: Actor, forum_id: int, participant_id: int, desk: str, own_only: bool) -> Outcome:
    with db.unit(actor, Action.CHECKIN_UNDO) as u:
        person = _person(u, participant_id)
        if person is None or person["forum_id"] != forum_id:
            return u.refuse(Reason.NOT_FOUND)
        u.in_group(person["group_id"])  # a facilitator marks absent only in their own room
        existing = current_check_in(u, participant_id)
        if existing is None:
            return u.refuse(Reason.NOT_CHECKED_IN)
        if own_only and existing["desk"] != desk:
            return u.refuse(Reason.NOT_OWN_CHECK_IN)
        event_id = u.insert(
            "checkin_event",
            {
                "forum_id": forum_id,
                "participant_id": participant_id,
                "kind": "undo",
                "method": existing["method"],
                "happened_at": u.now,
                "recorded_at": u.now,
                "desk": desk,
                "role": u.actor.role,
                "device": u.actor.device,
                "undoes": existing["id"],
            },
            returning="id",
        )
        u.audit("checkin", event_id, {"participant_id": participant_id, "desk": existing["desk"]}, None, forum_id)
        return Outcome(True, Reason.UNDONE)


def register_walk_in(db: Database, actor: Actor, forum_id: int, raw: dict, desk: str) -> Outcome:
    """Add a person who is not on the list (phone optional) and check them in at once.

    ``raw['group']`` is a group id. The outcome's value is the :class:`CheckInResult`
    with the person's new token, for a badge.
    """
    with db.unit(actor, Action.CHECKIN_WALK_IN) as u:
        group_ids = {r[0] for r in u.execute("SELECT id FROM working_group WHERE forum_id = ?", [forum_id]).fetchall()}
        person, errors = people.validate_person(
            raw,
            lambda g: int(g) if g is not None and str(g).isdigit() and int(g) in group_ids else None,
            phone_required=False,
        )
        if errors:
            return u.refuse(Reason.INVALID, errors)
        if person.phone and (owner := people.phone_owner(u, forum_id, person.phone)):
            return u.refuse(
                Reason.INVALID,
                (FieldError("phone", "phone_taken", {"name": f"{owner['first_name']} {owner['last_name']}"}),),
            )
        pid = people.insert(u, forum_id, person, "walk_in")
        token = token_of(u, pid)
        result = _check_in(u, forum_id, _person(u, pid), desk, "walk_in")
        return Outcome(
            True,
            Reason.WALK_IN_REGISTERED,
            value=CheckInResult(result.status, token, result.participant, result.at, result.desk, token),
        )


def reissue_token(db: Database, actor: Actor, forum_id: int, participant_id: int) -> str:
    """A new code for a lost invitation; the old code stops working (``replaced_code``)."""
    with db.unit(actor, Action.TOKEN_REISSUE) as u:
        old = token_of(u, participant_id)
        u.update(
            "participant_token", {"revoked_at": u.now}, "participant_id = ? AND revoked_at IS NULL", [participant_id]
        )
        new = people.issue_tokens(u, forum_id, [participant_id])[participant_id]
        u.audit("token", participant_id, {"token": old}, {"token": new}, forum_id)
        return new


def token_of(cur, participant_id: int) -> str | None:
    row = cur.execute(
        "SELECT token FROM participant_token WHERE participant_id = ? AND revoked_at IS NULL "
        "ORDER BY issued_at DESC LIMIT 1",
        [participant_id],
    ).fetchone()
    return row[0] if row else None


def tokens_of_forum(cur, forum_id: int) -> dict[int, str]:
    return dict(
        cur.execute(
            "SELECT t.participant_id, t.token FROM participant_token t JOIN participant p ON p.id = t.participant_id "
            "WHERE p.forum_id = ? AND t.revoked_at IS NULL",
            [forum_id],
        ).fetchall()
    )


# --- figures for the desk and the projector ---------------------------------------


def arrivals(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[dict]:
    """Per group: expected (on the list) and checked in now."""
    return rows_as_dicts(
        cur.execute(
            """
        SELECT g.id, g.number, g.name, g.room, count(p.id) AS expected, count(pp.participant_id) AS checked_in
        FROM working_group g
        LEFT JOIN participant p ON p.group_id = g.id AND p.removed_at IS NULL
        LEFT JOIN present_participant pp ON pp.participant_id = p.id
        WHERE g.forum_id = ? GROUP BY ALL ORDER BY g.number""",
            [forum_id],
        )
    )


def checked_in_ids(cur: duckdb.DuckDBPyConnection, forum_id: int) -> set[int]:
    """Who is present now (the ``present_participant`` view)."""
    return {
        r[0]
        for r in cur.execute("SELECT participant_id FROM present_participant WHERE forum_id = ?", [forum_id]).fetchall()
    }


def recent(cur: duckdb.DuckDBPyConnection, forum_id: int, desk: str | None = None, limit: int = 10) -> list[dict]:
    """The latest check-in events (of one desk if given), newest first."""
    sql = (
        "SELECT e.kind, e.happened_at, e.desk, e.method, p.first_name, p.last_name, g.number AS group_number "
        "FROM checkin_event e JOIN participant p ON p.id = e.participant_id "
        "LEFT JOIN working_group g ON g.id = p.group_id WHERE e.forum_id = ?"
    )
    params: list[Any] = [forum_id]
    if desk is not None:
        sql += " AND e.desk = ?"
        params.append(desk)
    return rows_as_dicts(cur.execute(sql + " ORDER BY e.id DESC LIMIT ?", params + [limit]))


def sign_in_sheet(cur: duckdb.DuckDBPyConnection, forum_id: int, group_id: int) -> list[dict]:
    """The paper fallback: a group's members sorted by last name."""
    return rows_as_dicts(
        cur.execute(
            "SELECT id, first_name, last_name FROM participant WHERE forum_id = ? AND group_id = ? "
            "AND removed_at IS NULL ORDER BY last_name, first_name",
            [forum_id, group_id],
        )
    )


# Decoded sizes a QR photo may have: a JPEG (a phone's photo, up to 50 megapixels) is decoded at a
# reduced scale near QR_DECODE_SIDE (Pillow's draft mode: a fraction of the memory, and a QR code
# stays readable); a PNG or WebP is decoded whole, so it gets less (16 MP RGBA: 64 MB).
QR_PHOTO_MAX_PIXELS = 50_000_000
QR_OTHER_MAX_PIXELS = 16_000_000
QR_DECODE_SIDE = 3000


class PhotoRefused(ValueError):
    """A photo that is not read (``reason``: ``image_too_large``)."""

    def __init__(self, reason: Reason):
        super().__init__(str(reason))
        self.reason = reason


def read_qr(image_bytes: bytes) -> list[str]:
    """Decode the QR codes in a photo (tablet camera or uploaded picture); none in what is not a picture.

    The picture's size is read from its header before any pixel is decoded: more than
    ``QR_PHOTO_MAX_PIXELS`` (JPEG) or ``QR_OTHER_MAX_PIXELS`` is refused (:class:`PhotoRefused`, ``image_too_large``), so a
    20000×20000 picture of a few kilobytes never takes the laptop's memory. A JPEG is decoded
    at a reduced scale (Pillow's draft mode), which is also quicker."""
    import io
    import warnings

    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(image_bytes))
            width, height = image.size
            largest = QR_PHOTO_MAX_PIXELS if image.format == "JPEG" else QR_OTHER_MAX_PIXELS
            if width * height > largest or getattr(image, "n_frames", 1) > 1:
                raise PhotoRefused(Reason.IMAGE_TOO_LARGE)
            if image.format == "JPEG":
                image.draft("RGB", (QR_DECODE_SIDE, QR_DECODE_SIDE))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(Reason.IMAGE_TOO_LARGE) from None
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return []  # not a picture: no code in it
    # Standard QR codes only (what the invitations and badges carry): read as any format, the
    # pattern of a real QR code was once also read as a Micro QR code ("56646"), and a photo may
    # hold other barcodes (a product, an ID card) whose text would be taken for a code
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCodeModel2) if r.text]
