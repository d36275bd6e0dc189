"""The national roll-up of many forums' anonymised exports: its time and peak memory.

Run: python bench/rollup.py [--forums 500] [--fresh]
Target (issue 19): 500 forums rolled up in under 10 s on the 2-core machine.

How the 500 exports are made: the demo forum is run through its day once (ten groups vote and
finalise, every priority becomes a recommendation) and its anonymised tables are taken with the real
export code (``exports.tables``). Each synthetic forum varies those tables: another municipality
(and official code) and year, every group's pebbles scaled, priorities' titles drawn from the demo's
pool of problems (so some recur across municipalities and years), the mayor's answers drawn at
random, attendance scaled. The files of each export (Parquet, CSV, README, the .pb votes, data card,
licence, manifest with hashes) are then made by the real publication code from the varied tables and
zipped as the report page does. They are kept in a folder beside the temporary files and reused
unless --fresh.

Two figures: ``rollup.build`` in this process (reading, verifying, writing the DuckDB file), and
the command ``python -m forum_core rollup`` as an organizer runs it (a new process: its imports
included), with that process's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

from forum_core import demo, exports, publication, report, rollup  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ORGANIZER = Actor("organizer", "bench")
CACHE = Path(tempfile.gettempdir()) / "forum-bench-rollup"
# Georgia's municipalities (names only; the codes below are made up for the benchmark).
PLACES = [
    "თელავი",
    "ყვარელი",
    "ლაგოდეხი",
    "გურჯაანი",
    "სიღნაღი",
    "დედოფლისწყარო",
    "საგარეჯო",
    "ახმეტა",
    "რუსთავი",
    "მარნეული",
    "ბოლნისი",
    "დმანისი",
    "წალკა",
    "თეთრიწყარო",
    "გარდაბანი",
    "მცხეთა",
    "დუშეთი",
    "თიანეთი",
    "ყაზბეგი",
    "გორი",
    "კასპი",
    "ქარელი",
    "ხაშური",
    "ბორჯომი",
    "ახალციხე",
    "ადიგენი",
    "ასპინძა",
    "ახალქალაქი",
    "ნინოწმინდა",
    "ქუთაისი",
    "ზესტაფონი",
    "ტყიბული",
    "საჩხერე",
    "ჭიათურა",
    "სამტრედია",
    "ვანი",
    "ბაღდათი",
    "თერჯოლა",
    "ხონი",
    "წყალტუბო",
    "ოზურგეთი",
    "ლანჩხუთი",
    "ჩოხატაური",
    "ზუგდიდი",
    "სენაკი",
    "მარტვილი",
    "ხობი",
    "წალენჯიხა",
    "ჩხოროწყუ",
    "აბაშა",
    "ფოთი",
    "ამბროლაური",
    "ონი",
    "ცაგერი",
    "ლენტეხი",
    "მესტია",
    "ბათუმი",
    "ქობულეთი",
    "ხელვაჩაური",
    "ქედა",
    "შუახევი",
    "ხულო",
]
STATUSES = ["included", "partly", "not_included", "outside_competence", None]


def finished_tables() -> dict:
    """The demo forum after its day, as the anonymised export's tables."""
    db = Database(Path(tempfile.mkdtemp()) / "forum.duckdb")
    try:
        forum_id = demo.load_demo(db, ORGANIZER).value
        demo.simulate_group_work(db, ORGANIZER, forum_id)
        report.sync(db, ORGANIZER, forum_id)
        return exports.tables(db.cursor(), forum_id, anonymised=True)
    finally:
        db.close()


def _replace(table: pa.Table, column: str, values: list) -> pa.Table:
    index = table.schema.get_field_index(column)
    return table.set_column(index, table.schema.field(index), pa.array(values, table.schema.field(index).type))


