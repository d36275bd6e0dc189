"""The anonymised export as a publication: manifest, data card and licence, Pabulib .pb votes.

Read back with the tools others would use: pabutools and Pabulib's checker (package
pabulib-checker) for the .pb files, DuckDB for the Parquet and CSV files, hashlib for the manifest."""

import contextlib
import hashlib
import io
import json
import re
import tomllib
import zipfile

import duckdb
import pyarrow.parquet as pq
import pytest
from pabulib.checker import Checker
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.election.profile import CumulativeProfile

from forum_core import checkin, exports, publication, report
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Database
from tests.conftest import ORGANIZER, ROOT, copy_database

FORUM = 1
# Hostile and unique: markup, quotes, the .pb separator, a formula, scripts that no demo name has.
HOSTILE = [
    {"first_name": "Zyqwa<script>", "last_name": 'O\'Brien;"Ξενοφών"', "phone": "599 417 263", "community": "ჟღვფხეთი"},
    {"first_name": "=HYPERLINK(1)", "last_name": "ყჭღწოძე-Qx", "phone": "555 908 431", "community": "Ქუთქუთა"},
]
STAFF = ("Facilitator Vrrkhu Tsiklauri-Pq", "Expert Ghwoqzi Natsvlishvili-Pq")
PB_REQUIRED = (
    "description",
    "country",
    "unit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
)


@pytest.fixture(scope="module")
def published(tmp_path_factory, finished_forum_file):
    """The finished demo forum with two hostile participants who came, named staff, an answer, the
    municipality's code and a problem title with the .pb separator in it: its anonymised ZIP, and
    what the database says (people, staff, the vote's counts)."""
    path = copy_database(finished_forum_file, tmp_path_factory.mktemp("publication") / "forum.duckdb")
    db = Database(path)
    try:
        cur = db.cursor()
        groups = forum_mod.groups(cur, FORUM)
        for person, group in zip(HOSTILE, groups, strict=False):
            added = people.add(db, ORGANIZER, FORUM, person | {"group": group["id"], "gender": "f"})
            assert added.ok, added
            assert checkin.check_in_participant(db, ORGANIZER, FORUM, added.value, "desk 1").ok
        with db.unit(ORGANIZER, "forum.update") as u:
            u.write("working_group", "UPDATE working_group SET facilitator = ?, expert = ?", list(STAFF))
            u.write(
                "problem",
                "UPDATE problem SET title = ? WHERE id = (SELECT min(id) FROM problem WHERE forum_id = ?)",
                ['"Roads; broken\nlights', FORUM],
            )
        assert publication.set_municipality_code(db, ORGANIZER, FORUM, "GE-TEL.15").ok
        recs = report.recommendations(cur, FORUM)
        assert report.record_answer(db, ORGANIZER, recs[0]["id"], {"status": "included", "amount": 1000}).ok
        counts = {g["number"]: dl.counts(cur, g["id"]) for g in groups}
        chosen = {(p["group_number"], p["problem_id"]) for p in report.published_priorities(cur, FORUM)}
        data = exports.parquet_zip(cur, FORUM, anonymised=True)
        everyone = people.all_active(cur, FORUM)
    finally:
        db.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return {"files": files, "counts": counts, "chosen": chosen, "people": everyone, "zip": data}


