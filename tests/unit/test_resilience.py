"""Nothing typed is lost: many threads at once, a killed process, backups restored."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from forum_core import backup, checkin, demo
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor, Database
from tests.conftest import ORGANIZER, copy_database

ROOT = Path(__file__).resolve().parents[2]
# The stress test runs until every kind of write was done STRESS_EACH times, after at least
# STRESS_MIN_SECONDS of sixteen threads at once, and for STRESS_SECONDS at most: the same work on a
# quiet machine and on a loaded one (a fixed 2.5 s once gave only 12 edits under load).
STRESS_SECONDS = float(os.environ.get("FORUM_STRESS_SECONDS", "20"))
STRESS_EACH = 21
STRESS_MIN_SECONDS = 1.0


def all_tables(db: Database) -> dict[str, list]:
    cur = db.cursor()
    names = [r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    return {n: cur.execute(f"SELECT * FROM {n} ORDER BY ALL").fetchall() for n in names}  # noqa: S608 (catalog names)


# --- 16 threads at once ----------------------------------------------------------------------------


def run_stress(
    db: Database, forum_id: int, seconds: float, threads: int = 16, seed: int = 1, each: int = 0, least: float = 0.0
) -> dict:
    """Check-ins, walk-ins, problem edits, pebble counts and initiative saves from many threads, for
    ``seconds`` (or, with ``each``, until every kind of write was done that many times, after at
    least ``least`` seconds: the same work on a quiet or a loaded machine).
    Returns what each kind of write reported as done, and every exception a thread saw."""
    groups = forum_mod.groups(db.cursor(), forum_id)
    codes = list(checkin.tokens_of_forum(db.cursor(), forum_id).values())
    random.Random(seed).shuffle(codes)
    code_lock = threading.Lock()
    used = [codes[-1]]
    shared = {g["id"]: [dl.add_problem(db, ORGANIZER, g["id"], f"საერთო {i}").value for i in range(3)] for g in groups}
    done: dict = {
        "scan": [],
        "walk_in": [],
        "edit": {},
        "edits": 0,
        "pebbles": Counter(),
        "counted": 0,
        "initiative": {},
        "saves": 0,
        "scans": 0,
        "errors": [],
    }
    lock = threading.Lock()
    started = time.monotonic()
    stop = started + seconds

    def going() -> bool:
        now = time.monotonic()
        if now >= stop:
            return False
        kinds = (done["scans"], done["edits"], done["counted"], done["saves"])
        return not (each and now - started >= least and min(kinds) >= each)

    def desk(n: int) -> None:
        actor = Actor("desk", f"desk {n}")
        while going():
            with code_lock:
                # once everybody is in, desks go on scanning people again (amber cards)
                code = codes.pop() if codes else random.choice(used)
                used.append(code)
            result = checkin.scan(db, actor, forum_id, code, f"Desk {n}")
            with lock:
                done["scans"] += 1
                if result.status == "checked_in":
                    done["scan"].append(result.participant["id"])
            if n % 2 == 0:  # every other desk also registers walk-ins
                outcome = checkin.register_walk_in(
                    db,
                    actor,
                    forum_id,
                    {
                        "first_name": "სტუმარი",
                        "last_name": f"{n}-{time.monotonic_ns()}",
                        "group": groups[n % len(groups)]["id"],
                    },
                    f"Desk {n}",
                )
                if outcome.ok:
                    with lock:
                        done["walk_in"].append(outcome.value.participant["id"])

    def room(n: int) -> None:
        group = groups[n % len(groups)]
        facilitator = Actor("facilitator", f"stress {n}", group["id"])  # each tablet works in its own group
        own = dl.add_problem(db, facilitator, group["id"], f"ოთახი {n}").value
        seen = f"ოთახი {n}"
        version = 0
        while going():
            version += 1
            title = f"ოთახი {n} · {version}"
            outcome = dl.edit_problem(db, facilitator, own, title, "", (seen, ""))
            if outcome.ok and outcome.reason != "unchanged":
                seen = title
                with lock:
                    done["edit"][own] = title
                    done["edits"] += 1
            problem = random.choice(shared[group["id"]])
            counted = dl.add_pebbles(db, facilitator, problem, +1)
            if counted.ok and counted.reason == "counted":
                with lock:
                    done["pebbles"][problem] += 1
                    done["counted"] += 1
            expected = dl.initiative(db.cursor(), group["id"], own)["goal"]
            goal = f"2028 წლამდე {version} ოჯახი"
            saved = dl.save_initiative_field(db, facilitator, group["id"], own, "goal", goal, expected)
            if saved.ok and saved.reason == "saved":
                with lock:
                    done["initiative"][(group["id"], own)] = goal
                    done["saves"] += 1

    def guarded(target, n):
        try:
            target(n)
        except Exception as exc:  # what must never happen
            with lock:
                done["errors"].append(repr(exc))

    workers = [threading.Thread(target=guarded, args=(desk if n < threads // 2 else room, n)) for n in range(threads)]
    [w.start() for w in workers]
    [w.join() for w in workers]
    return done


def check_nothing_lost(db: Database, forum_id: int, done: dict) -> None:
    cur = db.cursor()
    assert done["errors"] == []
    present = checkin.checked_in_ids(cur, forum_id)
    assert set(done["scan"]) <= present and set(done["walk_in"]) <= present
    # each person checked in once: a desk that reads the same code again within 2 s gets the same
    # green card (a scanner's double read), which records nothing, so it is counted by events here
    events = cur.execute(
        "SELECT participant_id, count(*) FROM checkin_event WHERE kind = 'check_in' GROUP BY ALL HAVING count(*) > 1"
    ).fetchall()
    assert events == []
    walk_ins = {r[0] for r in cur.execute("SELECT id FROM participant WHERE source = 'walk_in'").fetchall()}
    assert walk_ins == set(done["walk_in"])
    for problem_id, title in done["edit"].items():
        assert cur.execute("SELECT title FROM problem WHERE id = ?", [problem_id]).fetchone() == (title,)
    for group in forum_mod.groups(cur, forum_id):
        counts = dl.counts(cur, group["id"])
        for problem_id, n in done["pebbles"].items():
            if (problem_id, 0) in counts:
                assert counts[(problem_id, 0)] == n  # no increment lost to another thread's
    for (group_id, problem_id), goal in done["initiative"].items():
        assert dl.initiative(cur, group_id, problem_id)["goal"] == goal
    audit = dict(cur.execute("SELECT action, count(*) FROM audit_log GROUP BY action").fetchall())
    assert audit.get("checkin.scan", 0) == done["scans"]  # every scan logged, green or amber
    walk_in_audit = Counter(
        r[0]
        for r in cur.execute(
            "SELECT action FROM audit_log WHERE entity_id IN (SELECT CAST(id AS VARCHAR) FROM participant "
            "WHERE source = 'walk_in') AND entity IN ('participant', 'checkin')"
        ).fetchall()
    )
    assert walk_in_audit == {"participant.add": len(done["walk_in"]), "checkin.check_in": len(done["walk_in"])}
    assert audit.get("problem.edit", 0) == done["edits"]
    assert audit.get("vote.count", 0) == done["counted"]
    assert audit.get("initiative.save", 0) == done["saves"]


def test_sixteen_threads_lose_nothing(tmp_path, demo_forum_built):
    db = Database(copy_database(demo_forum_built[0], tmp_path / "stress.duckdb"))
    forum_id = demo_forum_built[1]
    done = run_stress(db, forum_id, STRESS_SECONDS, each=STRESS_EACH, least=STRESS_MIN_SECONDS)
    assert done["scans"] > 20 and done["edits"] > 20 and done["counted"] > 20 and done["saves"] > 20, done
    check_nothing_lost(db, forum_id, done)
    db.close()
    reopened = Database(tmp_path / "stress.duckdb")  # and all of it is still there after a restart
    check_nothing_lost(reopened, forum_id, done)
    reopened.close()


# --- a killed process -------------------------------------------------------------------------------

WRITER = """
import sys
sys.path.insert(0, {root!r})
from forum_core import demo
from forum_core import forum as forum_mod
from forum_core import deliberation as dl
from forum_core.db import Actor, Database
db = Database({path!r})  # a copy of the demo forum
forum_id = {forum_id}
group = forum_mod.groups(db.cursor(), forum_id)[0]["id"]
print("ready", flush=True)
n = 0
while True:
    n += 1
    outcome = dl.add_problem(db, Actor("facilitator", "child", group), group, f"problem {{n}}")
    print(outcome.value, flush=True)  # reported only after the commit returned
