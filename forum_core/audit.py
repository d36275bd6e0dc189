"""The audit trail, read back: every change with time, role, device, before and after.

Every write appends its entries in the write path (``Database.write``); this module
only reads them, filtered by group, role and kind of change, and replays a group's
pebble counts as they stood at any moment.
"""

from __future__ import annotations

import json
from datetime import datetime

from forum_core import deliberation as dl
from forum_core.db import rows_as_dicts

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
)


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
