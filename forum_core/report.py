"""After the forum: the committee's recommendations, the mayor's answers and the forum in numbers.

Recommendations are made from the groups' published priorities (``sync``), never retyped.
The committee's wording is kept apart from the groups' own words: ``wording`` is empty
while the recommendation says what the group said. Merging points a recommendation at
the one it joined (``merged_into``), so a merge can be undone and the joined one keeps
every group it came from. The mayor's answers at the reporting forum are appended; the
latest one counts. The two PDFs are in :mod:`forum_core.report_pdf`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from forum_core import checkin
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.db import Actor, Database, Unit, one_as_dict, rows_as_dicts
from forum_core.validation import FieldError, Outcome, check_amount, check_text

STATUSES = ("included", "partly", "not_included", "outside_competence")
FUNDED = ("included", "partly")
AGE_BANDS = ((0, 24, "under_25"), (25, 34, "25_34"), (35, 49, "35_49"), (50, 64, "50_64"), (65, 200, "65_plus"))
MAX_AMOUNT = Decimal("999999999999")
REPORT_TABLES = (
    "recommendation",
    "recommendation_source",
    "recommendation_answer",
    "group_event",
    "problem",
    "initiative",
    "working_group",
)


# --- the groups' published priorities ------------------------------------------------------------


def published_priorities(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[dict]:
    """Every finalised group's priorities in group order: group fields, rank, title, pebbles, problem
    (the ``published_priority`` view)."""
    return rows_as_dicts(
        cur.execute(
            "SELECT p.group_id, g.number AS group_number, g.name AS group_name, g.field, p.problem_id, p.rank, "
            "p.title, p.pebbles FROM published_priority p JOIN working_group g ON g.id = p.group_id "
            "WHERE p.forum_id = ? ORDER BY g.number, p.rank",
            [forum_id],
        )
    )


def sync(db: Database, actor: Actor, forum_id: int) -> Outcome:
    """Make a recommendation for each published priority that is not yet in one (``unchanged`` if none)."""

    def work(unit: Unit) -> Outcome:
        taken = {
            r[0]
            for r in unit.execute(
                "SELECT problem_id FROM recommendation_source WHERE forum_id = ?", [forum_id]
            ).fetchall()
        }
        missing = [p for p in published_priorities(unit.cur, forum_id) if p["problem_id"] not in taken]
        if not missing:
            return Outcome(True, "unchanged")
        last = unit.execute(
            "SELECT coalesce(max(position), 0) FROM recommendation WHERE forum_id = ?", [forum_id]
        ).fetchone()[0]
        for n, p in enumerate(missing, start=1):
            rec_id = unit.write(
                "recommendation",
                "INSERT INTO recommendation (forum_id, position, wording, created_at, updated_at) "
                "VALUES (?, ?, '', ?, ?) RETURNING id",
                [forum_id, last + n, unit.now, unit.now],
            ).fetchone()[0]
            unit.write(
                "recommendation_source",
                "INSERT INTO recommendation_source (recommendation_id, forum_id, group_id, problem_id) "
                "VALUES (?, ?, ?, ?)",
                [rec_id, forum_id, p["group_id"], p["problem_id"]],
            )
            unit.audit(
                "recommendation",
                rec_id,
                None,
                {"group_id": p["group_id"], "problem_id": p["problem_id"], "title": p["title"]},
                forum_id,
            )
        return Outcome(True, "added", value=len(missing))

    return db.attempt(actor, "report.sync", work)


# --- reading recommendations -----------------------------------------------------------------------


def _answers(cur, forum_id: int) -> dict[int, dict]:
    rows = rows_as_dicts(
        cur.execute(
            "SELECT recommendation_id, status, program_code, amount, reason, happened_at FROM recommendation_answer "
            "WHERE forum_id = ? ORDER BY id",
            [forum_id],
        )
    )
    return {r["recommendation_id"]: r for r in rows}  # the latest answer counts


def recommendations(cur: duckdb.DuckDBPyConnection, forum_id: int, with_merged: bool = False) -> list[dict]:
    """The committee's list in its order. Each has ``text`` (the wording in force), ``original``
    (the groups' own words), ``sources`` (group, rank, title, pebbles, whether still a priority),
    ``groups`` (numbers), ``answer`` (the latest, or None) and ``stale`` (no source is a priority now)."""
    recs = rows_as_dicts(
        cur.execute(
            "SELECT id, position, wording, merged_into FROM recommendation WHERE forum_id = ? ORDER BY position, id",
            [forum_id],
        )
    )
    by_id = {r["id"]: r for r in recs}
    current = {p["problem_id"]: p for p in published_priorities(cur, forum_id)}
    problems = {
        r["id"]: r
        for r in rows_as_dicts(
            cur.execute(
                "SELECT p.id, p.title, p.group_id, g.number AS group_number, g.name AS group_name, g.field "
                "FROM problem p JOIN working_group g ON g.id = p.group_id WHERE p.forum_id = ?",
                [forum_id],
            )
        )
    }
    own_sources: dict[int, list[dict]] = {}
    for rec_id, problem_id in cur.execute(
        "SELECT recommendation_id, problem_id FROM recommendation_source WHERE forum_id = ? "
        "ORDER BY recommendation_id, problem_id",
        [forum_id],
    ).fetchall():
        p = problems.get(problem_id, {"title": "", "group_number": None, "group_name": "", "field": ""})
        now = current.get(problem_id)
        own_sources.setdefault(rec_id, []).append(
            {
                "problem_id": problem_id,
                "group_number": p["group_number"],
                "group_name": p["group_name"],
                "field": p["field"],
                "title": now["title"] if now else p["title"],
                "rank": now["rank"] if now else None,
                "pebbles": now["pebbles"] if now else None,
                "still_priority": now is not None,
            }
        )

    def root(rec_id: int) -> int:
        seen = set()
        while by_id[rec_id]["merged_into"] in by_id and rec_id not in seen:
            seen.add(rec_id)
            rec_id = by_id[rec_id]["merged_into"]
        return rec_id

    merged_members: dict[int, list[int]] = {}
    for r in recs:
        if r["merged_into"] is not None:
            merged_members.setdefault(root(r["id"]), []).append(r["id"])
    answers = _answers(cur, forum_id)
    out = []
    for r in recs:
        if r["merged_into"] is not None and not with_merged:
            continue
        sources = list(own_sources.get(r["id"], []))
        for member in merged_members.get(r["id"], []):
            sources += own_sources.get(member, [])
        sources.sort(key=lambda s: (s["group_number"] or 0, s["rank"] or 99))
        original = " / ".join(dict.fromkeys(s["title"] for s in sources if s["title"]))
        out.append(
            {
                "id": r["id"],
                "position": r["position"],
                "wording": r["wording"],
                "text": r["wording"] or original,
                "original": original,
                "edited": bool(r["wording"]),
                "merged_into": r["merged_into"],
                "merged": merged_members.get(r["id"], []),
                "merged_texts": {
                    m: by_id[m]["wording"] or " / ".join(s["title"] for s in own_sources.get(m, []))
                    for m in merged_members.get(r["id"], [])
                },
                "sources": sources,
                "groups": sorted({s["group_number"] for s in sources if s["group_number"]}),
                "pebbles": sum(s["pebbles"] or 0 for s in sources),
                "stale": not any(s["still_priority"] for s in sources),
                "answer": answers.get(r["id"]),
            }
        )
    return out


def for_document(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[dict]:
    """The recommendations that go into the documents: not merged away, still someone's priority."""
    return [r for r in recommendations(cur, forum_id) if not r["stale"]]


def status_by_problem(cur: duckdb.DuckDBPyConnection, forum_id: int) -> dict[int, dict]:
    """problem id -> the latest answer of the recommendation it ended up in (for the public page)."""
    if cur.execute("SELECT 1 FROM recommendation_answer WHERE forum_id = ? LIMIT 1", [forum_id]).fetchone() is None:
        return {}  # the forum day itself: nothing answered yet, nothing to work out
    return {pid: rec["answer"] for pid, rec in by_problem(recommendations(cur, forum_id)).items() if rec["answer"]}


def by_problem(recs: list[dict]) -> dict[int, dict]:
    """problem id -> the recommendation (of ``recs``) it ended up in."""
    return {s["problem_id"]: rec for rec in recs for s in rec["sources"]}


def published_now(db: Database, forum_id: int) -> list[dict]:
    """:func:`published_priorities`, computed once per change of the groups' decisions."""
    return db.read_through(
        ("published", forum_id), ("group_event", "working_group"), lambda cur: published_priorities(cur, forum_id)
    )


def recommendations_now(db: Database, forum_id: int) -> list[dict]:
    """:func:`recommendations`, computed once per change (the report page reruns on every edit)."""
    return db.read_through(("recommendations", forum_id), REPORT_TABLES, lambda cur: recommendations(cur, forum_id))


def unmade(db: Database, forum_id: int) -> int:
    """How many published priorities are in no recommendation yet (then :func:`sync` has work)."""
    taken = {s["problem_id"] for r in recommendations_now(db, forum_id) for s in r["sources"]}
    return sum(p["problem_id"] not in taken for p in published_now(db, forum_id))


def public_statuses(db: Database, forum_id: int) -> dict[int, dict]:
    """:func:`status_by_problem`, computed once per change for every phone asking."""
    return db.read_through(("report_status", forum_id), REPORT_TABLES, lambda cur: status_by_problem(cur, forum_id))


# --- the committee's edits -------------------------------------------------------------------------


def _rec(unit: Unit, rec_id: int) -> dict | None:
    return one_as_dict(unit.execute("SELECT * FROM recommendation WHERE id = ?", [rec_id]))


def _named(unit: Unit, rec_id: int | None, own_words: bool = True) -> str | None:
    """A recommendation as the audit trail names it: the committee's words (``own_words``), else its
    groups' titles; its id said nothing to a reader ("merged: — → 4")."""
    if rec_id is None:
        return None
    row = unit.execute(
        "SELECT r.wording, string_agg(p.title, ' / ' ORDER BY p.id) FROM recommendation r "
        "LEFT JOIN recommendation_source s ON s.recommendation_id = r.id "
        "LEFT JOIN problem p ON p.id = s.problem_id WHERE r.id = ? GROUP BY r.id, r.wording",
        [rec_id],
    ).fetchone()
    if row is None:
        return None
    return (row[0] if own_words else None) or row[1] or ""


def edit_wording(db: Database, actor: Actor, rec_id: int, wording: Any) -> Outcome:
    """The committee's words for a recommendation; empty text goes back to the groups' words."""
    errors: list[FieldError] = []
    text = check_text(errors, "wording", wording, "text", multiline=True)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        rec = _rec(unit, rec_id)
        if rec is None:
            return Outcome(False, "not_found")
        if rec["wording"] == text:
            return Outcome(True, "unchanged")
        unit.write(
            "recommendation",
            "UPDATE recommendation SET wording = ?, updated_at = ? WHERE id = ?",
            [text, unit.now, rec_id],
        )
        named = _named(unit, rec_id, own_words=False)
        unit.audit(
            "recommendation",
            rec_id,
            {"wording": rec["wording"]},
            {"recommendation": named, "wording": text},
            rec["forum_id"],
        )
        return Outcome(True, "saved")

    return db.attempt(actor, "report.edit", work)


def merge(db: Database, actor: Actor, keep_id: int, merge_id: int) -> Outcome:
    """Join ``merge_id`` into ``keep_id``: one recommendation that names every group of both."""

    def work(unit: Unit) -> Outcome:
        keep, other = _rec(unit, keep_id), _rec(unit, merge_id)
        if keep is None or other is None or keep["forum_id"] != other["forum_id"]:
            return Outcome(False, "not_found")
        if keep_id == merge_id or keep["merged_into"] is not None or other["merged_into"] is not None:
            return Outcome(False, "cannot_merge")
        unit.write(
            "recommendation",
            "UPDATE recommendation SET merged_into = ?, updated_at = ? WHERE id = ?",
            [keep_id, unit.now, merge_id],
        )
        # what was merged into the other one now belongs to the one kept
        unit.write(
            "recommendation",
            "UPDATE recommendation SET merged_into = ?, updated_at = ? WHERE merged_into = ?",
            [keep_id, unit.now, merge_id],
        )
        named = {"recommendation": _named(unit, merge_id), "merged_into": _named(unit, keep_id)}
        unit.audit("recommendation", merge_id, {"merged_into": None}, named, keep["forum_id"])
        return Outcome(True, "merged")

    return db.attempt(actor, "report.merge", work)


def unmerge(db: Database, actor: Actor, rec_id: int) -> Outcome:
    """Take a merged recommendation out again, back to its own place in the list."""

    def work(unit: Unit) -> Outcome:
        rec = _rec(unit, rec_id)
        if rec is None:
            return Outcome(False, "not_found")
        if rec["merged_into"] is None:
            return Outcome(True, "unchanged")
        unit.write(
            "recommendation",
            "UPDATE recommendation SET merged_into = NULL, updated_at = ? WHERE id = ?",
            [unit.now, rec_id],
        )
        before = {"merged_into": _named(unit, rec["merged_into"])}
        unit.audit(
            "recommendation",
            rec_id,
            before,
            {"recommendation": _named(unit, rec_id), "merged_into": None},
            rec["forum_id"],
        )
        return Outcome(True, "unmerged")

    return db.attempt(actor, "report.merge", work)


def move(db: Database, actor: Actor, rec_id: int, step: int) -> Outcome:
    """Move a recommendation up (-1) or down (+1) among those shown."""

    def work(unit: Unit) -> Outcome:
        rec = _rec(unit, rec_id)
        if rec is None:
            return Outcome(False, "not_found")
        order = [
            r[0]
            for r in unit.execute(
                "SELECT id FROM recommendation WHERE forum_id = ? AND merged_into IS NULL ORDER BY position, id",
                [rec["forum_id"]],
            ).fetchall()
        ]
        if rec_id not in order:
            return Outcome(False, "not_found")
        index = order.index(rec_id)
        target = index + (1 if step > 0 else -1)
        if not 0 <= target < len(order):
            return Outcome(True, "unchanged")
        order[index], order[target] = order[target], order[index]
        for position, rid in enumerate(order, start=1):
            unit.write("recommendation", "UPDATE recommendation SET position = ? WHERE id = ?", [position, rid])
        after = {"recommendation": _named(unit, rec_id), "place": target + 1}
        unit.audit("recommendation", rec_id, {"place": index + 1}, after, rec["forum_id"])
        return Outcome(True, "moved")

    return db.attempt(actor, "report.order", work)


def set_organizers(db: Database, actor: Actor, forum_id: int, text: Any) -> Outcome:
    """Who organised the forum, for the cover of the documents."""
    errors: list[FieldError] = []
    value = check_text(errors, "organizers", text, "note")
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        before = unit.execute("SELECT organizers FROM forum WHERE id = ?", [forum_id]).fetchone()
        if before is None:
            return Outcome(False, "not_found")
        if before[0] == value:
            return Outcome(True, "unchanged")
        unit.write("forum", "UPDATE forum SET organizers = ?, updated_at = ? WHERE id = ?", [value, unit.now, forum_id])
        unit.audit("forum", forum_id, {"organizers": before[0]}, {"organizers": value}, forum_id)
        return Outcome(True, "saved")

    return db.attempt(actor, "report.organizers", work)


# --- the reporting forum: the mayor's answers --------------------------------------------------------


def money(amount, lang: str) -> str:
    """An amount in lari as every page and document in ``lang`` shows it: thousands apart by an
    unbroken space (a line never ends inside an amount: "1 200 000 / ₾" was seen in a PDF), the tetri
    only when there are some, after a comma in Georgian and a point in English (12 500,50 and
    12 500.50: the Georgian help said a comma while the pages showed a point)."""
    if amount is None:
        return ""
    text = f"{Decimal(amount):,.2f}"
    whole, tetri = text[:-3].replace(",", "\u00a0"), text[-2:]  # unbroken: never cut across two lines
    if tetri == "00":
        return whole
    return whole + ("," if lang == "ka" else ".") + tetri


def lari(amount, lang: str) -> str | None:
    """An amount with the lari's sign ("12 500,50 ₾" in Georgian), or None where there is none."""
    return None if amount is None else f"{money(amount, lang)}\u00a0₾"


def validate_answer(raw: dict) -> tuple[dict | None, list[FieldError]]:
    errors: list[FieldError] = []
    status = raw.get("status")
    if status not in STATUSES:
        errors.append(FieldError("status", "required"))
    program_code = check_text(errors, "program_code", raw.get("program_code"), "short")
    amount = check_amount(errors, "amount", raw.get("amount"), MAX_AMOUNT)
    reason = check_text(errors, "reason", raw.get("reason"), "note", multiline=True)
    if status in ("not_included", "outside_competence") and amount:
        errors.append(FieldError("amount", "amount_without_funding"))
    if errors:
        return None, errors
    return {"status": status, "program_code": program_code, "amount": amount, "reason": reason}, []


def record_answer(db: Database, actor: Actor, rec_id: int, raw: dict) -> Outcome:
    """The mayor's answer to one recommendation (status, budget program code, amount, reason)."""
    answer, errors = validate_answer(raw)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        rec = _rec(unit, rec_id)
        if rec is None or rec["merged_into"] is not None:
            return Outcome(False, "not_found")
        before = one_as_dict(
            unit.execute(
                "SELECT status, program_code, amount, reason FROM recommendation_answer WHERE recommendation_id = ? "
                "ORDER BY id DESC LIMIT 1",
                [rec_id],
            )
        )
        if before == answer:
            return Outcome(True, "unchanged")
        unit.write(
            "recommendation_answer",
            "INSERT INTO recommendation_answer (forum_id, recommendation_id, status, program_code, amount, "
            "reason, happened_at, role, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                rec["forum_id"],
                rec_id,
                answer["status"],
                answer["program_code"],
                answer["amount"],
                answer["reason"],
                unit.now,
                unit.actor.role,
                unit.actor.device,
            ],
        )
        named = {"recommendation": _named(unit, rec_id), **answer}
        unit.audit("recommendation_answer", rec_id, before, named, rec["forum_id"])
        # saved, but the report to participants would say "included" with no amount: said, not refused
        # (the amount may not be known yet when the draft budget is first read out)
        unfunded = answer["status"] in FUNDED and answer["amount"] is None
        return Outcome(True, "saved", warnings=(FieldError("amount", "funded_without_amount"),) if unfunded else ())

    return db.attempt(actor, "report.answer", work)