def test_each_groups_vote_loads_with_pabutools_and_gives_back_the_pebbles(published):
    files, counts = published["files"], published["counts"]
    pb = sorted(n for n in files if n.endswith(".pb"))
    assert pb == [f"pabulib/group-{n:02d}.pb" for n in range(1, 11)]
    for name in pb:
        number = int(re.search(r"group-(\d+)", name).group(1))
        instance, profile = parse_pabulib_from_string(files[name].decode("utf-8"))
        assert all(instance.meta.get(key) for key in PB_REQUIRED), instance.meta
        assert instance.meta["vote_type"] == "cumulative" and isinstance(profile, CumulativeProfile)
        assert instance.meta["date_begin"] == "28.05.2027" and instance.meta["country"] == "Georgia"
        expected = {problem: n for (problem, round_), n in counts[number].items() if round_ == 0}
        # one aggregate ballot: its points are the pebbles on the board, problem by problem
        assert profile.num_ballots() == 1 == int(instance.meta["num_votes"])
        ballot = profile[0]
        assert {int(p.name): int(points) for p, points in ballot.items()} == {
            p: n for p, n in expected.items() if n > 0
        }
        assert int(instance.meta["num_projects"]) == len(instance)
        for project in instance:
            meta = instance.project_meta[project]
            assert int(meta["score"]) == expected.get(int(project.name), 0)
            assert (meta["selected"] == "1") == ((number, int(project.name)) in published["chosen"])
    # Pabulib's own checker (the library's validator for files it publishes) finds nothing wrong
    checked = Checker()
    with contextlib.redirect_stdout(io.StringIO()):
        verdict = checked.process_files([files[name].decode("utf-8") for name in pb])
    assert verdict["metadata"] == {"processed": 10, "valid": 10, "invalid": 0}, verdict
    assert not verdict["summary"], verdict["summary"]
    # the title with the separator, a line break and a leading quote is one cell
    first = parse_pabulib_from_string(files["pabulib/group-01.pb"].decode("utf-8"))[0]
    assert "Roads, broken lights" in {first.project_meta[p].get("name") for p in first}


def test_the_manifest_names_every_file_with_its_sha256_and_a_changed_file_is_named(published):
    files = published["files"]
    body = json.loads(files["manifest.json"])
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert body["format_version"] == publication.FORMAT_VERSION and body["app_version"] == version
    assert body["municipality"] == "თელავის მუნიციპალიტეტი" and body["municipality_code"] == "GE-TEL.15"
    assert body["forum_date"] == "2027-05-28" and body["licence"] == "CC-BY-4.0"
    listed = {f["path"]: f["sha256"] for f in body["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for name, digest in listed.items():  # checked with hashlib, not with the code that wrote them
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert publication.verify(files) == []
    changed = dict(files, **{"priorities.parquet": files["priorities.parquet"][:-9] + b"tampered!"})
    assert publication.verify(changed) == [("priorities.parquet", "changed")]
    fewer = {n: b for n, b in files.items() if n != "pabulib/group-03.pb"}
    assert publication.verify(fewer) == [("pabulib/group-03.pb", "missing")]
    assert publication.verify(dict(files, **{"extra.csv": b"a,b\n"})) == [("extra.csv", "unlisted")]
    assert publication.verify({n: b for n, b in files.items() if n != "manifest.json"}) == [
        ("manifest.json", "no_manifest")
    ]


def test_the_zip_holds_no_persons_name_or_phone(published):
    files = published["files"]
    text = "\n".join(b.decode("utf-8-sig") for n, b in files.items() if not n.endswith(".parquet"))
    parquet_values = [
        str(v)
        for n, b in files.items()
        if n.endswith(".parquet")
        for row in pq.read_table(io.BytesIO(b)).to_pylist()
        for v in row.values()
    ]
    everything = text + "\n" + "\n".join(parquet_values)
    digits = re.sub(r"\D", "", text)
    for person in HOSTILE:
        for part in ("first_name", "last_name", "community"):
            assert person[part].strip() not in everything, person[part]
        assert re.sub(r"\D", "", person["phone"]) not in digits
    for name in STAFF:
        assert name not in everything
    hostile = [p for p in published["people"] if p["first_name"] in {h["first_name"] for h in HOSTILE}]
    assert len(hostile) == 2  # they are in the database, and they came
    for p in published["people"]:
        assert f"{p['first_name']} {p['last_name']}" not in everything
        assert p["phone"] not in everything
    # the forum's figures still count them: 100 of the demo and the two who came
    came = pq.read_table(io.BytesIO(files["attendance.parquet"])).to_pylist()
    attendance = sum(r["count"] for r in came if r["measure"] == "came")
    assert attendance == 102


def test_every_table_loads_with_duckdb_from_parquet_and_csv(published, tmp_path):
    files = published["files"]
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    tables = [n[: -len(".parquet")] for n in files if n.endswith(".parquet")]
    assert {"forum", "priorities", "attendance", "problem", "pebble_count"} <= set(tables)
    con = duckdb.connect()
    for table in tables:
        parquet = con.execute("SELECT * FROM read_parquet(?)", [str(tmp_path / f"{table}.parquet")]).fetchall()
        csv_rows = con.execute("SELECT * FROM read_csv(?, header = true)", [str(tmp_path / f"{table}.csv")]).fetchall()
        assert len(parquet) == len(csv_rows), table
    priorities = con.execute(
        "SELECT count(*), sum(pebbles), count(*) FILTER (WHERE status = 'included') FROM read_csv(?)",
        [str(tmp_path / "priorities.csv")],
    ).fetchone()
    assert priorities[0] == 50 and priorities[1] > 0 and priorities[2] == 1
    # the whole export also reads as DuckDB reads a folder of Parquet files
    assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(tmp_path / "forum.parquet")]).fetchone()[0] == 1