def varied(base: dict, i: int, pool: list[str]) -> tuple[dict, str]:
    """Forum ``i``: the base tables with another place, year, pebbles, titles, answers, attendance."""
    rng = random.Random(i)
    place = PLACES[i % len(PLACES)]
    year = 2025 + (i // len(PLACES)) % 5
    code = f"GE-{i % len(PLACES):02d}"
    named = dict(base)
    forum = base["forum"]
    named["forum"] = _replace(
        _replace(forum, "municipality", [f"{place}ს მუნიციპალიტეტი"]), "forum_date", [date(year, 5, 1 + i % 28)]
    )
    scale = rng.uniform(0.6, 1.4)
    counts = base["pebble_count"]
    named["pebble_count"] = _replace(
        counts, "pebbles", [max(0, round(n * scale)) for n in counts.column("pebbles").to_pylist()]
    )
    pri = base["priorities"]
    n = pri.num_rows
    titles = [pool[rng.randrange(len(pool))] for _ in range(n)]
    pri = _replace(pri, "title", titles)
    pri = _replace(pri, "pebbles", [max(1, round(p * scale)) for p in pri.column("pebbles").to_pylist()])
    statuses = [rng.choice(STATUSES) for _ in range(n)]
    pri = _replace(pri, "status", statuses)
    pri = _replace(pri, "municipality", [f"{place}ს მუნიციპალიტეტი"] * n)
    named["priorities"] = pri
    att = base["attendance"]
    named["attendance"] = _replace(
        att,
        "count",
        [None if c is None else max(0, round(c * rng.uniform(0.7, 1.3))) for c in att.column("count").to_pylist()],
    )
    return named, code


def export_zip(named: dict, code: str) -> bytes:
    """The anonymised export's files from its tables, by the export and publication code."""
    files = {f"{name}.parquet": exports.parquet_bytes(table) for name, table in named.items()}
    forum = named["forum"].to_pylist()[0]
    files["README.txt"] = exports.readme(named, forum, True).encode("utf-8")
    files.update({f"{name}.csv": exports.table_csv(table) for name, table in named.items()})
    return exports.zip_bytes(publication.publication_files(named, files, code, exports.TABLE_NOTES))


def make_exports(count: int, fresh: bool) -> Path:
    folder = CACHE / f"{count}"
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    if folder.is_dir() and len(list(folder.glob("*.zip"))) == count:
        print(f"{count} exports reused from {folder} (--fresh makes them again)")
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    base = finished_tables()
    print(f"demo forum after its day, exported: {time.perf_counter() - start:.1f} s")
    pool = sorted({p["title"] for p in base["problem"].to_pylist()})
    start = time.perf_counter()
    for i in range(count):
        named, code = varied(base, i, pool)
        (folder / f"forum-{i:04d}.zip").write_bytes(export_zip(named, code))
    size = sum(p.stat().st_size for p in folder.glob("*.zip"))
    print(f"{count} exports made in {time.perf_counter() - start:.1f} s, {size / 1e6:.1f} MB of ZIP files")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forums", type=int, default=500)
    parser.add_argument("--fresh", action="store_true", help="make the exports again")
    args = parser.parse_args()
    folder = make_exports(args.forums, args.fresh)
    out = Path(tempfile.mkdtemp()) / "rollup.duckdb"

    # The machine is shared: wall time depends on what else runs, so the CPU time this process used
    # and the load average are printed beside it.
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    times, cpu = [], []
    for _ in range(3):
        start, used = time.perf_counter(), time.process_time()
        done = rollup.build([str(folder)], out)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    print(
        f"rollup.build, {done.forums} forums ({len(done.skipped)} skipped), {done.participants} participants, "
        f"{len(done.recurring)} recurring problems: wall {min(times):.2f} s best, {max(times):.2f} s slowest of 3; "
        f"CPU {min(cpu):.2f}-{max(cpu):.2f} s; database {out.stat().st_size / 1e6:.1f} MB"
    )

    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "forum_core", "rollup", str(folder), "--out", str(out), "--lang", "en"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    said = child.stdout.read().decode()
    child.stdout.close()
    child.stderr.close()
    print(
        f"python -m forum_core rollup ({args.forums} ZIPs): {elapsed:.2f} s wall, "
        f"CPU {usage.ru_utime + usage.ru_stime:.2f} s, exit {os.waitstatus_to_exitcode(status)}, "
        f"peak memory {usage.ru_maxrss / 1024:.0f} MB (maximum resident set size, imports included)"
    )
    print("its summary begins:")
    for line in said.splitlines()[:6]:
        print("   ", line)


if __name__ == "__main__":
    main()
