"""The plenary in the main hall: what the projector shows, driven by the moderator.

The moderator's choices (mode, presenting group, presentation order, timer, whether
results are revealed) are appended as ``plenary_event`` rows; the screen state is the
fold of those events (:func:`screen_state`), so every projector following the same
forum shows the same thing and the history of the plenary is kept.

The read models here (:func:`wall`, :func:`presentation`, :func:`totals`,
:func:`public_results`) read the whole forum in a few queries and hold no personal
data beyond a presenter's name. :func:`snapshot` bundles them through
``Database.read_through``, so a projector refreshing every second and fifty phones
cost one computation per change of the data, not one per screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from forum_core import forum as forum_mod
from forum_core.db import Actor, Database, Unit, rows_as_dicts
from forum_core.validation import Outcome

MODES = ("welcome", "wall", "presenting", "summary")
MIN_SLOT_SECONDS, MAX_SLOT_SECONDS = 60, 60 * 60
LAST_MINUTE = 60  # the timer turns amber in the last minute


# --- the timer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timer:
    """A countdown that can be started, paused and reset; pure, read against a clock."""

    duration_s: int
    running_since: datetime | None = None  # set while running
    elapsed_s: float = 0.0  # run time before the last start

    def elapsed(self, now: datetime) -> float:
        extra = (now - self.running_since).total_seconds() if self.running_since else 0.0
        return self.elapsed_s + max(0.0, extra)

    def remaining(self, now: datetime) -> float:
        """Seconds left; negative when the presenter is over time."""
        return self.duration_s - self.elapsed(now)

    def phase(self, now: datetime) -> str:
        """``ok``, ``last_minute`` (amber) or ``over`` (red)."""
        left = self.remaining(now)
        if left <= 0:
            return "over"
        return "last_minute" if left <= LAST_MINUTE else "ok"

    @property
    def running(self) -> bool:
        return self.running_since is not None


def clock_text(seconds: float) -> str:
    """``7:00``, ``0:05``, and ``−1:30`` when over time."""
    whole = int(seconds) if seconds >= 0 else -int(-seconds + 0.999)
    sign = "−" if whole < 0 else ""
    whole = abs(whole)
    return f"{sign}{whole // 60}:{whole % 60:02d}"


# --- the screen state -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenState:
    mode: str
    order: tuple[int, ...]  # group ids in presentation order
    presenting: int | None  # group id on the presenting screen
    revealed: bool  # wall and summary show results (else "results soon")
    timer: Timer
    slot_s: int  # default length of one presentation
    # the moderator's page turns: a screen whose content does not fit at a readable size is cut
    # into pages in the projector's browser (ui/components/projector.js), which shows page
    # ``page`` modulo their number; back to the first page with every new screen or group
    page: int = 0


def default_slot_seconds(phases: list[forum_mod.Phase], group_count: int) -> int:
    """The presentations phase shared by the groups: 70 min / 10 groups = 7 min."""
    minutes = phases[-1].minutes if phases else 70
    if group_count <= 0:
        return 7 * 60
    return max(MIN_SLOT_SECONDS, min(MAX_SLOT_SECONDS, int(minutes * 60 / group_count) // 30 * 30))


def fold(events: list[dict], group_ids: list[int], slot_s: int) -> ScreenState:
    """The screen state after ``events`` (oldest first); a pure function."""
    # Results are live by default (the wall is the point of the screen); the moderator can hide them.
    state = ScreenState("welcome", tuple(group_ids), group_ids[0] if group_ids else None, True, Timer(slot_s), slot_s)
    for e in events:
        kind, p, at = e["kind"], e["payload"], e["happened_at"]
        if kind == "mode":
            state = replace(state, mode=p["mode"], page=0)
        elif kind == "order":
            known = [g for g in p["group_ids"] if g in group_ids]
            state = replace(state, order=tuple(known + [g for g in group_ids if g not in known]))
        elif kind == "present":
            state = replace(state, presenting=p["group_id"], timer=Timer(state.slot_s), page=0)
        elif kind == "reveal":
            state = replace(state, revealed=bool(p["revealed"]))
        elif kind == "slot":
            state = replace(state, slot_s=p["seconds"], timer=Timer(p["seconds"]))
        elif kind == "timer_start" and not state.timer.running:
            state = replace(state, timer=replace(state.timer, running_since=at))
        elif kind == "timer_pause" and state.timer.running:
            state = replace(state, timer=Timer(state.timer.duration_s, None, state.timer.elapsed(at)))
        elif kind == "timer_reset":
            state = replace(state, timer=Timer(state.slot_s))
        elif kind == "page":
            state = replace(state, page=max(0, state.page + (1 if p["step"] > 0 else -1)))
    if state.presenting not in group_ids:
        state = replace(state, presenting=state.order[0] if state.order else None)
    return state


def _events(cur, forum_id: int) -> list[dict]:
    rows = rows_as_dicts(
        cur.execute("SELECT kind, payload, happened_at FROM plenary_event WHERE forum_id = ? ORDER BY id", [forum_id])
    )
    for r in rows:
        r["payload"] = json.loads(r["payload"])
    return rows


def _group_rows(cur, forum_id: int) -> list[dict]:
    """The groups without their sizes (cheaper than forum.groups for screens)."""
    return rows_as_dicts(
        cur.execute(
            "SELECT id, number, name, field, room FROM working_group WHERE forum_id = ? ORDER BY number", [forum_id]
        )
    )


def screen_state(cur, forum_id: int) -> ScreenState:
    groups = _group_rows(cur, forum_id)
    slot = default_slot_seconds(forum_mod.phases(cur, forum_id), len(groups))
    return fold(_events(cur, forum_id), [g["id"] for g in groups], slot)


# --- the moderator's commands -------------------------------------------------------------------


def _append(db: Database, actor: Actor, forum_id: int, kind: str, payload: dict, check=None) -> Outcome:
    def work(unit: Unit) -> Outcome:
        if check is not None:
            refusal = check(unit)
            if refusal is not None:
                return refusal
        unit.write(
            "plenary_event",
            "INSERT INTO plenary_event (forum_id, kind, payload, happened_at, role, device) VALUES (?, ?, ?, ?, ?, ?)",
            [forum_id, kind, json.dumps(payload), unit.now, actor.role, actor.device],
        )
        unit.audit("plenary", forum_id, None, {"kind": kind, **payload}, forum_id, action=f"plenary.{kind}")
        return Outcome(True, kind)

    return db.attempt(actor, f"plenary.{kind}", work)


def _group_ids(cur, forum_id: int) -> list[int]:
    return [
        r[0]
        for r in cur.execute("SELECT id FROM working_group WHERE forum_id = ? ORDER BY number", [forum_id]).fetchall()
    ]


def set_mode(db: Database, actor: Actor, forum_id: int, mode: str) -> Outcome:
    if mode not in MODES:
        return Outcome(False, "bad_mode")
    return _append(
        db,
        actor,
        forum_id,
        "mode",
        {"mode": mode},
        lambda u: Outcome(True, "unchanged") if screen_state(u.cur, forum_id).mode == mode else None,
    )


def present_group(db: Database, actor: Actor, forum_id: int, group_id: int) -> Outcome:
    """Put a group on the presenting screen; its timer starts fresh (not running)."""

    def check(unit: Unit):
        if group_id not in _group_ids(unit.cur, forum_id):
            return Outcome(False, "not_found")
        return None

    return _append(db, actor, forum_id, "present", {"group_id": int(group_id)}, check)


def step_group(db: Database, actor: Actor, forum_id: int, step: int) -> Outcome:
    """Next (+1) or previous (−1) group in the presentation order."""
    state = screen_state(db.cursor(), forum_id)
    if not state.order:
        return Outcome(False, "not_found")
    index = state.order.index(state.presenting) if state.presenting in state.order else -1
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(state.order):
        return Outcome(False, "end_of_order")
    return present_group(db, actor, forum_id, state.order[target])


def move_in_order(db: Database, actor: Actor, forum_id: int, group_id: int, step: int) -> Outcome:
    """Move a group one place earlier (−1) or later (+1) in the presentation order."""
    order = list(screen_state(db.cursor(), forum_id).order)
    if group_id not in order:
        return Outcome(False, "not_found")
    i = order.index(group_id)
    j = i + (1 if step > 0 else -1)
    if not 0 <= j < len(order):
        return Outcome(False, "end_of_order")
    order[i], order[j] = order[j], order[i]
    return _append(db, actor, forum_id, "order", {"group_ids": order})


def turn_page(db: Database, actor: Actor, forum_id: int, step: int) -> Outcome:
    """The next (+1) or previous (−1) page of a screen too long for one (the projector counts the pages)."""
    return _append(
        db,
        actor,
        forum_id,
        "page",
        {"step": 1 if step > 0 else -1},
        lambda u: Outcome(True, "unchanged") if step < 0 and screen_state(u.cur, forum_id).page == 0 else None,
    )


def upcoming(state: ScreenState) -> ScreenState | None:
    """What the projector shows after the moderator's next step, for the preview on /control: the next
    group while groups present, otherwise the next screen in the day's order; None after the summary."""
    if state.mode == "presenting":
        index = state.order.index(state.presenting) if state.presenting in state.order else -1
        if index + 1 < len(state.order):
            return replace(state, presenting=state.order[index + 1], timer=Timer(state.slot_s), page=0)
        return replace(state, mode="summary", page=0)
    if state.mode == "summary":
        return None
    return replace(state, mode=MODES[MODES.index(state.mode) + 1], page=0)


