"""Group work in a breakout room: who is here, strengths and weaknesses, problems,
competence flags, the pebble vote, ties, the top five, initiatives, the presenter.

Everything is a small write of its own, so a facilitator's tablet and an expert's
phone editing the same group lose nothing. Text edits carry the text the person
saw (``expected``): if someone else changed it meanwhile the save is refused as
``stale`` and the newer text is returned, never silently overwritten.

Pebble counts are appended as events (the latest count of a problem in a round is
in force), so the counts at any moment can be replayed. A vote is finalised by a
``finalise`` event holding the published top list; ``reopen`` (organizer only)
unlocks it again. Both are recorded.

How the ranking works (the vote's rules) is in :mod:`forum_core.ranking`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from forum_core import checkin
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor, Database, Unit, one_as_dict, rows_as_dicts
from forum_core.ranking import Ranked, Ranking, rank  # noqa: F401 (Ranked is part of this API)
from forum_core.validation import FieldError, Outcome, check_int, check_text, clean_text
from forum_core.vocabulary import Action, may_write

ITEM_KINDS = ("strength", "weakness")
INITIATIVE_KINDS = ("initiative", "service", "program", "activity")
YES_NO = ("", "yes", "no", "partly")
MAX_PEBBLES = 999
STEPS = ("briefing", "assessment", "problems", "vote", "initiatives", "presenter")

# --- shared helpers ----------------------------------------------------------------


def _group_forum(cur, group_id: int) -> int | None:
    row = cur.execute("SELECT forum_id FROM working_group WHERE id = ?", [group_id]).fetchone()
    return row[0] if row else None


def _event(unit: Unit, forum_id: int, group_id: int, kind: str, payload: dict) -> None:
    unit.write(
        "group_event",
        "INSERT INTO group_event (forum_id, group_id, kind, payload, happened_at, role, device) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            forum_id,
            group_id,
            kind,
            json.dumps(payload, ensure_ascii=False),
            unit.now,
            unit.actor.role,
            unit.actor.device,
        ],
    )
    unit.audit("group_event", group_id, None, {"kind": kind, **payload}, forum_id, action=f"group.{kind}")


def events(cur, group_id: int, kinds: tuple[str, ...] | None = None) -> list[dict]:
    rows = rows_as_dicts(
        cur.execute(
            "SELECT id, kind, payload, happened_at, role, device FROM group_event WHERE group_id = ? ORDER BY id",
            [group_id],
        )
    )
    for r in rows:
        r["payload"] = json.loads(r["payload"])
    return [r for r in rows if kinds is None or r["kind"] in kinds]


def finalised(cur, group_id: int) -> dict | None:
    """The finalise event in force (its payload holds the published top list), or None."""
    row = cur.execute("SELECT max(event_id) FROM published_priority WHERE group_id = ?", [group_id]).fetchone()
    if row is None or row[0] is None:
        return None
    return next(e for e in events(cur, group_id, ("finalise",)) if e["id"] == row[0])


def _locked(unit: Unit, group_id: int) -> bool:
    return (
        unit.execute("SELECT 1 FROM published_priority WHERE group_id = ? LIMIT 1", [group_id]).fetchone() is not None
    )


# --- who is here ---------------------------------------------------------------------


def members(cur, forum_id: int, group_id: int) -> list[dict]:
    """The group's members (names only) with whether they are present now (the
    ``present_participant`` view), sorted by name: one query, read on every tap of the room's tablet."""
    return rows_as_dicts(
        cur.execute(
            "SELECT p.id, p.first_name, p.last_name, pp.participant_id IS NOT NULL AS present FROM participant p "
            "LEFT JOIN present_participant pp ON pp.participant_id = p.id "
            "WHERE p.forum_id = ? AND p.group_id = ? AND p.removed_at IS NULL ORDER BY p.last_name, p.first_name, p.id",
            [forum_id, group_id],
        )
    )


def present_count(cur, forum_id: int, group_id: int) -> int:
    return sum(m["present"] for m in members(cur, forum_id, group_id))


def mark_present(db: Database, actor: Actor, forum_id: int, group_id: int, participant_id: int) -> Outcome:
    room = db.cursor().execute("SELECT room FROM working_group WHERE id = ?", [group_id]).fetchone()
    result = checkin.check_in_participant(
        db, actor, forum_id, participant_id, f"room {room[0] if room else ''}", method="facilitator"
    )
    return Outcome(result.ok, "present" if result.ok else result.status)


def mark_absent(db: Database, actor: Actor, forum_id: int, group_id: int, participant_id: int) -> Outcome:
    outcome = checkin.undo(db, actor, forum_id, participant_id, f"group {group_id}")
    return Outcome(True, "absent") if outcome.ok or outcome.reason == "not_checked_in" else outcome


def take_in(db: Database, actor: Actor, forum_id: int, group_id: int, participant_id: int) -> Outcome:
    """A person who came to this room instead of their own: moved here and marked present."""
    person = people.get(db.cursor(), participant_id)
    if person is None or person["forum_id"] != forum_id or person["removed_at"] is not None:
        return Outcome(False, "not_found")
    moved = people.move(db, actor, participant_id, group_id, person["version"])
    if not moved.ok:
        return moved
    mark_present(db, actor, forum_id, group_id, participant_id)
    return Outcome(True, "taken_in")


# --- strengths and weaknesses ---------------------------------------------------------


def assessment(cur, group_id: int) -> dict[str, list[dict]]:
    rows = rows_as_dicts(
        cur.execute(
            "SELECT id, kind, text, position FROM assessment_item WHERE group_id = ? AND deleted_at IS NULL "
            "ORDER BY position, id",
            [group_id],
        )
    )
    return {kind: [r for r in rows if r["kind"] == kind] for kind in ITEM_KINDS}