"""


def test_a_process_killed_mid_write_loses_nothing_it_reported(tmp_path, demo_forum_built):
    path = copy_database(demo_forum_built[0], tmp_path / "crash.duckdb")
    script = WRITER.format(root=str(ROOT), path=str(path), forum_id=demo_forum_built[1])
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    reported = []
    deadline = time.monotonic() + 20
    while len(reported) < 150 and time.monotonic() < deadline:
        reported.append(int(child.stdout.readline()))
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL and len(reported) >= 50
    db = Database(path)  # starts normally: the write-ahead log is replayed
    stored = {r[0] for r in db.cursor().execute("SELECT id FROM problem").fetchall()}
    assert set(reported) <= stored
    audited = {
        int(r[0])
        for r in db.cursor().execute("SELECT entity_id FROM audit_log WHERE action = 'problem.add'").fetchall()
    }
    assert set(reported) <= audited
    group = forum_mod.groups(db.cursor(), 1)[0]["id"]
    assert dl.add_problem(db, ORGANIZER, group, "after the crash").ok  # and takes new writes
    db.close()


# --- backups ------------------------------------------------------------------------------------------


def test_backup_restores_every_table_exactly(tmp_path, demo_forum_built):
    db = Database(copy_database(demo_forum_built[0], tmp_path / "forum.duckdb"))
    forum_id = demo_forum_built[1]
    demo.simulate_group_work(db, ORGANIZER, forum_id, group_numbers=[1, 2, 3])
    backup.backup(db, tmp_path / "backup")
    with pytest.raises(backup.BackupError):
        backup.backup(db, tmp_path / "backup")  # never into a folder that holds one
    original = all_tables(db)
    db.close()
    restored_path = backup.restore(tmp_path / "backup", tmp_path / "restored" / "forum.duckdb")
    restored = Database(restored_path)
    assert all_tables(restored) == original
    group = forum_mod.groups(restored.cursor(), forum_id)[5]["id"]
    assert dl.add_problem(restored, ORGANIZER, group, "ახალი").ok  # sequences continue, no id clash
    restored.close()
    with pytest.raises(backup.BackupError) as refused:
        backup.restore(tmp_path / "backup", restored_path)
    assert refused.value.code == "target_exists"
    backup.restore(tmp_path / "backup", restored_path, force=True)
    assert (restored_path.parent / "forum.duckdb.before-restore").exists()
    with pytest.raises(backup.BackupError) as not_one:
        backup.restore(tmp_path, tmp_path / "x.duckdb")
    assert not_one.value.code == "not_a_backup"


def test_automatic_backups_keep_the_newest_and_restore(tmp_path, demo_forum_built):
    db = Database(copy_database(demo_forum_built[0], tmp_path / "forum.duckdb"))
    forum_id = demo_forum_built[1]
    auto = backup.AutoBackup(db, tmp_path / "backups", minutes=0.001, keep=3)
    auto.start()
    deadline = time.monotonic() + 20
    while len(backup.list_backups(tmp_path / "backups")) < 3 and time.monotonic() < deadline:
        group = forum_mod.groups(db.cursor(), forum_id)[0]["id"]
        dl.add_problem(db, ORGANIZER, group, "წყალი")
        time.sleep(0.05)
    time.sleep(0.3)
    auto.stop()
    made = backup.list_backups(tmp_path / "backups")
    assert 1 <= len(made) <= 3 and auto.last_error is None
    newest = made[0]
    time.sleep(0.2)
    expected_problems = db.cursor().execute("SELECT count(*) FROM problem").fetchone()[0]
    db.close()
    restored = Database(backup.restore(newest, tmp_path / "restored.duckdb"))
    # the newest automatic backup holds the forum up to a moment before the last few writes at most
    count = restored.cursor().execute("SELECT count(*) FROM problem").fetchone()[0]
    assert 1 <= count <= expected_problems
    assert people.count_active(restored.cursor(), forum_id) == 117
    restored.close()


def test_the_backup_command_line_round_trip(tmp_path, demo_forum_file):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = lambda *a: subprocess.run(
        [sys.executable, "-m", "forum_core", *a],
        cwd=ROOT,
        env=env,  # noqa: E731
        capture_output=True,
        text=True,
        timeout=120,
    )
    db_path, target = copy_database(demo_forum_file, tmp_path / "a.duckdb"), tmp_path / "bk"
    assert run("backup", "--db", str(db_path), "--out", str(target)).returncode == 0
    refused = run("restore", "--db", str(db_path), str(target))
    assert refused.returncode == 1 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert run("restore", "--db", str(tmp_path / "b.duckdb"), str(target)).returncode == 0
    a, b = Database(db_path), Database(tmp_path / "b.duckdb")
    tables_a, tables_b = all_tables(a), all_tables(b)
    # the audit trails differ by one entry each: the backup taken (after its export), the restore
    made, restored = tables_a.pop("audit_log"), tables_b.pop("audit_log")
    assert tables_a == tables_b
    assert made[:-1] == restored[:-1]
    assert made[-1][3:7] == ("organizer", "command line", "backup.make", "backup"), made[-1]
    assert restored[-1][3:7] == ("organizer", "command line", "backup.restore", "backup"), restored[-1]
    assert '"file": "bk"' in restored[-1][-1]
    a.close()
    b.close()


# --- a second process --------------------------------------------------------------------------------


def test_a_second_process_gets_one_clear_sentence(tmp_path, demo_forum_file):
    db = Database(copy_database(demo_forum_file, tmp_path / "held.duckdb"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "forum_core",
            "backup",
            "--db",
            str(tmp_path / "held.duckdb"),
            "--out",
            str(tmp_path / "bk"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    db.close()
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert str(os.getpid()) in result.stderr  # which process holds it


# --- quotes and SQL in every kind of text -------------------------------------------------------------

NASTY = [
    "Robert'); DROP TABLE participant;--",
    "' OR '1'='1",
    '"; DELETE FROM problem; --',
    "50% _off_ \\x",
    "ა'ბ\"გ `დ` $e$",
    "<script>alert(1)</script>",
    "**bold** [link](http://x)",
]


def test_quotes_and_sql_fragments_are_stored_unchanged(db, demo_forum):
    cur = db.cursor()
    group = forum_mod.groups(cur, demo_forum)[0]
    for n, text in enumerate(NASTY):
        added = people.add(
            db,
            ORGANIZER,
            demo_forum,
            {
                "first_name": text[:60],
                "last_name": text[:60],
                "phone": f"5991{n:05d}",
                "group": group["number"],
                "community": text,
                "needs": text,
            },
        )
        assert added.ok, added
        stored = people.get(cur, added.value)
        assert (stored["first_name"], stored["community"], stored["needs"]) == (text[:60], text, text)
        problem = dl.add_problem(db, ORGANIZER, group["id"], text, text).value
        assert cur.execute("SELECT title, detail FROM problem WHERE id = ?", [problem]).fetchone() == (text, text)
        assert dl.save_initiative_field(db, ORGANIZER, group["id"], problem, "goal", text, "").ok
        assert dl.initiative(cur, group["id"], problem)["goal"] == text
        assert dl.add_item(db, ORGANIZER, group["id"], "strength", text).ok
        assert checkin.scan(db, Actor("desk", text), demo_forum, text, text).status == "invalid_code"
    assert [i["text"] for i in dl.assessment(cur, group["id"])["strength"]] == NASTY
    assert people.search(
        cur, demo_forum, "Robert'); DROP", role="organizer", limit=5
    )  # searching with quotes works too
    assert cur.execute("SELECT count(*) FROM participant").fetchone()[0] == 117 + len(NASTY)
    settings = dict(forum_mod.get_forum(cur, demo_forum))
    settings["title"] = NASTY[0]
    phases = [{"name": p.name, "minutes": p.minutes} for p in forum_mod.phases(cur, demo_forum)]
    assert forum_mod.update_settings(db, ORGANIZER, demo_forum, settings, phases).ok
    assert forum_mod.get_forum(cur, demo_forum)["title"] == NASTY[0]


def test_a_backup_folder_with_a_quote_is_refused_not_spliced_into_sql(tmp_path, demo_forum_file):
    db = Database(copy_database(demo_forum_file, tmp_path / "forum.duckdb"))
    for name in ("it's", "back\\slash"):
        with pytest.raises(backup.BackupError) as refused:
            backup.backup(db, tmp_path / name)
        assert refused.value.code == "unsafe_path" and not (tmp_path / name).exists()
    with pytest.raises(backup.BackupError):
        backup.restore(tmp_path / "it's", tmp_path / "x.duckdb")
    db.close()


EXIT_DURING_BACKUP = """
import sys, time
from pathlib import Path
from forum_core import backup
from forum_core.db import Database
folder = Path(sys.argv[1])
db = Database(folder / "forum.duckdb")  # a copy of the demo forum
backup.AutoBackup(db, folder / "backups", minutes=0.0003, keep=2).start()  # a backup every 18 ms
time.sleep(0.5)  # some twenty backups: the exit falls inside one of them
"""


def test_the_app_exits_cleanly_while_automatic_backups_run(tmp_path, demo_forum_file):
    """A daemon thread stopped inside DuckDB at interpreter exit aborts the process (exit 134);
    the backup thread is waited for at exit instead."""
    for attempt in range(3):
        folder = tmp_path / str(attempt)
        copy_database(demo_forum_file, folder / "forum.duckdb")
        done = subprocess.run(
            [sys.executable, "-c", EXIT_DURING_BACKUP, str(folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-500:]
        assert backup.list_backups(folder / "backups")  # backups were being made
