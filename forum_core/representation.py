"""Who was invited, who came and who was there when their group voted: by gender, age band,
community (village) and self-declared needs, against the invitation list.

Three stages of the day, each a set of participants of the forum (removed people left out):

- **invited**: on the invitation list (every participant not registered as a walk-in);
- **checked in**: present now (the ``present_participant`` view: their latest check-in event
  is a check-in, not an undo), walk-ins included — they too were heard;
- **at the vote**: *present at their group's vote*: the participant's working group has
  finalised its vote (the ``finalise`` event in force, ``published_priority``), and at the
  moment of that finalise the participant's latest check-in event (desk or the facilitator's
  "who is here", both are check-in events) was a check-in. That moment is when the group's
  pebble capacity (present × pebbles) is fixed by the ranking. A group still voting adds
  nobody to this stage yet.

For each dimension and category: the counts, each stage's *share* (percent of that stage's
people who are in the category) and the *gap* of a stage's share against the invitation
list's share, in percentage points. A person with several needs counts in each of them
(the ``needs`` shares do not add up to 100). The municipality's population by gender and
age band, when the organizer gave it, is a third column: its share, and the gap of the
vote's share against it.

``public=True`` is for the document and anything published: a category with fewer than 5
people in every stage is pooled into ``other`` (a rare village or need names its people),
every count under 5 is ``None`` ("fewer than 5", with its share and gaps), and when a
stage of a dimension would have exactly one such hidden count, the next smallest is hidden
too (otherwise the total would give it away).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import duckdb

from forum_core import report
from forum_core.db import Actor, Database, Unit
from forum_core.validation import FieldError, Outcome

STAGES = ("invited", "checked_in", "at_vote")
DIMENSIONS = ("gender", "age", "community", "needs")
GENDER_CATEGORIES = ("f", "m", "x", "unknown")
AGE_CATEGORIES = tuple(key for _, _, key in report.AGE_BANDS) + ("unknown",)
POPULATION_CATEGORIES = {"gender": GENDER_CATEGORIES[:3], "age": AGE_CATEGORIES[:-1]}
SMALL = 5  # a group of fewer people is shown as "fewer than 5" in anything public
OTHER = "other"  # the pooled rare categories (public only)
UNKNOWN = "unknown"
ANY_NEED = "any"  # at least one need declared
NO_NEED = "none"
SOURCES = ("participant", "checkin_event", "group_event", "population_figure", "forum")
MAX_POPULATION = 10_000_000
_NEED_SPLIT = re.compile(r"[,;\n]+")


def table(db: Database | duckdb.DuckDBPyConnection, forum_id: int, *, public: bool) -> list[dict]:
    """The representation table of a forum: one dict per dimension and category.

    Keys: ``dimension`` (gender | age | community | needs), ``category`` (f/m/x/unknown,
    an age band key of ``report.AGE_BANDS``, a community as typed, a need as typed in lower
    case, ``any``/``none`` for needs, ``other`` for pooled rare ones, ``unknown``),
    ``invited``, ``checked_in``, ``at_vote`` (counts; ``None`` = fewer than 5, public only),
    ``invited_share``, ``checked_in_share``, ``at_vote_share`` (percent of the stage, one
    decimal, or None), ``checked_in_gap_pp``, ``at_vote_gap_pp`` (share minus the invited
    share, percentage points), ``population_share`` (percent, or None without figures) and
    ``population_gap_pp`` (the vote's share minus the population's share).

    ``db`` is the :class:`Database` (the result is computed once per change of its data: the
    overview refreshes often; do not change it) or a cursor (the documents, read as they are).
    """
    if not isinstance(db, Database):
        return _compute(db, forum_id, public)
    return db.read_through(
        ("representation", forum_id, bool(public)), SOURCES, lambda cur: _compute(cur, forum_id, public)
    )


# --- computing ---------------------------------------------------------------------------------------


def _people(cur, forum_id: int) -> tuple[list[tuple], set[int], set[int], int | None]:
    """Participants (id, gender, birth year, community, needs, walk-in), who is checked in, who
    was present at their group's vote, and the forum's year: one query (a refresh after every
    check-in pays it)."""
    rows = cur.execute(
        """WITH voted AS (
               SELECT DISTINCT group_id, finalised_at FROM published_priority WHERE forum_id = $1),
           at_vote AS (
               SELECT e.participant_id FROM checkin_event e
               JOIN participant p ON p.id = e.participant_id
               JOIN voted v ON v.group_id = p.group_id AND e.happened_at <= v.finalised_at
               WHERE e.forum_id = $1
               GROUP BY e.participant_id HAVING arg_max(e.kind, e.id) = 'check_in')
           SELECT p.id, p.gender, p.birth_year, p.community, p.needs, p.source = 'walk_in',
                  p.id IN (SELECT participant_id FROM present_participant WHERE forum_id = $1),
                  p.id IN (SELECT participant_id FROM at_vote), year(f.forum_date)
           FROM forum f LEFT JOIN participant p ON p.forum_id = f.id AND p.removed_at IS NULL
           WHERE f.id = $1""",
        [forum_id],
    ).fetchall()
    if not rows:
        return [], set(), set(), None
    people = [r[:6] for r in rows if r[0] is not None]
    checked_in = {r[0] for r in rows if r[6]}
    at_vote = {r[0] for r in rows if r[7]}
    return people, checked_in, at_vote, rows[0][8]


def _community(value: str | None) -> str:
    return " ".join((value or "").split()) or UNKNOWN


def needs_of(value: str | None) -> list[str]:
    """The needs a person declared, each as typed in lower case (comma, semicolon or new line apart)."""
    return list(dict.fromkeys(n for n in (" ".join(x.split()).casefold() for x in _NEED_SPLIT.split(value or "")) if n))


def _categories(row: tuple, year: int) -> dict[str, list[str]]:
    _, gender, birth_year, community, needs, _ = row
    declared = needs_of(needs)
    return {
        "gender": [gender if gender in GENDER_CATEGORIES else UNKNOWN],
        "age": [report.age_band(birth_year, year)],
        "community": [_community(community)],
        "needs": ([ANY_NEED, *declared] if declared else [NO_NEED]),
    }


def population(cur, forum_id: int) -> dict[str, dict[str, int]]:
    """dimension -> category -> people, as the organizer gave them (empty if not given)."""
    out: dict[str, dict[str, int]] = {}
    for dimension, category, people in cur.execute(
        "SELECT dimension, category, people FROM population_figure WHERE forum_id = ? ORDER BY dimension, category",
        [forum_id],
    ).fetchall():
        out.setdefault(dimension, {})[category] = people
    return out


def _share(count: int | None, total: int) -> float | None:
    return None if count is None or not total else round(100.0 * count / total, 1)


def _gap(share: float | None, base: float | None) -> float | None:
    return None if share is None or base is None else round(share - base, 1)


def _compute(cur, forum_id: int, public: bool) -> list[dict]:
    rows, checked_in, at_vote, year = _people(cur, forum_id)
    if year is None:
        return []
    members = {
        "invited": [r for r in rows if not r[5]],
        "checked_in": [r for r in rows if r[0] in checked_in],
        "at_vote": [r for r in rows if r[0] in at_vote],
    }
    totals = {stage: len(people) for stage, people in members.items()}
    of_person = {r[0]: _categories(r, year) for r in rows if not r[5] or r[0] in checked_in}
    counts = _count(members, of_person)
    if public:
        # Rare communities and needs are people's own words that point at their people: they
        # become "other", counted once per person (a person with two rare needs is one).
        rare = {d: _rare(counts[d]) for d in ("community", "needs")}
        if any(rare.values()):
            for cats in of_person.values():
                for dimension, names in rare.items():
                    if names:
                        cats[dimension] = list(dict.fromkeys(OTHER if c in names else c for c in cats[dimension]))
            counts = _count(members, of_person)
    figures = population(cur, forum_id)
    out = []
    for dimension in DIMENSIONS:
        by_stage = counts[dimension]
        pop = figures.get(dimension) or {}
        pop_total = sum(pop.values())
        block = []
        for category in _order(dimension, by_stage):
            row: dict[str, Any] = {"dimension": dimension, "category": category}
            for stage in STAGES:
                row[stage] = by_stage[stage][category]
            row["population_share"] = _share(pop.get(category), pop_total) if pop_total else None
            block.append(row)
        if public:
            _suppress(block)
        for row in block:
            for stage in STAGES:
                row[f"{stage}_share"] = _share(row[stage], totals[stage])
            for stage in STAGES[1:]:
                row[f"{stage}_gap_pp"] = _gap(row[f"{stage}_share"], row["invited_share"])
            row["population_gap_pp"] = _gap(row["at_vote_share"], row["population_share"])
        out += block
    return out


def _count(members: dict[str, list[tuple]], of_person: dict[int, dict[str, list[str]]]) -> dict:
    """dimension -> stage -> Counter of categories (one pass per stage, counted in C)."""
    counts: dict[str, dict[str, Counter]] = {d: {s: Counter() for s in STAGES} for d in DIMENSIONS}
    for stage, people in members.items():
        tally = Counter((d, c) for row in people for d, cats in of_person[row[0]].items() for c in cats)
        for (dimension, category), n in tally.items():
            counts[dimension][stage][category] = n
    return counts


def _rare(by_stage: dict[str, Counter]) -> set[str]:
    """Categories with fewer than 5 people in every stage (unknown, any and none are kept)."""
    keep = {UNKNOWN, ANY_NEED, NO_NEED}
    names = {c for stage in STAGES for c in by_stage[stage]}
    return {c for c in names if c not in keep and all(by_stage[s][c] < SMALL for s in STAGES)}


def _order(dimension: str, by_stage: dict[str, Counter]) -> list[str]:
    """Fixed orders for gender and age; communities and needs by how many were invited."""
    seen = {c for stage in STAGES for c, n in by_stage[stage].items() if n}
    if dimension == "gender":
        return [c for c in GENDER_CATEGORIES if c in seen]
    if dimension == "age":
        return [c for c in AGE_CATEGORIES if c in seen]
    last = (OTHER, UNKNOWN, NO_NEED)
    named = sorted(
        (c for c in seen if c not in last and c != ANY_NEED),
        key=lambda c: (-by_stage["invited"][c], -by_stage["checked_in"][c], c),
    )
    first = [ANY_NEED] if ANY_NEED in seen else []
    return first + named + [c for c in last if c in seen]


def _suppress(block: list[dict]) -> None:
    """Counts under 5 become None. Where the categories split the stage's people (gender, age,
    community; for needs: "any" and "none"), a stage with exactly one hidden count hides the
    next smallest too, or the stage's total would give it away."""
    if block and block[0]["dimension"] == "needs":
        partition = [r for r in block if r["category"] in (ANY_NEED, NO_NEED)]
    else:
        partition = block
    for stage in STAGES:
        hidden = [r for r in partition if r[stage] < SMALL]
        if len(hidden) == 1:
            shown = sorted((r for r in partition if r[stage] >= SMALL), key=lambda r: r[stage])
            if shown:
                shown[0][stage] = 0  # below SMALL: hidden with the others below
        for r in block:
            if r[stage] is not None and r[stage] < SMALL:
                r[stage] = None