def add_item(db: Database, actor: Actor, group_id: int, kind: str, text: str) -> Outcome:
    errors: list[FieldError] = []
    text = check_text(errors, "text", text, "note", required=True)
    if kind not in ITEM_KINDS:
        errors.append(FieldError("kind", "required"))
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        forum_id = _group_forum(unit.cur, group_id)
        if forum_id is None:
            return Outcome(False, "not_found")
        position = unit.execute(
            "SELECT coalesce(max(position), 0) + 1 FROM assessment_item WHERE group_id = ? AND kind = ?",
            [group_id, kind],
        ).fetchone()[0]
        item_id = unit.write(
            "assessment_item",
            "INSERT INTO assessment_item (forum_id, group_id, kind, text, position, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [forum_id, group_id, kind, text, position, unit.now],
        ).fetchone()[0]
        unit.audit("assessment_item", item_id, None, {"kind": kind, "text": text}, forum_id)
        return Outcome(True, "added", value=item_id)

    return db.attempt(actor, "assessment.add", work)


def edit_item(db: Database, actor: Actor, item_id: int, text: str, expected: str) -> Outcome:
    errors: list[FieldError] = []
    text = check_text(errors, "text", text, "note", required=True)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        row = one_as_dict(
            unit.execute(
                "SELECT forum_id, group_id, text FROM assessment_item WHERE id = ? AND deleted_at IS NULL", [item_id]
            )
        )
        if row is None:
            return Outcome(False, "not_found")
        unit.in_group(row["group_id"])
        if row["text"] != expected:
            return Outcome(False, "stale", value=row["text"])
        if row["text"] == text:
            return Outcome(True, "unchanged")
        unit.write("assessment_item", "UPDATE assessment_item SET text = ? WHERE id = ?", [text, item_id])
        unit.audit("assessment_item", item_id, {"text": row["text"]}, {"text": text}, row["forum_id"])
        return Outcome(True, "saved")

    return db.attempt(actor, "assessment.edit", work)


def move_item(db: Database, actor: Actor, item_id: int, step: int) -> Outcome:
    """Move an item up (-1) or down (+1) in its list."""

    def work(unit: Unit) -> Outcome:
        row = one_as_dict(unit.execute("SELECT forum_id, group_id, kind FROM assessment_item WHERE id = ?", [item_id]))
        if row is None:
            return Outcome(False, "not_found")
        unit.in_group(row["group_id"])
        ordered = [r["id"] for r in assessment(unit.cur, row["group_id"])[row["kind"]]]
        index = ordered.index(item_id)
        target = index + step
        if not 0 <= target < len(ordered):
            return Outcome(True, "unchanged")
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, other in enumerate(ordered, start=1):
            unit.write("assessment_item", "UPDATE assessment_item SET position = ? WHERE id = ?", [position, other])
        unit.audit("assessment_item", item_id, None, {"order": ordered}, row["forum_id"])
        return Outcome(True, "moved")

    return db.attempt(actor, "assessment.move", work)


def delete_item(db: Database, actor: Actor, item_id: int) -> Outcome:
    def work(unit: Unit) -> Outcome:
        row = one_as_dict(
            unit.execute(
                "SELECT forum_id, group_id, text FROM assessment_item WHERE id = ? AND deleted_at IS NULL", [item_id]
            )
        )
        if row is None:
            return Outcome(False, "not_found")
        unit.in_group(row["group_id"])
        unit.write("assessment_item", "UPDATE assessment_item SET deleted_at = ? WHERE id = ?", [unit.now, item_id])
        unit.audit("assessment_item", item_id, {"text": row["text"]}, None, row["forum_id"])
        return Outcome(True, "deleted")

    return db.attempt(actor, "assessment.delete", work)


# --- problems --------------------------------------------------------------------------


def problems(cur, group_id: int, with_merged: bool = False) -> list[dict]:
    """Problems in force (the ``problem_in_force`` view) in the order they were recorded;
    with ``with_merged`` also those merged into another (not the deleted ones)."""
    columns = "id, title, detail, merged_into, outside_competence, competence_note, created_at"
    sql = (
        "SELECT " + columns + " FROM problem WHERE group_id = ? AND deleted_at IS NULL"
        if with_merged
        else "SELECT " + columns + " FROM problem_in_force WHERE group_id = ?"
    )
    return rows_as_dicts(cur.execute(sql + " ORDER BY id", [group_id]))


def _problem(unit: Unit, problem_id: int) -> dict | None:
    return one_as_dict(
        unit.execute(
            "SELECT id, forum_id, group_id, title, detail, merged_into, outside_competence, competence_note "
            "FROM problem WHERE id = ? AND deleted_at IS NULL",
            [problem_id],
        )
    )


def add_problem(db: Database, actor: Actor, group_id: int, title: str, detail: str = "") -> Outcome:
    errors: list[FieldError] = []
    # named as the problem's fields, not the forum's ("title" is the forum's title in the catalogs)
    title = check_text(errors, "problem_title", title, "title", required=True)
    detail = check_text(errors, "problem_detail", detail, "text", multiline=True)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        forum_id = _group_forum(unit.cur, group_id)
        if forum_id is None:
            return Outcome(False, "not_found")
        if _locked(unit, group_id):
            return Outcome(False, "locked")
        pid = unit.write(
            "problem",
            "INSERT INTO problem (forum_id, group_id, title, detail, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            [forum_id, group_id, title, detail, unit.now],
        ).fetchone()[0]
        unit.audit("problem", pid, None, {"title": title, "detail": detail}, forum_id)
        return Outcome(True, "added", value=pid)

    return db.attempt(actor, "problem.add", work)


