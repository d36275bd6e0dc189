"""The audit trail, read back: every change with time, role, device, before and after.

Every write appends its entries in the write path (``Database.write``); this module
only reads them, filtered by group, role and kind of change, and replays a group's
pebble counts as they stood at any moment.
"""

from __future__ import annotations

import json
from datetime import datetime

from forum_core import deliberation as dl
from forum_core import i18n, report
from forum_core.db import CLI_ACTOR, FIRST_START_ACTOR, rows_as_dicts

# The group an entry belongs to, from what it changed: problems, pebble counts, blind
# recounts and initiatives name a problem; group events name the group; photos of the
# board, assessment items and participants (check-ins, scans) name their own rows.
# Joins, not a subquery per row.
_ENTRIES_SQL = """SELECT a.id, a.happened_at, a.role, a.device, a.action, a.entity, a.entity_id, a.before, a.after,
    coalesce(p.group_id, i.group_id, q.group_id, ph.group_id,
             CASE WHEN a.entity = 'group_event' THEN TRY_CAST(a.entity_id AS INTEGER) END) AS group_id
    FROM audit_log a
    LEFT JOIN problem p ON a.entity IN ('problem', 'pebbles', 'pebble_recount', 'initiative')
        AND a.entity_id = CAST(p.id AS VARCHAR)
    LEFT JOIN pebble_photo ph ON a.entity = 'pebble_photo' AND a.entity_id = CAST(ph.id AS VARCHAR)
    LEFT JOIN assessment_item i ON a.entity = 'assessment_item' AND a.entity_id = CAST(i.id AS VARCHAR)
    LEFT JOIN participant q ON a.entity IN ('checkin', 'scan', 'participant') AND a.entity_id = CAST(q.id AS VARCHAR)
    WHERE (a.forum_id = ? OR a.forum_id IS NULL)"""

KINDS = (
    "access",
    "checkin",
    "participant",
    "assessment",
    "problem",
    "vote",
    "initiative",
    "group",
    "plenary",
    "forum",
    "groups",
    "programs",
    "token",
    "report",
    "backup",
)


# --- entries as sentences in the page's language ------------------------------------------------

# The fields an entry's before/after may name, each with its words (catalog ``audit.field.<name>``).
FIELDS = (
    "actions",
    "amount",
    "attempts",
    "basis",
    "beneficiaries_age",
    "beneficiaries_count",
    "beneficiaries_specifics",
    "birth_year",
    "capacity",
    "checked_in_desk",
    "client",
    "code",
    "community",
    "competence_note",
    "cost_gel",
    "description",
    "desk",
    "detail",
    "duration_min",
    "email",
    "expert",
    "expires_at",
    "facilitator",
    "field",
    "file",
    "first_name",
    "flagged_in_vote",
    "forum_date",
    "gender",
    "goal",
    "goals",
    "group_id",
    "happened_at",
    "invalid",
    "kind",
    "label",
    "large_scale",
    "last_name",
    "made",
    "merged_into",
    "merged_problem",
    "method",
    "mode",
    "municipality",
    "name",
    "needs",
    "new",
    "number",
    "order",
    "organizers",
    "outside_competence",
    "participant_id",
    "partners",
    "pebbles",
    "pebbles_per_participant",
    "phone",
    "place",
    "presenter",
    "priorities_per_group",
    "problem_id",
    "program",
    "program_code",
    "program_id",
    "rank",
    "reason",
    "recommendation",
    "resources_available",
    "resources_needed",
    "revealed",
    "revoked_at",
    "role",
    "room",
    "round",
    "scan_id",
    "seconds",
    "start_time",
    "status",
    "sufficient",
    "target_max",
    "target_min",
    "text",
    "title",
    "top",
    "total",
    "unchanged",
    "update",
    "venue",
    "vulnerable_groups",
    "wording",
    "working_group",
    "year",
)
_SUBJECTS = ("recommendation", "program", "working_group")  # fields that name what changed, said before the changes
_MAX_CHANGES = 6  # a sentence names at most this many fields, then "and N more"
_MAX_TEXT = 80  # people's text is cut to this many characters in a sentence