# --- the municipality's population figures -------------------------------------------------------------


def validate_population(raw: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, int]], list[FieldError]]:
    """``{"gender": {"f": 12000, ...}, "age": {...}}`` as typed; empty cells are left out."""
    errors: list[FieldError] = []
    clean: dict[str, dict[str, int]] = {}
    for dimension, values in (raw or {}).items():
        if dimension not in POPULATION_CATEGORIES or not isinstance(values, dict):
            errors.append(FieldError("population", "bad_choice"))
            continue
        for category, value in values.items():
            if category not in POPULATION_CATEGORIES[dimension]:
                errors.append(FieldError("population", "bad_choice"))
                continue
            if value is None or (isinstance(value, str) and not value.strip()) or value != value:
                continue
            try:
                number = int(str(value).strip().replace(" ", "").replace(",", ""))
            except ValueError:
                errors.append(FieldError("population", "not_a_number"))
                continue
            if not 0 <= number <= MAX_POPULATION:
                errors.append(FieldError("population", "out_of_range", {"min": 0, "max": MAX_POPULATION}))
                continue
            clean.setdefault(dimension, {})[category] = number
    return clean, errors


def parse_population_csv(data: bytes) -> tuple[dict[str, dict[str, int]], list[FieldError]]:
    """A small CSV: ``dimension,category,people`` (gender f/m/x, age the bands' keys), UTF-8."""
    import csv
    import io

    if len(data) > 64 * 1024:
        return {}, [FieldError("population", "file_too_large")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}, [FieldError("population", "bad_encoding")]
    raw: dict[str, dict[str, Any]] = {}
    errors: list[FieldError] = []
    first_line = text.splitlines()[0] if text.strip() else ""
    dialect = csv.excel_tab if "\t" in first_line else csv.excel
    for n, line in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [c.strip() for c in line]
        if not any(cells) or (n == 1 and cells[:1] == ["dimension"]):
            continue
        if len(cells) < 3:
            errors.append(FieldError("population", "required"))
            continue
        raw.setdefault(cells[0].casefold(), {})[cells[1].casefold()] = cells[2]
    clean, more = validate_population(raw)
    return clean, errors + more