def edit_problem(
    db: Database, actor: Actor, problem_id: int, title: str, detail: str, expected: tuple[str, str]
) -> Outcome:
    """Save new wording; ``expected`` is the (title, detail) the person was looking at."""
    errors: list[FieldError] = []
    # named as the problem's fields, not the forum's ("title" is the forum's title in the catalogs)
    title = check_text(errors, "problem_title", title, "title", required=True)
    detail = check_text(errors, "problem_detail", detail, "text", multiline=True)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        row = _problem(unit, problem_id)
        if row is None:
            return Outcome(False, "not_found")
        unit.in_group(row["group_id"])
        if _locked(unit, row["group_id"]):
            return Outcome(False, "locked")  # the published priorities keep the words they were voted with
        if (row["title"], row["detail"]) != tuple(expected):
            return Outcome(False, "stale", value=row)
        if (row["title"], row["detail"]) == (title, detail):
            return Outcome(True, "unchanged")
        unit.write("problem", "UPDATE problem SET title = ?, detail = ? WHERE id = ?", [title, detail, problem_id])
        unit.audit(
            "problem",
            problem_id,
            {"title": row["title"], "detail": row["detail"]},
            {"title": title, "detail": detail},
            row["forum_id"],
        )
        return Outcome(True, "saved")

    return db.attempt(actor, "problem.edit", work)


def delete_problem(db: Database, actor: Actor, problem_id: int) -> Outcome:
    def work(unit: Unit) -> Outcome:
        row = _problem(unit, problem_id)
        if row is None:
            return Outcome(False, "not_found")
        unit.in_group(row["group_id"])
        if _locked(unit, row["group_id"]):
            return Outcome(False, "locked")
        unit.write("problem", "UPDATE problem SET deleted_at = ? WHERE id = ?", [unit.now, problem_id])
        unit.audit("problem", problem_id, {"title": row["title"]}, None, row["forum_id"])
        return Outcome(True, "deleted")

    return db.attempt(actor, "problem.delete", work)


def merge_problems(db: Database, actor: Actor, keep_id: int, merge_id: int) -> Outcome:
    """Two problems are the same: ``merge_id`` joins ``keep_id``, which keeps both texts and all pebbles."""

    def work(unit: Unit) -> Outcome:
        keep, other = _problem(unit, keep_id), _problem(unit, merge_id)
        if keep is None or other is None or keep_id == merge_id or keep["group_id"] != other["group_id"]:
            return Outcome(False, "not_found")
        unit.in_group(keep["group_id"])
        if keep["merged_into"] is not None or other["merged_into"] is not None:
            return Outcome(False, "not_found")
        if _locked(unit, keep["group_id"]):
            return Outcome(False, "locked")
        joined = "\n".join(x for x in (keep["detail"], f"+ {other['title']}", other["detail"]) if x)
        unit.write("problem", "UPDATE problem SET detail = ? WHERE id = ?", [joined, keep_id])
        unit.write("problem", "UPDATE problem SET merged_into = ? WHERE id = ?", [keep_id, merge_id])
        # problems merged earlier into the one now merged follow it
        unit.write("problem", "UPDATE problem SET merged_into = ? WHERE merged_into = ?", [keep_id, merge_id])
        # the merged problem by its title, as the group knew it (its number meant nothing to a reader)
        after = {"detail": joined, "merged_problem": other["title"]}
        unit.audit("problem", keep_id, {"detail": keep["detail"]}, after, keep["forum_id"])
        return Outcome(True, "merged")

    return db.attempt(actor, "problem.merge", work)


def flag_competence(
    db: Database, actor: Actor, problem_id: int, outside: bool | None, note: str = "", expected_note: str | None = None
) -> Outcome:
    """The sector expert marks a problem as outside the competence of local self-government.

    ``outside=None`` keeps the stored flag (only the note changes); with ``expected_note``
    (the note the person started from) a note changed meanwhile is refused as ``stale``."""
    errors: list[FieldError] = []
    note = check_text(errors, "competence_note", note, "note", multiline=True)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        nonlocal outside
        row = _problem(unit, problem_id)
        if row is None:
            return Outcome(False, "not_found")
        unit.in_group(row["group_id"])
        if expected_note is not None and (row["competence_note"] or "") != expected_note:
            return Outcome(False, "stale", value=row["competence_note"] or "")
        if outside is None:
            outside = bool(row["outside_competence"])
        if (row["outside_competence"], row["competence_note"]) == (outside, note):
            return Outcome(True, "unchanged")
        unit.write(
            "problem",
            "UPDATE problem SET outside_competence = ?, competence_note = ? WHERE id = ?",
            [outside, note, problem_id],
        )
        unit.audit(
            "problem",
            problem_id,
            {"outside_competence": row["outside_competence"], "competence_note": row["competence_note"]},
            {"outside_competence": outside, "competence_note": note},
            row["forum_id"],
        )
        return Outcome(True, "flagged" if outside else "unflagged")

    return db.attempt(actor, "problem.flag", work)


# --- the pebble vote ------------------------------------------------------------------------


def counts(cur, group_id: int, at: Any = None) -> dict[tuple[int, int], int]:
    """(problem id, round) -> pebbles in force (at a moment in the past if ``at`` is given)."""
    sql = (
        "SELECT problem_id, round, arg_max(pebbles, id) FROM pebble_count WHERE group_id = ?"
        + (" AND happened_at <= ?" if at is not None else "")
        + " GROUP BY problem_id, round"
    )
    params = [group_id] + ([at] if at is not None else [])
    return {(p, r): n for p, r, n in cur.execute(sql, params).fetchall()}