def _value(lang: str, action: str, key: str, value, group_label) -> str:
    """One value in words: codes (roles, methods, kinds, statuses) in the page's language."""
    t = i18n.t
    catalog = i18n.catalog(lang)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return t(lang, "audit.yes" if value else "audit.no")
    if key == "group_id" and group_label is not None:
        return group_label(value) or f"#{value}"
    if key.endswith("_id") and isinstance(value, int):
        return f"#{value}"
    if isinstance(value, list | dict):
        return t(lang, "audit.items", count=len(value))
    if key == "amount" and action.startswith(("report.", "programs.")):  # lari, as pages say them: "12 500,50 ₾"
        return report.lari(value, lang)
    text = str(value)
    if key == "gender" and f"gender.{text}" in catalog:
        return t(lang, f"gender.{text}")
    if key == "role" and f"role.{text}" in catalog:
        return t(lang, f"role.{text}")
    if key in ("kind", "method", "mode"):
        prefix = action.split(".")[0]
        for candidate in (f"action.{prefix}.{text}", f"action.checkin.{text}", f"audit.value.{text}"):
            if candidate in catalog:
                return t(lang, candidate)
    if key == "status" and f"reason.{text}" in catalog:
        return t(lang, f"reason.{text}")
    if key == "status" and f"report.status_{text}" in catalog:
        return t(lang, f"report.status_{text}")
    if key in ("desk", "checked_in_desk") and text.startswith("room "):  # a facilitator's check-in in the room
        return t(lang, "desk.in_room", room=text[5:].strip() or "—")
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":  # an ISO date and time
        return text[:16].replace("T", " ")
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


# Devices the app names itself (not a label a person typed at sign-in), by their catalog key
_APP_DEVICES = {CLI_ACTOR.device: "audit.device_command_line", FIRST_START_ACTOR.device: "audit.device_first_start"}


def device(lang: str, name: str) -> str:
    """An entry's device as the reader sees it: a person's label as typed, the app's own in ``lang``."""
    key = _APP_DEVICES.get(name)
    return i18n.t(lang, key) if key else name


def sentence(lang: str, entry: dict, group_label=None) -> str:
    """What an audit entry says, as one sentence in ``lang``: the change's words, then each field that
    changed (before → after), or the fields of what was made or removed. ``group_label(id)`` names a
    group. Never a raw action code or JSON."""
    t = i18n.t
    catalog = i18n.catalog(lang)
    action = entry["action"]
    head = t(lang, f"action.{action}") if f"action.{action}" in catalog else t(lang, "audit.other_change")
    if lang == "en":  # a sentence (Georgian has no capitals: upper() would make Mtavruli)
        head = head[:1].upper() + head[1:]
    before, after = entry.get("before"), entry.get("after")
    before = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    parts = []
    # what the entry is about first (the JSON keeps its keys sorted), then what changed
    for key in dict.fromkeys([*(k for k in _SUBJECTS if k in after or k in before), *after, *before]):
        if key in before and key in after and before[key] == after[key]:
            continue  # unchanged: not worth a word
        label = t(lang, f"audit.field.{key}") if f"audit.field.{key}" in catalog else t(lang, "audit.field_other")
        if key == "status" and action == "report.answer":
            label = t(lang, "report.status")  # the mayor's answer, as the page names it
        if key in before and key in after:
            old = _value(lang, action, key, before[key], group_label)
            new = _value(lang, action, key, after[key], group_label)
            parts.append(f"{label}: {old} → {new}")
        else:
            parts.append(f"{label}: {_value(lang, action, key, after.get(key, before.get(key)), group_label)}")
    if len(parts) > _MAX_CHANGES:
        parts = parts[:_MAX_CHANGES] + [t(lang, "audit.more", count=len(parts) - _MAX_CHANGES)]
    if not after and before:
        parts.insert(0, t(lang, "audit.removed"))
    return f"{head}. " + "; ".join(parts) if parts else head


def entries(
    cur, forum_id: int, group_id: int | None = None, role: str | None = None, kind: str | None = None, limit: int = 500
) -> list[dict]:
    """Newest first. ``kind`` is the first part of the action (``vote``, ``checkin``...)."""
    sql = "SELECT * FROM (" + _ENTRIES_SQL + ") WHERE true"
    params: list = [forum_id]
    if group_id is not None:
        sql += " AND group_id = ?"
        params.append(group_id)
    if role:
        sql += " AND role = ?"
        params.append(role)
    if kind:
        sql += " AND (action = ? OR starts_with(action, ?))"
        params += [kind, kind + "."]
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = rows_as_dicts(cur.execute(sql, params))
    for r in rows:
        for side in ("before", "after"):
            r[side] = json.loads(r[side]) if r[side] else None
    return rows


def counts_at(cur, group_id: int, moment: datetime) -> list[dict]:
    """A group's problems with the pebbles each had at ``moment`` (main vote and re-votes)."""
    in_force = dl.counts(cur, group_id, at=moment)
    rows = []
    for p in dl.problems(cur, group_id, with_merged=True):
        rows.append(
            {
                "problem_id": p["id"],
                "title": p["title"],
                "pebbles": in_force.get((p["id"], 0)),
                "revote": {r: n for (pid, r), n in in_force.items() if pid == p["id"] and r > 0} or None,
            }
        )
    return rows


def vote_moments(cur, group_id: int) -> list[datetime]:
    """The moments a group's counts changed, oldest first (for choosing a moment to replay)."""
    return [
        r[0]
        for r in cur.execute(
            "SELECT DISTINCT happened_at FROM pebble_count WHERE group_id = ? ORDER BY happened_at", [group_id]
        ).fetchall()
    ]
