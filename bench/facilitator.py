"""Facilitator page with 60 problems and 5 full initiatives: script run per step.

Run: python bench/facilitator.py      Target (issue 4): < 50 ms server time.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import page_timing  # noqa: E402

from forum_core import deliberation as dl  # noqa: E402
from forum_core import demo  # noqa: E402
from forum_core import forum as forum_mod  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ACTOR = Actor("facilitator", "bench")


def build(path: Path) -> None:
    db = Database(path)
    forum_id = demo.load_demo(db, Actor("organizer", "bench")).value
    forum = forum_mod.get_forum(db.cursor(), forum_id)
    group = forum_mod.groups(db.cursor(), forum_id)[0]
    for m in dl.members(db.cursor(), forum_id, group["id"]):
        dl.mark_present(db, ACTOR, forum_id, group["id"], m["id"])
    for i in range(8):
        dl.add_item(db, ACTOR, group["id"], "strength" if i % 2 else "weakness", f"მხარე {i}")
    ids = [dl.add_problem(db, ACTOR, group["id"], f"პრობლემა ნომერი {i}", "დეტალები " * 5).value for i in range(60)]
    for i, pid in enumerate(ids):
        dl.set_pebbles(db, ACTOR, pid, 60 - i if i < 5 else i % 3)
    assert dl.finalise(db, ACTOR, forum, group["id"]).ok
    program = forum_mod.budget_programs(db.cursor(), forum_id)[0]["id"]
    for item in dl.priorities(db.cursor(), group["id"]):
        values = {
            "kind": "program",
            "title": "სათაური",
            "goal": "200 ბავშვი 2028 წლამდე",
            "actions": "ქმედებები",
            "beneficiaries_count": 200,
            "beneficiaries_age": "3-6",
            "beneficiaries_specifics": "ოჯახები",
            "vulnerable_groups": "შშმ ბავშვები",
            "large_scale": "yes",
            "resources_needed": "თანხა",
            "resources_available": "შენობა",
            "partners": "NGO",
            "sufficient": "partly",
            "cost_gel": 50000,
            "program_id": program,
        }
        for name, value in values.items():
            current = dl.initiative(db.cursor(), group["id"], item["problem_id"]).get(name)
            assert dl.save_initiative_field(db, ACTOR, group["id"], item["problem_id"], name, value, current).ok
    db.close()


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "facilitator.duckdb"
    build(path)
    marks = page_timing.install()
    for step in ("who", "problems", "vote", "initiatives", "presenter"):
        figures = page_timing.time_page(
            path,
            "pages/facilitator.py",
            marks,
            runs=30,
            role="facilitator",
            group_number=1,
            prepare=lambda at, s=step: at.segmented_control(key="fac_step").set_value(s).run(),
        )
        print(f"facilitator page, step '{step}' (60 problems, 5 full initiatives): {figures}   (target < 50 ms)")


if __name__ == "__main__":
    main()