def set_revealed(db: Database, actor: Actor, forum_id: int, revealed: bool) -> Outcome:
    return _append(db, actor, forum_id, "reveal", {"revealed": bool(revealed)})


def set_slot_minutes(db: Database, actor: Actor, forum_id: int, minutes: Any) -> Outcome:
    from forum_core.validation import FieldError, check_int

    errors: list[FieldError] = []
    value = check_int(errors, "slot_minutes", minutes, 1, MAX_SLOT_SECONDS // 60)
    if errors:
        return Outcome(False, "invalid", tuple(errors))
    return _append(db, actor, forum_id, "slot", {"seconds": value * 60})


def start_timer(db: Database, actor: Actor, forum_id: int) -> Outcome:
    return _append(
        db,
        actor,
        forum_id,
        "timer_start",
        {},
        lambda u: Outcome(True, "unchanged") if screen_state(u.cur, forum_id).timer.running else None,
    )


def pause_timer(db: Database, actor: Actor, forum_id: int) -> Outcome:
    return _append(
        db,
        actor,
        forum_id,
        "timer_pause",
        {},
        lambda u: None if screen_state(u.cur, forum_id).timer.running else Outcome(True, "unchanged"),
    )


def reset_timer(db: Database, actor: Actor, forum_id: int) -> Outcome:
    return _append(db, actor, forum_id, "timer_reset", {})


# --- the agenda -------------------------------------------------------------------------------------


def agenda(phases: list[forum_mod.Phase], forum_date: date, start: time, now: datetime) -> list[dict]:
    """The phases with their clock times and which one is on now (by the forum's clock)."""
    at = datetime.combine(forum_date, start)
    rows = []
    for p in phases:
        end = at + timedelta(minutes=p.minutes)
        rows.append(
            {"name": p.name, "minutes": p.minutes, "starts": at.time(), "ends": end.time(), "current": at <= now < end}
        )
        at = end
    return rows


# --- read models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupResult:
    group_id: int
    number: int
    name: str
    field: str
    room: str
    finalised: bool
    priorities: tuple[dict, ...] = ()  # rank, title, pebbles, problem_id, outside_competence, initiative
    presenter: str = ""


def _initiative_headline(row: dict | None) -> dict | None:
    if not row:
        return None
    return {
        "kind": row["kind"],
        "title": row["title"],
        "goal": row["goal"],
        "beneficiaries_count": row["beneficiaries_count"],
        "beneficiaries_age": row["beneficiaries_age"],
        "beneficiaries_specifics": row["beneficiaries_specifics"],
    }


def group_results(cur, forum_id: int) -> list[GroupResult]:
    """Every group with its published priorities, initiative headlines and presenter, in four queries."""
    groups = _group_rows(cur, forum_id)
    published: dict[int, list[dict]] = {}
    for p in rows_as_dicts(
        cur.execute(
            "SELECT group_id, problem_id, title, pebbles, rank FROM published_priority "
            "WHERE forum_id = ? ORDER BY group_id, rank",
            [forum_id],
        )
    ):
        published.setdefault(p["group_id"], []).append(p)
    presenters: dict[int, int] = {}
    for group_id, payload in cur.execute(
        "SELECT group_id, payload FROM group_event WHERE forum_id = ? AND kind = 'presenter' ORDER BY id", [forum_id]
    ).fetchall():
        presenters[group_id] = json.loads(payload)["participant_id"]
    names = {}
    if presenters:
        names = {
            r[0]: f"{r[1]} {r[2]}"
            for r in cur.execute(
                "SELECT id, first_name, last_name FROM participant WHERE forum_id = ?", [forum_id]
            ).fetchall()
            if r[0] in set(presenters.values())
        }
    initiatives = {
        (r["group_id"], r["problem_id"]): r
        for r in rows_as_dicts(
            cur.execute(
                "SELECT group_id, problem_id, kind, title, goal, beneficiaries_count, beneficiaries_age, "
                "beneficiaries_specifics FROM initiative WHERE forum_id = ?",
                [forum_id],
            )
        )
    }
    flagged = {
        r[0]
        for r in cur.execute("SELECT id FROM problem WHERE forum_id = ? AND outside_competence", [forum_id]).fetchall()
    }
    results = []
    for g in groups:
        top = published.get(g["id"])
        priorities = tuple(
            {
                "rank": p["rank"],
                "title": p["title"],
                "pebbles": p["pebbles"],
                "problem_id": p["problem_id"],
                "outside_competence": p["problem_id"] in flagged,
                "initiative": _initiative_headline(initiatives.get((g["id"], p["problem_id"]))),
            }
            for p in (top or [])
        )
        results.append(
            GroupResult(
                g["id"],
                g["number"],
                g["name"],
                g["field"],
                g["room"] or "",
                top is not None,
                priorities,
                names.get(presenters.get(g["id"]), ""),
            )
        )
    return results


@dataclass(frozen=True)
class Totals:
    expected: int
    checked_in: int
    walk_ins: int
    problems: int
    pebbles: int
    initiatives: int
    groups_finalised: int
    groups: int


def by_field(results) -> list[tuple[str, list[GroupResult]]]:
    """Groups collected under their field (in order of first group number)."""
    fields: dict[str, list[GroupResult]] = {}
    for r in sorted(results, key=lambda r: r.number):
        fields.setdefault(r.field, []).append(r)
    return list(fields.items())


# The snapshot is made of three parts with their own source tables, so a check-in
# (every few seconds on forum day) recomputes only the arrivals, not the results.
_PARTS = {
    "screen": ("forum", "agenda_phase", "working_group", "plenary_event"),
    "results": ("working_group", "participant", "problem", "pebble_count", "group_event", "initiative"),
    "arrivals": ("working_group", "participant", "checkin_event"),
}

# Every table a snapshot reads (a memo of something made from a snapshot is checked against these).
SNAPSHOT_TABLES = tuple(sorted({table for tables in _PARTS.values() for table in tables}))


def _screen_part(cur, forum_id: int) -> tuple:
    forum = forum_mod.get_forum(cur, forum_id)
    forum = {
        k: forum[k]
        for k in (
            "id",
            "title",
            "municipality",
            "goals",
            "forum_date",
            "venue",
            "start_time",
            "duration_min",
            "priorities_per_group",
        )
    }  # no token secret on screens
    return forum, screen_state(cur, forum_id), tuple(forum_mod.phases(cur, forum_id))


def _results_part(cur, forum_id: int) -> tuple:
    results = tuple(group_results(cur, forum_id))
    problems = cur.execute("SELECT count(*) FROM problem_in_force WHERE forum_id = ?", [forum_id]).fetchone()[0]
    # the count in force for each problem in the main vote (round 0) is its latest event
    pebbles = cur.execute(
        "SELECT coalesce(sum(n), 0) FROM (SELECT arg_max(c.pebbles, c.id) AS n FROM pebble_count c "
        "JOIN problem p ON p.id = c.problem_id WHERE c.forum_id = ? AND c.round = 0 AND p.deleted_at IS NULL "
        "GROUP BY c.problem_id)",
        [forum_id],
    ).fetchone()[0]
    return results, int(problems), int(pebbles)


def _arrivals_part(cur, forum_id: int) -> tuple:
    from forum_core import checkin

    arrivals = tuple(
        {"number": a["number"], "name": a["name"], "expected": a["expected"], "checked_in": a["checked_in"]}
        for a in checkin.arrivals(cur, forum_id)
    )
    walk_ins = cur.execute(
        "SELECT count(*) FROM participant WHERE forum_id = ? AND removed_at IS NULL AND source = 'walk_in'", [forum_id]
    ).fetchone()[0]
    return arrivals, int(walk_ins)


@dataclass(frozen=True)
class Snapshot:
    """Everything a plenary screen or the public page shows, at one moment."""

    forum: dict
    state: ScreenState
    phases: tuple
    groups: tuple[GroupResult, ...]
    arrivals: tuple[dict, ...]
    totals: Totals

    def group(self, group_id: int | None) -> GroupResult | None:
        return next((g for g in self.groups if g.group_id == group_id), None)


def _assemble(screen: tuple, results: tuple, arrivals: tuple) -> Snapshot:
    forum, state, phases = screen
    groups, problems, pebbles = results
    per_group, walk_ins = arrivals
    initiatives = sum(
        1
        for g in groups
        for p in g.priorities
        if p["initiative"] and (p["initiative"]["title"] or p["initiative"]["goal"])
    )
    totals = Totals(
        sum(a["expected"] for a in per_group),
        sum(a["checked_in"] for a in per_group),
        walk_ins,
        problems,
        pebbles,
        initiatives,
        sum(g.finalised for g in groups),
        len(groups),
    )
    return Snapshot(forum, state, phases, groups, per_group, totals)


def build_snapshot(cur, forum_id: int) -> Snapshot:
    """The snapshot read afresh (tests compare it with the cached one)."""
    return _assemble(_screen_part(cur, forum_id), _results_part(cur, forum_id), _arrivals_part(cur, forum_id))


def snapshot(db: Database, forum_id: int) -> Snapshot:
    """The current snapshot; each part is recomputed only after a commit to one of its tables."""
    makers = {"screen": _screen_part, "results": _results_part, "arrivals": _arrivals_part}
    parts = [
        db.read_through(("plenary", name, forum_id), _PARTS[name], lambda cur, make=makers[name]: make(cur, forum_id))
        for name in ("screen", "results", "arrivals")
    ]
    return _assemble(*parts)  # sums over ten groups: cheaper than caching it


def public_results(snap: Snapshot) -> list[dict]:
    """What a phone in the hall may see: finalised priorities and initiative headlines, no person's
    name (presenters neither); nothing while the moderator hides the results (the projector's wall)."""
    if not snap.state.revealed:
        return []
    return [
        {
            "number": g.number,
            "name": g.name,
            "field": g.field,
            "priorities": [
                {
                    "problem_id": p["problem_id"],
                    "rank": p["rank"],
                    "title": p["title"],
                    "pebbles": p["pebbles"],
                    "outside_competence": p["outside_competence"],
                    "initiative": p["initiative"],
                }
                for p in g.priorities
            ],
        }
        for g in snap.groups
        if g.finalised
    ]
