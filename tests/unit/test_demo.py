"""The demo forum and its simulated group work (forum_core/demo.py), used for rehearsals and tests."""

import duckdb

from forum_core import demo
from tests.conftest import ORGANIZER

COUNTS = """SELECT p.title, c.pebbles FROM problem p JOIN working_group g ON g.id = p.group_id
    JOIN pebble_count c ON c.problem_id = p.id WHERE g.number = ? ORDER BY p.title"""


def test_a_group_plays_the_same_alone_or_with_the_others(db, demo_forum, full_swing_file):
    """The finished forum of the tests is the forum in full swing with its last two groups played
    afterwards: that is the whole day only if a group's play does not depend on who played before."""
    assert demo.simulate_group_work(db, ORGANIZER, demo_forum, group_numbers=[3]) == 1
    alone = db.cursor().execute(COUNTS, [3]).fetchall()
    with duckdb.connect(str(full_swing_file), read_only=True) as con:
        with_others = con.execute(COUNTS, [3]).fetchall()  # groups 1-8 played in one call
    assert len(alone) == len(demo.DEMO_PROBLEMS) and alone == with_others