def record_answers(db: Database, actor: Actor, rows: list[dict]) -> dict[Any, Outcome]:
    """The answers of a whole table as typed (``id``, ``n`` its place, status, program_code, amount,
    reason): rows left empty are skipped, each other row is recorded (``unchanged`` if it says
    what is stored). Returns each recorded row's outcome by its place."""
    outcomes = {}
    for row in rows:
        filled = row.get("status") or any(
            v not in (None, "") and not (isinstance(v, float) and v != v)
            for v in (row.get("program_code"), row.get("amount"), row.get("reason"))
        )
        if filled:
            outcomes[row.get("n", row["id"])] = record_answer(db, actor, row["id"], row)
    return outcomes


# --- the forum in numbers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Numbers:
    invited: int
    came: int
    walk_ins: int
    per_group: list[dict]  # number, name, invited, came
    by_gender: list[tuple[str, int]]  # f | m | x | unknown, of those who came
    by_age: list[tuple[str, int]]  # AGE_BANDS keys and unknown
    by_community: list[tuple[str, int]]


def age_band(birth_year: int | None, year: int) -> str:
    if not birth_year:
        return "unknown"
    age = year - birth_year
    return next((key for low, high, key in AGE_BANDS if low <= age <= high), "unknown")


def forum_in_numbers(cur: duckdb.DuckDBPyConnection, forum_id: int) -> Numbers:
    forum = forum_mod.get_forum(cur, forum_id)
    came_ids = checkin.checked_in_ids(cur, forum_id)
    people = rows_as_dicts(
        cur.execute(
            "SELECT p.id, p.group_id, p.gender, p.birth_year, p.community, p.source FROM participant p "
            "WHERE p.forum_id = ? AND p.removed_at IS NULL",
            [forum_id],
        )
    )
    came = [p for p in people if p["id"] in came_ids]
    per_group = []
    for g in forum_mod.groups(cur, forum_id):
        mine = [p for p in people if p["group_id"] == g["id"]]
        per_group.append(
            {
                "number": g["number"],
                "name": g["name"],
                "invited": sum(p["source"] != "walk_in" for p in mine),
                "came": sum(p["id"] in came_ids for p in mine),
            }
        )
    gender = Counter(p["gender"] or "unknown" for p in came)
    age = Counter(age_band(p["birth_year"], forum["forum_date"].year) for p in came)
    community = Counter((p["community"] or "").strip() or "" for p in came)
    unknown_community = community.pop("", 0)
    return Numbers(
        invited=sum(p["source"] != "walk_in" for p in people),
        came=len(came),
        walk_ins=sum(p["source"] == "walk_in" for p in came),
        per_group=per_group,
        by_gender=[(k, gender[k]) for k in ("f", "m", "x", "unknown") if gender[k]],
        by_age=[(key, age[key]) for _, _, key in AGE_BANDS if age[key]]
        + ([("unknown", age["unknown"])] if age["unknown"] else []),
        by_community=sorted(community.items(), key=lambda kv: (-kv[1], kv[0]))
        + ([("", unknown_community)] if unknown_community else []),
    )


# --- what the annexes list ----------------------------------------------------------------------------


def outside_competence(cur: duckdb.DuckDBPyConnection, forum_id: int) -> list[dict]:
    """Problems the experts flagged as outside the municipality's competence, with their notes."""
    return rows_as_dicts(
        cur.execute(
            "SELECT g.number AS group_number, g.name AS group_name, g.field, g.expert, p.title, p.detail, "
            "p.competence_note FROM problem_in_force p JOIN working_group g ON g.id = p.group_id "
            "WHERE p.forum_id = ? AND p.outside_competence "
            "ORDER BY g.number, p.id",
            [forum_id],
        )
    )


def every_problem(cur: duckdb.DuckDBPyConnection, forum_id: int) -> dict[int, list[dict]]:
    """group id -> every problem raised (rank, title, pebbles), as the group's vote ranks them."""
    forum = forum_mod.get_forum(cur, forum_id)
    out = {}
    for g in forum_mod.groups(cur, forum_id):
        result = dl.ranking(cur, forum, g["id"])
        out[g["id"]] = [
            {"rank": r.rank, "title": r.title, "pebbles": r.pebbles, "outside_competence": r.outside_competence}
            for r in result.ranked
        ]
    return out