class _Stale(Exception):
    def __init__(self, current: int):
        self.current = current


def set_pebbles(
    db: Database, actor: Actor, problem_id: int, pebbles: Any, round_: int = 0, expected: int | None = None
) -> Outcome:
    """Type a count. With ``expected`` (the count the person saw) a count changed meanwhile
    by another device is not overwritten: ``stale`` with the newer count."""
    errors: list[FieldError] = []
    value = check_int(errors, "pebbles", pebbles, 0, MAX_PEBBLES)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def new_value(current: int) -> int:
        if expected is not None and current != expected:
            raise _Stale(current)
        return value

    try:
        return _write_pebbles(db, actor, problem_id, round_, new_value)
    except _Stale as stale:
        return Outcome(False, "stale", value=stale.current)


def add_pebbles(db: Database, actor: Actor, problem_id: int, delta: int, round_: int = 0) -> Outcome:
    """The + and − buttons: change the count in force by ``delta`` (never below 0)."""
    return _write_pebbles(db, actor, problem_id, round_, lambda current: min(MAX_PEBBLES, max(0, current + delta)))


def _write_pebbles(db: Database, actor: Actor, problem_id: int, round_: int, new_value) -> Outcome:
    def work(unit: Unit) -> Outcome:
        row = _problem(unit, problem_id)
        if row is None or row["merged_into"] is not None:
            return Outcome(False, "not_found")
        unit.in_group(row["group_id"])
        if _locked(unit, row["group_id"]):
            return Outcome(False, "locked")
        in_force = counts(unit.cur, row["group_id"])
        current = in_force.get((problem_id, round_), 0)
        value = new_value(current)
        if value == current and (problem_id, round_) in in_force:
            return Outcome(True, "unchanged", value=current)
        unit.write(
            "pebble_count",
            "INSERT INTO pebble_count (forum_id, group_id, problem_id, round, pebbles, happened_at, role, "
            "device) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [row["forum_id"], row["group_id"], problem_id, round_, value, unit.now, unit.actor.role, unit.actor.device],
        )
        unit.audit(
            "pebbles",
            problem_id,
            {"round": round_, "pebbles": current},
            {"round": round_, "pebbles": value},
            row["forum_id"],
        )
        return Outcome(True, "counted", value=value)

    return db.attempt(actor, "vote.count", work)


# --- a count that can be checked: the photo of the board, the blind recount ---------------------

PHOTO_MAX_BYTES = 12 * 2**20  # what a tablet camera or phone photo weighs, with room to spare
PHOTO_MAX_PIXELS = 50_000_000  # decoded size checked before any pixel is decoded (a 50 MP phone)
PHOTO_EDGE = 1600  # the kept photo's longer side: pebbles on a board stay countable
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")  # JPEG also opens a camera's MPO
PHOTO_SOURCES = ("pebble_photo", "working_group")


def clean_photo(data: bytes) -> tuple[bytes, int, int] | str:
    """The photo as kept: re-encoded JPEG, at most PHOTO_EDGE pixels on its longer side, turned
    upright, with no metadata at all (EXIF with GPS location, comments, profiles are not copied).
    Returns (jpeg, width, height), or the reason it is refused (``image_too_large``,
    ``not_an_image``). The file's size and its declared pixel count are checked before decoding."""
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray)) or not data:
        return "not_an_image"
    if len(data) > PHOTO_MAX_BYTES:
        return "image_too_large"
    try:
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
            width, height = image.size  # from the header: nothing decoded yet
            if width < 1 or height < 1 or width * height > PHOTO_MAX_PIXELS:
                return "image_too_large"
            image.draft("RGB", (PHOTO_EDGE, PHOTO_EDGE))  # JPEG: decode at a reduced scale when it can
            upright = ImageOps.exif_transpose(image)  # loads; the camera's rotation is applied, then dropped
            picture = upright.convert("RGB")
    except Image.DecompressionBombError:
        return "image_too_large"
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return "not_an_image"
    except Exception:  # a malformed file can fail anywhere in a decoder: it is no picture
        return "not_an_image"
    picture.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=82, optimize=True)  # no exif=, no icc_profile=: nothing copied
    return out.getvalue(), picture.width, picture.height


def save_photo(db: Database, actor: Actor, group_id: int, data: bytes) -> Outcome:
    """Keep a photo of the board with the pebbles, with the counts in force as it was taken."""
    cleaned = clean_photo(data)
    if isinstance(cleaned, str):
        return Outcome(False, cleaned)
    jpeg, width, height = cleaned
    digest = hashlib.sha256(jpeg).hexdigest()

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        forum_id = _group_forum(unit.cur, group_id)
        if forum_id is None:
            return Outcome(False, "not_found")
        in_force = sorted([p, r, n] for (p, r), n in counts(unit.cur, group_id).items())
        photo_id = unit.insert(
            "pebble_photo",
            {
                "forum_id": forum_id,
                "group_id": group_id,
                "image": jpeg,
                "width": width,
                "height": height,
                "sha256": digest,
                "counts": json.dumps(in_force),
                "happened_at": unit.now,
                "role": unit.actor.role,
                "device": unit.actor.device,
            },
            returning="id",
        )
        unit.audit(
            "pebble_photo",
            photo_id,
            None,
            {"group_id": group_id, "sha256": digest, "width": width, "height": height, "counts": in_force},
            forum_id,
        )
        return Outcome(True, "saved", value=photo_id)

    return db.attempt(actor, "vote.photo", work)