def population_template() -> bytes:
    """The CSV the organizer fills in: one line per category, people left empty."""
    lines = ["dimension,category,people"] + [
        f"{dimension},{category}," for dimension, categories in POPULATION_CATEGORIES.items() for category in categories
    ]
    return ("\n".join(lines) + "\n").encode()


def save_population(db: Database, actor: Actor, forum_id: int, figures: dict[str, dict[str, Any]]) -> Outcome:
    """Replace the forum's population figures (those given; an empty dict clears them)."""
    clean, errors = validate_population(figures)
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        if unit.execute("SELECT 1 FROM forum WHERE id = ?", [forum_id]).fetchone() is None:
            return Outcome(False, "not_found")
        before = population(unit.cur, forum_id)
        if before == clean:
            return Outcome(True, "unchanged")
        unit.delete("population_figure", "forum_id = ?", [forum_id])
        for dimension, values in clean.items():
            for category, people in values.items():
                unit.insert(
                    "population_figure",
                    {
                        "forum_id": forum_id,
                        "dimension": dimension,
                        "category": category,
                        "people": people,
                        "updated_at": unit.now,
                    },
                )
        unit.audit("population_figure", forum_id, before, clean, forum_id)
        return Outcome(True, "saved")

    return db.attempt(actor, "population.save", work)
