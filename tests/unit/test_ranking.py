"""The pebble vote's rules (forum_core.ranking), pure: no database."""

from forum_core.ranking import rank


def rows(*specs):
    """specs: (id, merged_into, flagged)"""
    return [{"id": i, "title": f"p{i}", "merged_into": m, "outside_competence": f} for i, m, f in specs]


def plain(n):
    return rows(*[(i, None, False) for i in range(1, n + 1)])


def top_ids(r):
    return [x.problem_id for x in r.top]


# --- the ranking, pure ------------------------------------------------------------------


def test_order_by_pebbles_then_recording_order():
    counts = {(1, 0): 3, (2, 0): 9, (3, 0): 3, (4, 0): 7, (5, 0): 1, (6, 0): 0, (7, 0): 5}
    r = rank(plain(7), counts, 5, False, [])
    assert top_ids(r) == [2, 4, 7, 1, 3]
    assert [x.rank for x in r.ranked] == list(range(1, 8))
    assert r.tie == [] and r.total == 28


def test_tie_across_the_cut_line_is_shown_not_guessed():
    counts = {(1, 0): 9, (2, 0): 8, (3, 0): 7, (4, 0): 6, (5, 0): 4, (6, 0): 4, (7, 0): 4}
    r = rank(plain(7), counts, 5, False, [])
    assert top_ids(r) == [1, 2, 3, 4]
    assert r.tie == [5, 6, 7] and r.tie_places == 1 and not r.complete


def test_tie_inside_the_top_is_no_tie():
    counts = {(1, 0): 5, (2, 0): 5, (3, 0): 4, (4, 0): 3, (5, 0): 2, (6, 0): 1}
    assert rank(plain(6), counts, 5, False, []).tie == []


def test_revote_resolves_the_tie_and_a_partial_revote_narrows_it():
    counts = {(1, 0): 9, (2, 0): 8, (3, 0): 7, (4, 0): 6, (5, 0): 4, (6, 0): 4, (7, 0): 4}
    revote = [{"id": 1, "kind": "revote", "payload": {"tied": [5, 6, 7], "round": 1}}]
    pending = rank(plain(7), counts, 5, False, revote)
    assert pending.tie == [5, 6, 7] and pending.tie_round == 1
    done = rank(plain(7), {**counts, (5, 1): 2, (6, 1): 6, (7, 1): 3}, 5, False, revote)
    assert top_ids(done) == [1, 2, 3, 4, 6] and done.top[-1].basis == "revote" and done.complete
    still = rank(plain(7), {**counts, (5, 1): 2, (6, 1): 5, (7, 1): 5}, 5, False, revote)
    assert still.tie == [6, 7] and still.tie_places == 1
    second = revote + [{"id": 2, "kind": "revote", "payload": {"tied": [6, 7], "round": 2}}]
    final = rank(plain(7), {**counts, (5, 1): 2, (6, 1): 5, (7, 1): 5, (6, 2): 1, (7, 2): 4}, 5, False, second)
    assert top_ids(final) == [1, 2, 3, 4, 7]


def test_facilitator_decision_resolves_a_tie():
    counts = {(1, 0): 3, (2, 0): 3, (3, 0): 3}
    decision = [{"id": 5, "kind": "tie_decision", "payload": {"tied": [1, 2, 3], "chosen": [3, 1], "reason": "x"}}]
    r = rank(plain(3), counts, 2, False, decision)
    assert top_ids(r) == [3, 1] and {x.basis for x in r.top} == {"decision"}


def test_merged_problems_count_once_with_combined_pebbles():
    problem_rows = rows((1, None, False), (2, 1, False), (3, None, False))
    r = rank(problem_rows, {(1, 0): 3, (2, 0): 4, (3, 0): 5}, 5, False, [])
    assert [(x.problem_id, x.pebbles) for x in r.top] == [(1, 7), (3, 5)]


def test_flagged_problems_excluded_or_marked_by_setting():
    problem_rows = rows((1, None, True), (2, None, False))
    counts = {(1, 0): 9, (2, 0): 2}
    excluded = rank(problem_rows, counts, 5, False, [])
    assert top_ids(excluded) == [2] and excluded.excluded == [1]
    allowed = rank(problem_rows, counts, 5, True, [])
    assert top_ids(allowed) == [1, 2] and allowed.top[0].outside_competence


def test_over_count_is_reported():
    r = rank(plain(2), {(1, 0): 20, (2, 0): 15}, 5, False, [], capacity=30)
    assert r.over_by == 5
    assert rank(plain(2), {(1, 0): 2}, 5, False, [], capacity=30).over_by == 0