def photos(cur, forum_id: int) -> dict[int, dict]:
    """group id -> its latest photo's facts (id, width, height, sha256, counts, happened_at, taken: how
    many photos, the group's number and name), in group order, without the image."""
    rows = rows_as_dicts(
        cur.execute(
            "SELECT p.group_id, g.number, g.name, arg_max(p.id, p.id) AS id, arg_max(p.width, p.id) AS width, "
            "arg_max(p.height, p.id) AS height, arg_max(p.sha256, p.id) AS sha256, arg_max(p.counts, p.id) AS counts, "
            "max(p.happened_at) AS happened_at, count(*) AS taken FROM pebble_photo p "
            "JOIN working_group g ON g.id = p.group_id WHERE p.forum_id = ? GROUP BY p.group_id, g.number, g.name "
            "ORDER BY g.number",
            [forum_id],
        )
    )
    for r in rows:
        r["counts"] = json.loads(r["counts"])
    return {r["group_id"]: r for r in rows}


def photo_image(cur, photo_id: int) -> bytes | None:
    row = cur.execute("SELECT image FROM pebble_photo WHERE id = ?", [photo_id]).fetchone()
    return bytes(row[0]) if row else None


def photos_now(db: Database, forum_id: int) -> dict[int, dict]:
    """:func:`photos`, read once per new photo (the overview refreshes every few seconds)."""
    return db.read_through(("pebble_photos", forum_id), PHOTO_SOURCES, lambda cur: photos(cur, forum_id))


def recounts(cur, group_id: int) -> dict[tuple[int, int], int]:
    """(problem id, round) -> the blind recount in force."""
    return {
        (p, r): n
        for p, r, n in cur.execute(
            "SELECT problem_id, round, arg_max(pebbles, id) FROM pebble_recount WHERE group_id = ? "
            "GROUP BY problem_id, round",
            [group_id],
        ).fetchall()
    }


def set_recount(db: Database, actor: Actor, problem_id: int, pebbles: Any, round_: int = 0) -> Outcome:
    """A second person's count of a problem's pebbles, typed without seeing the first count."""
    errors: list[FieldError] = []
    value = check_int(errors, "pebbles", pebbles, 0, MAX_PEBBLES)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        row = _problem(unit, problem_id)
        if row is None or row["merged_into"] is not None:
            return Outcome(False, "not_found")
        unit.in_group(row["group_id"])
        if _locked(unit, row["group_id"]):
            return Outcome(False, "locked")
        current = recounts(unit.cur, row["group_id"]).get((problem_id, round_))
        if current == value:
            return Outcome(True, "unchanged", value=value)
        unit.insert(
            "pebble_recount",
            {
                "forum_id": row["forum_id"],
                "group_id": row["group_id"],
                "problem_id": problem_id,
                "round": round_,
                "pebbles": value,
                "happened_at": unit.now,
                "role": unit.actor.role,
                "device": unit.actor.device,
            },
        )
        unit.audit(
            "pebble_recount",
            problem_id,
            {"round": round_, "pebbles": current},
            {"round": round_, "pebbles": value},
            row["forum_id"],
        )
        return Outcome(True, "counted", value=value)

    return db.attempt(actor, "vote.recount", work)


def recount_differences(cur, group_id: int) -> list[dict]:
    """Where the blind recount and the count differ, problem by problem (empty: no recount, or
    the same numbers). A problem counted but not recounted is listed with ``recount`` None."""
    again = recounts(cur, group_id)
    if not again:
        return []
    first = counts(cur, group_id)
    titles = {p["id"]: p["title"] for p in problems(cur, group_id)}
    out = []
    for key in sorted(set(first) | set(again), key=lambda k: (k[1], k[0])):
        problem_id, round_ = key
        if problem_id not in titles:
            continue  # merged away or deleted: not in the vote
        count, recount = first.get(key, 0), again.get(key)
        if recount != count and (recount is not None or count):
            out.append(
                {
                    "problem_id": problem_id,
                    "title": titles[problem_id],
                    "round": round_,
                    "count": count,
                    "recount": recount,
                }
            )
    return out


def ranking(cur, forum: dict, group_id: int) -> Ranking:
    return rank(
        problems(cur, group_id, with_merged=True),
        counts(cur, group_id),
        forum["priorities_per_group"],
        bool(forum.get("flagged_in_vote")),
        events(cur, group_id, ("revote", "tie_decision")),
        present_count(cur, forum["id"], group_id) * forum["pebbles_per_participant"],
    )


def start_revote(db: Database, actor: Actor, group_id: int, tied: list[int]) -> Outcome:
    """Open a re-vote among the tied problems; their counts are entered in the new round."""

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        forum_id = _group_forum(unit.cur, group_id)
        if forum_id is None:
            return Outcome(False, "not_found")
        if _locked(unit, group_id):
            return Outcome(False, "locked")
        round_ = max([e["payload"]["round"] for e in events(unit.cur, group_id, ("revote",))] or [0]) + 1
        _event(unit, forum_id, group_id, "revote", {"tied": sorted(tied), "round": round_})
        return Outcome(True, "revote_started", value=round_)

    return db.attempt(actor, "vote.revote", work)


def decide_tie(db: Database, actor: Actor, group_id: int, tied: list[int], chosen: list[int], reason: str) -> Outcome:
    """The facilitator records which tied problems go in, and why."""
    errors: list[FieldError] = []
    reason = check_text(errors, "reason", reason, "note", required=True, multiline=True)
    if not chosen or not set(chosen) <= set(tied):
        errors.append(FieldError("chosen", "required"))
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        forum_id = _group_forum(unit.cur, group_id)
        if _locked(unit, group_id):
            return Outcome(False, "locked")
        _event(
            unit, forum_id, group_id, "tie_decision", {"tied": sorted(tied), "chosen": list(chosen), "reason": reason}
        )
        return Outcome(True, "tie_decided")

    return db.attempt(actor, "vote.decide", work)


