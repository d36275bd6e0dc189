"""The pebble vote's rules: a pure function from problems and counts to the ranking.

How the ranking works (:func:`rank`): problems merged into another add their
pebbles to it and drop out; problems flagged as outside the municipality's
competence are left out of the vote unless the forum allows them (then they carry
a mark). The rest are ordered by pebbles. If problems with equal pebbles straddle
the cut line (say two share 5th place), that is a tie: the group re-votes among
them (a new round, counted the same way) or the facilitator records a decision
with a reason. Problems without pebbles never become priorities. Within equal
standing the earlier-recorded problem comes first, so the order is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ranked:
    problem_id: int
    title: str
    pebbles: int
    rank: int
    basis: str  # pebbles | revote | decision
    outside_competence: bool
    revote_pebbles: int | None = None


@dataclass
class Ranking:
    ranked: list[Ranked]  # every problem in the vote, in order
    top: list[Ranked]  # the priorities (resolved part)
    tie: list[int] = field(default_factory=list)  # problem ids tied across the cut line
    tie_places: int = 0  # how many of them can go in
    tie_round: int = 0  # the re-vote round in progress for this tie, if any
    excluded: list[int] = field(default_factory=list)  # flagged and left out of the vote
    total: int = 0  # pebbles counted in the main vote
    capacity: int | None = None  # present x pebbles per person
    slots: int = 5

    @property
    def over_by(self) -> int:
        return max(0, self.total - self.capacity) if self.capacity is not None else 0

    @property
    def complete(self) -> bool:
        return not self.tie


def rank(
    problem_rows: list[dict],
    pebble_counts: dict[tuple[int, int], int],
    slots: int,
    flagged_in_vote: bool,
    group_events: list[dict],
    capacity: int | None = None,
) -> Ranking:
    """The ranking as the module docstring describes; a pure function of the recorded data."""
    merged_into = {p["id"]: p["merged_into"] for p in problem_rows}

    def root(pid: int) -> int:
        seen = set()
        while merged_into.get(pid) is not None and pid not in seen:
            seen.add(pid)
            pid = merged_into[pid]
        return pid

    pebbles: dict[int, int] = {}
    for p in problem_rows:
        pebbles[root(p["id"])] = pebbles.get(root(p["id"]), 0) + pebble_counts.get((p["id"], 0), 0)
    active = [p for p in problem_rows if p["merged_into"] is None]
    excluded = [p["id"] for p in active if p["outside_competence"] and not flagged_in_vote]
    voting = [p for p in active if p["id"] not in excluded]
    total = sum(pebble_counts.get((p["id"], 0), 0) for p in problem_rows)
    ordered = sorted(voting, key=lambda p: (-pebbles[p["id"]], p["id"]))
    by_id = {p["id"]: p for p in voting}

    revotes = [e for e in group_events if e["kind"] == "revote"]
    decisions = [e for e in group_events if e["kind"] == "tie_decision"]

    top_ids: list[tuple[int, str, int | None]] = []
    tie: list[int] = []
    tie_places = 0
    tie_round = 0
    candidates = [p["id"] for p in ordered if pebbles[p["id"]] > 0]
    # walk groups of equal pebbles
    index = 0
    while index < len(candidates) and len(top_ids) < slots:
        value = pebbles[candidates[index]]
        group = [pid for pid in candidates[index:] if pebbles[pid] == value]
        index += len(group)
        places = slots - len(top_ids)
        if len(group) <= places:
            top_ids += [(pid, "pebbles", None) for pid in group]
            continue
        chosen, tie, tie_round = _break_tie(group, places, revotes, decisions, pebble_counts)
        top_ids += chosen
        tie_places = places - len(chosen) if tie else 0
        break

    top = [
        Ranked(pid, by_id[pid]["title"], pebbles[pid], n, basis, bool(by_id[pid]["outside_competence"]), rv)
        for n, (pid, basis, rv) in enumerate(top_ids, start=1)
    ]
    in_top = {r.problem_id for r in top}
    rest = [
        Ranked(p["id"], p["title"], pebbles[p["id"]], len(top) + n, "pebbles", bool(p["outside_competence"]))
        for n, p in enumerate([p for p in ordered if p["id"] not in in_top], start=1)
    ]
    return Ranking(top + rest, top, tie, tie_places, tie_round, excluded, total, capacity, slots)


def _break_tie(
    group: list[int], places: int, revotes: list[dict], decisions: list[dict], pebble_counts: dict[tuple[int, int], int]
) -> tuple[list[tuple[int, str, int | None]], list[int], int]:
    """Resolve ``group`` (equal pebbles) competing for ``places``; return chosen, still tied, open round."""
    chosen: list[tuple[int, str, int | None]] = []
    tied = sorted(group)
    while True:
        key = sorted(tied)
        # the latest decision for exactly this tie wins
        decision = next(
            (
                d
                for d in reversed(decisions)
                if sorted(d["payload"]["tied"]) == key and len(d["payload"]["chosen"]) == places
            ),
            None,
        )
        revote = next((r for r in reversed(revotes) if sorted(r["payload"]["tied"]) == key), None)
        if decision is not None and (revote is None or decision["id"] > revote["id"]):
            order = [pid for pid in decision["payload"]["chosen"] if pid in tied]
            return chosen + [(pid, "decision", None) for pid in order], [], 0
        if revote is None:
            return chosen, tied, 0
        round_ = revote["payload"]["round"]
        votes = {pid: pebble_counts.get((pid, round_), 0) for pid in tied}
        if not any((pid, round_) in pebble_counts for pid in tied):
            return chosen, tied, round_
        ordered = sorted(tied, key=lambda pid: (-votes[pid], pid))
        index = 0
        while index < len(ordered) and places > 0:
            value = votes[ordered[index]]
            same = [pid for pid in ordered[index:] if votes[pid] == value]
            index += len(same)
            if len(same) <= places:
                chosen += [(pid, "revote", votes[pid]) for pid in same]
                places -= len(same)
                continue
            tied = same
            break
        else:
            return chosen, [], 0
        if places == 0:
            return chosen, [], 0