def test_the_data_card_describes_every_file_and_the_licence(published):
    files = published["files"]
    card = files["DATACARD.md"].decode("utf-8")
    for name in files:
        if name.endswith(".parquet"):
            assert f"`{name}`" in card
    assert "pabulib/group-NN.pb" in card and "CC BY 4.0" in card and "What was removed" in card
    assert "phone numbers" in card and "GE-TEL.15" in card
    assert "creativecommons.org/licenses/by/4.0" in files["LICENSE.txt"].decode("utf-8")


def test_the_municipality_code_is_checked_and_stored_per_forum(db, demo_forum):
    cur = db.cursor()
    assert publication.municipality_code(cur, demo_forum) == ""
    bad = publication.set_municipality_code(db, ORGANIZER, demo_forum, "GE 15; DROP")
    assert not bad.ok and bad.errors[0].code == "bad_code"
    long = publication.set_municipality_code(db, ORGANIZER, demo_forum, "X" * 30)
    assert not long.ok and long.errors[0].code == "too_long"
    assert publication.municipality_code(cur, demo_forum) == ""  # nothing written
    assert publication.set_municipality_code(db, ORGANIZER, demo_forum, " GE-15 ").reason == "saved"
    assert publication.municipality_code(cur, demo_forum) == "GE-15"
    assert publication.set_municipality_code(db, ORGANIZER, demo_forum, "GE-15").reason == "unchanged"
    assert publication.municipality_code(cur, demo_forum + 1) == ""
    assert publication.set_municipality_code(db, ORGANIZER, demo_forum, "").ok
    assert publication.municipality_code(cur, demo_forum) == ""


def test_a_group_still_voting_has_its_counts_and_no_selection(db, forum_in_full_swing):
    groups = {g["number"]: g["id"] for g in forum_mod.groups(db.cursor(), forum_in_full_swing)}
    for title, pebbles in (("ხიდი ჩამოინგრა", 4), ("წყალი არ მოდის", 2), ("ბაღი არ არის", 0)):
        added = dl.add_problem(db, ORGANIZER, groups[9], title)
        assert added.ok, added
        if pebbles:
            assert dl.add_pebbles(db, ORGANIZER, added.value, pebbles).ok
    files = exports.export_files(db.cursor(), forum_in_full_swing, anonymised=True)
    with contextlib.redirect_stdout(io.StringIO()):
        verdict = Checker().process_files([b.decode("utf-8") for n, b in sorted(files.items()) if n.endswith(".pb")])
    assert verdict["metadata"]["invalid"] == 0, verdict
    for number in (8, 9):  # 8 finalised, 9 still working
        instance, profile = parse_pabulib_from_string(files[f"pabulib/group-{number:02d}.pb"].decode("utf-8"))
        counts = {p: n for (p, r), n in dl.counts(db.cursor(), groups[number]).items() if r == 0 and n > 0}
        assert {int(p.name): int(n) for p, n in profile[0].items()} == counts
        has_selection = all("selected" in instance.project_meta[p] for p in instance)
        assert has_selection == (number == 8)
    assert "had not finalised" in files["pabulib/group-09.pb"].decode("utf-8")