def finalise(db: Database, actor: Actor, forum: dict, group_id: int) -> Outcome:
    """Lock the priorities and publish them to the plenary screen."""

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        if _locked(unit, group_id):
            return Outcome(False, "locked")
        result = ranking(unit.cur, forum, group_id)
        if result.tie:
            return Outcome(False, "tie_unresolved")
        if not result.top:
            return Outcome(False, "no_votes")
        _event(
            unit,
            forum["id"],
            group_id,
            "finalise",
            {
                "top": [
                    {
                        "problem_id": r.problem_id,
                        "title": r.title,
                        "pebbles": r.pebbles,
                        "rank": r.rank,
                        "basis": r.basis,
                    }
                    for r in result.top
                ],
                "total": result.total,
                "capacity": result.capacity,
            },
        )
        return Outcome(True, "finalised", value=result.top)

    return db.attempt(actor, "vote.finalise", work)


def reopen(db: Database, actor: Actor, group_id: int, reason: str) -> Outcome:
    """Unlock a finalised vote: only the organizer may (the write path's rule), recorded with a reason."""
    if not may_write(actor.role, Action.VOTE_REOPEN):
        return Outcome(False, "not_allowed")
    errors: list[FieldError] = []
    reason = check_text(errors, "reason", reason, "note", required=True, multiline=True)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        if not _locked(unit, group_id):
            return Outcome(False, "not_finalised")
        _event(unit, _group_forum(unit.cur, group_id), group_id, "reopen", {"reason": reason})
        return Outcome(True, "reopened")

    return db.attempt(actor, "vote.reopen", work)


def priorities(cur, group_id: int) -> list[dict]:
    """The published (finalised) priorities of a group, or [] while it is still working
    (the ``published_priority`` view)."""
    return rows_as_dicts(
        cur.execute(
            "SELECT problem_id, title, pebbles, rank, basis FROM published_priority WHERE group_id = ? ORDER BY rank",
            [group_id],
        )
    )


# --- initiatives ---------------------------------------------------------------------------------

INITIATIVE_TEXT = {
    "title": "title",
    "goal": "text",
    "actions": "text",
    "beneficiaries_age": "short",
    "beneficiaries_specifics": "note",
    "vulnerable_groups": "note",
    "resources_needed": "text",
    "resources_available": "text",
    "partners": "note",
}
INITIATIVE_CHOICE = {"kind": ("",) + INITIATIVE_KINDS, "large_scale": YES_NO, "sufficient": YES_NO}
INITIATIVE_NUMBER = {"beneficiaries_count": (0, 10_000_000), "cost_gel": (0, 10_000_000_000)}
INITIATIVE_FIELDS = tuple(INITIATIVE_TEXT) + tuple(INITIATIVE_CHOICE) + tuple(INITIATIVE_NUMBER) + ("program_id",)
REQUIRED_FOR_COMPLETE = ("kind", "title", "goal", "resources_needed")


def initiative(cur, group_id: int, problem_id: int) -> dict:
    row = one_as_dict(
        cur.execute("SELECT * FROM initiative WHERE group_id = ? AND problem_id = ?", [group_id, problem_id])
    )
    if row is None:
        row = {f: (None if f in INITIATIVE_NUMBER or f == "program_id" else "") for f in INITIATIVE_FIELDS}
        row.update({"id": None, "group_id": group_id, "problem_id": problem_id})
    return row


def is_complete(row: dict) -> bool:
    return all(row.get(f) for f in REQUIRED_FOR_COMPLETE) and bool(
        row.get("beneficiaries_count") or row.get("beneficiaries_specifics")
    )


def _clean_initiative_value(name: str, value: Any, cur, forum_id: int) -> tuple[Any, list[FieldError]]:
    errors: list[FieldError] = []
    if name in INITIATIVE_TEXT:
        return check_text(
            errors, name, value, INITIATIVE_TEXT[name], multiline=INITIATIVE_TEXT[name] != "title"
        ), errors
    if name in INITIATIVE_CHOICE:
        value = "" if value is None else str(value)
        if value not in INITIATIVE_CHOICE[name]:
            errors.append(FieldError(name, "bad_choice"))
        return value, errors
    if name in INITIATIVE_NUMBER:
        low, high = INITIATIVE_NUMBER[name]
        return check_int(errors, name, value, low, high, required=False), errors
    if name == "program_id":
        if value in (None, ""):
            return None, errors
        ok = cur.execute("SELECT 1 FROM budget_program WHERE id = ? AND forum_id = ?", [value, forum_id]).fetchone()
        if not ok:
            errors.append(FieldError(name, "bad_choice"))
        return (int(value) if ok else None), errors
    errors.append(FieldError(name, "bad_choice"))
    return None, errors


def _store_initiative(unit: Unit, forum_id: int, group_id: int, problem_id: int, exists: bool, clean: dict) -> None:
    """Write ``clean`` (column -> value) into a priority's initiative, making its row first if needed.
    The columns are names from INITIATIVE_FIELDS, checked by the callers, never user input."""
    if not exists:
        unit.write(
            "initiative",
            "INSERT INTO initiative (forum_id, group_id, problem_id, updated_at) VALUES (?, ?, ?, ?)",
            [forum_id, group_id, problem_id, unit.now],
        )
    unit.write(
        "initiative",
        "UPDATE initiative SET "
        + ", ".join(f"{name} = ?" for name in clean)
        + ", updated_at = ? WHERE group_id = ? AND problem_id = ?",
        [*clean.values(), unit.now, group_id, problem_id],
    )


def save_initiative_field(
    db: Database, actor: Actor, group_id: int, problem_id: int, name: str, value: Any, expected: Any
) -> Outcome:
    """Save one field of a priority's initiative (each change is saved on its own).

    ``expected`` is the value the person saw; if the stored one differs, someone else
    saved meanwhile: refused as ``stale`` with the newer value.
    """

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        forum_id = _group_forum(unit.cur, group_id)
        if forum_id is None or name not in INITIATIVE_FIELDS:
            return Outcome(False, "not_found")
        clean, errors = _clean_initiative_value(name, value, unit.cur, forum_id)
        if errors:
            return Outcome(False, "invalid", tuple(errors))
        row = initiative(unit.cur, group_id, problem_id)
        current = row.get(name)
        if current != expected and not (current in (None, "") and expected in (None, "")):
            return Outcome(False, "stale", value=current)
        if current == clean:
            return Outcome(True, "unchanged")
        _store_initiative(unit, forum_id, group_id, problem_id, row["id"] is not None, {name: clean})
        unit.audit("initiative", problem_id, {name: current}, {name: clean}, forum_id)
        return Outcome(True, "saved", value=clean)

    return db.attempt(actor, "initiative.save", work)


def save_initiative(db: Database, actor: Actor, group_id: int, problem_id: int, values: dict[str, Any]) -> Outcome:
    """Fill in several fields of a priority's initiative at once, in one unit of work (an initiative
    written down before it is typed in: the demo's groups). Only fields nobody has typed in yet:
    one that holds a value refuses the whole as ``stale``, an invalid one as ``invalid`` (with every
    field's error), and then nothing is saved. One audit entry holds all the fields."""

    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        forum_id = _group_forum(unit.cur, group_id)
        if forum_id is None or not values or any(name not in INITIATIVE_FIELDS for name in values):
            return Outcome(False, "not_found")
        clean: dict[str, Any] = {}
        errors: list[FieldError] = []
        for name, value in values.items():
            clean[name], field_errors = _clean_initiative_value(name, value, unit.cur, forum_id)
            errors += field_errors
        if errors:
            return Outcome(False, "invalid", tuple(errors))
        row = initiative(unit.cur, group_id, problem_id)
        if any(row.get(name) not in (None, "") for name in clean):
            return Outcome(False, "stale")
        _store_initiative(unit, forum_id, group_id, problem_id, row["id"] is not None, clean)
        unit.audit("initiative", problem_id, {name: row.get(name) for name in clean}, clean, forum_id)
        return Outcome(True, "saved")

    return db.attempt(actor, "initiative.save", work)


# --- one entry point for every text field of the group pages ------------------------------------
#
# A tablet's text field saves itself (ui/autosave.py, POST /api/text) with a field id:
#   item:<item id>                                  a strength's or weakness's text
#   problem:<problem id>:title | :detail            a problem's wording
#   competence_note:<problem id>                    the expert's note
#   initiative:<group id>:<problem id>:<name>       a text field of INITIATIVE_TEXT
# Each goes to its own service (validation, group scope, locks, audit trail as there).

_FIELD = re.compile(
    r"^(?:item:(\d{1,12})|problem:(\d{1,12}):(title|detail)|competence_note:(\d{1,12})"
    r"|initiative:(\d{1,12}):(\d{1,12}):([a-z_]{1,40}))$"
)


def field_id(kind: str, *parts: Any) -> str:
    """The field id of a text field (see :func:`save_text`): ``field_id("problem", 12, "title")``."""
    return ":".join([kind, *map(str, parts)])


def _same(stored: Any, expected: Any) -> bool:
    return (stored or "") == (expected or "")


MAX_UNCONFIRMED = 50  # texts of one field sent without an answer, kept by a tablet (autosave.js)


def save_text(
    db: Database,
    actor: Actor,
    field: str,
    value: str,
    expected: str | None,
    unconfirmed: str | Sequence[str] | None = None,
) -> Outcome:
    """Save one text field typed on a tablet, addressed by its field id (above).

    ``expected`` is the stored text the person started from. If the stored text changed
    meanwhile (another device, a merge), nothing is overwritten: ``stale`` with the stored
    text in ``outcome.value``. Saving the text already stored is ``unchanged`` (ok), also
    when another device saved the same words. An ok outcome carries the stored text too.

    ``unconfirmed`` are the texts this device sent since ``expected`` whose answers never came
    back (the Wi-Fi dropped on the way back): if one of them is what is stored now, it was this
    device's own save, not another device's change, so the new text follows it. All of them,
    not only the last: during a cut a tablet sends what is typed again and again, and the one
    that reached the laptop may be any of them (often the first, sent as the Wi-Fi went).
    """
    outcome = _save_text(db, actor, field, value, expected)
    if outcome.reason == "stale" and isinstance(outcome.value, str):
        sent = [unconfirmed] if isinstance(unconfirmed, str) else list(unconfirmed or ())[:MAX_UNCONFIRMED]
        if any(
            isinstance(text, str) and outcome.value in (clean_text(text), clean_text(text, multiline=True))
            for text in sent
        ):
            return _save_text(db, actor, field, value, outcome.value)
    return outcome


def _save_text(db: Database, actor: Actor, field: str, value: str, expected: str | None) -> Outcome:
    match = _FIELD.match(field or "") if isinstance(field, str) else None
    if match is None or not isinstance(value, str) or not (expected is None or isinstance(expected, str)):
        return Outcome(False, "not_found")
    item, problem_id, part, note_of, ini_group, ini_problem, name = match.groups()
    errors: list[FieldError] = []
    if item:
        clean = check_text(errors, "text", value, "note")
        outcome = edit_item(db, actor, int(item), value, expected or "")
    elif problem_id:
        clean = check_text(errors, part, value, "title" if part == "title" else "text", multiline=part == "detail")
        outcome = _save_problem_part(db, actor, int(problem_id), part, value, expected or "")
    elif note_of:
        clean = check_text(errors, "competence_note", value, "note", multiline=True)
        outcome = flag_competence(db, actor, int(note_of), None, value, expected_note=expected or "")
    else:
        if name not in INITIATIVE_TEXT:
            return Outcome(False, "not_found")
        kind = INITIATIVE_TEXT[name]
        clean = check_text(errors, name, value, kind, multiline=kind != "title")
        outcome = save_initiative_field(db, actor, int(ini_group), int(ini_problem), name, value, expected or "")
    if outcome.reason == "stale" and _same(outcome.value, clean):
        return Outcome(True, "unchanged", value=outcome.value or "")  # the same words were saved meanwhile
    if outcome.ok:
        return Outcome(True, outcome.reason, value=clean)
    return outcome


def _save_problem_part(db: Database, actor: Actor, problem_id: int, part: str, value: str, expected: str) -> Outcome:
    """A problem's title or detail on its own (edit_problem saves both: the other stays as stored)."""
    for _ in range(3):  # the other part changed between reading and saving: read it again
        row = _problem(db.cursor(), problem_id)
        if row is None or row["merged_into"] is not None:
            return Outcome(False, "not_found")  # merged into another: its text lives there now
        title, detail = (value, row["detail"]) if part == "title" else (row["title"], value)
        seen = (expected, row["detail"]) if part == "title" else (row["title"], expected)
        outcome = edit_problem(db, actor, problem_id, title, detail, seen)
        if outcome.reason != "stale":
            return outcome
        current = outcome.value[part]
        if not _same(current, expected):
            return Outcome(False, "stale", value=current or "")
    return Outcome(False, "stale", value=current or "")


_NUMBER = re.compile(r"\d")
_TIME_WORDS = re.compile(
    r"(20\d\d|წლ|თვ|კვირ|დღ|-მდე|ბოლომდე|კვარტ|year|month|week|day|by |until|quarter)", re.IGNORECASE
)


def smart_hints(goal: str) -> list[str]:
    """Hints for a SMART goal: one with no number or no time frame is hard to check later."""
    goal = goal or ""
    if not goal.strip():
        return []
    hints = []
    if not _NUMBER.search(goal):
        hints.append("goal_no_number")
    if not _TIME_WORDS.search(goal):
        hints.append("goal_no_time")
    return hints


# --- presenter, status, overview --------------------------------------------------------------------


def set_presenter(db: Database, actor: Actor, forum_id: int, group_id: int, participant_id: int) -> Outcome:
    def work(unit: Unit) -> Outcome:
        unit.in_group(group_id)
        here = {m["id"] for m in members(unit.cur, forum_id, group_id) if m["present"]}
        if participant_id not in here:
            return Outcome(False, "not_present")
        _event(unit, forum_id, group_id, "presenter", {"participant_id": participant_id})
        return Outcome(True, "presenter_set")

    return db.attempt(actor, "group.presenter", work)


def presenter(cur, group_id: int) -> dict | None:
    chosen = events(cur, group_id, ("presenter",))
    if not chosen:
        return None
    row = one_as_dict(
        cur.execute(
            "SELECT id, first_name, last_name FROM participant WHERE id = ?", [chosen[-1]["payload"]["participant_id"]]
        )
    )
    return row


def group_progress(cur, forum: dict, group: dict) -> dict:
    """Where a group stands, for the step strip and the organizer's overview."""
    items = assessment(cur, group["id"])
    problem_rows = problems(cur, group["id"])
    top = priorities(cur, group["id"])
    complete = sum(is_complete(initiative(cur, group["id"], p["problem_id"])) for p in top)
    who = presenter(cur, group["id"])
    if not (items["strength"] or items["weakness"]):
        step = "assessment"
    elif not problem_rows:
        step = "problems"
    elif not top:
        step = "vote"
    elif complete < len(top):
        step = "initiatives"
    elif who is None:
        step = "presenter"
    else:
        step = "done"
    return {
        "group_id": group["id"],
        "number": group["number"],
        "name": group["name"],
        "room": group["room"],
        "step": step,
        "problems": len(problem_rows),
        "finalised": bool(top),
        "initiatives_complete": complete,
        "priorities": len(top),
        "presenter": f"{who['first_name']} {who['last_name']}" if who else "",
    }


# Tables the step strip and the ranking are read from: a commit to one of them refreshes them.
PROGRESS_SOURCES = ("working_group", "assessment_item", "problem", "group_event", "initiative", "participant")
RANKING_SOURCES = ("forum", "problem", "pebble_count", "group_event", "participant", "checkin_event")


def progress_now(db: Database, forum: dict, group: dict) -> dict:
    """:func:`group_progress`, computed once per change of its data (every page run shows it)."""
    return db.read_through(
        ("group_progress", group["id"]), PROGRESS_SOURCES, lambda cur: group_progress(cur, forum, group)
    )


def ranking_now(db: Database, forum: dict, group_id: int) -> Ranking:
    """:func:`ranking`, computed once per change of its data (the vote step shows it on every run)."""
    key = (
        "ranking",
        group_id,
        forum["priorities_per_group"],
        bool(forum.get("flagged_in_vote")),
        forum["pebbles_per_participant"],
    )
    return db.read_through(key, RANKING_SOURCES, lambda cur: ranking(cur, forum, group_id))


def overview_now(db: Database, forum: dict) -> list[dict]:
    """Every group's progress, each from its cached read model (the organizer's board refreshes often)."""
    return [progress_now(db, forum, g) for g in forum_mod.groups(db.cursor(), forum["id"])]
