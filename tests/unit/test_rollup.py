"""The national roll-up: many forums' anonymised exports in one DuckDB file, each verified first."""

import io
import logging
import sys
import zipfile
from datetime import date

import duckdb
import pytest

from forum_core import comparison, exports, publication, report, rollup
from forum_core.__main__ import main
from forum_core.db import Database
from tests.conftest import ORGANIZER, copy_database

FORUM = 1


def _export(db: Database) -> dict[str, bytes]:
    return exports.export_files(db.cursor(), FORUM, anonymised=True)


@pytest.fixture(scope="module")
def sources(tmp_path_factory, finished_forum_file):
    """Three exports made by the export code: Telavi 2027 as a ZIP in a sub-folder, the same forum
    renamed as another municipality a year later, unpacked, and a third (2029) whose priorities.csv
    was edited after the export."""
    root = tmp_path_factory.mktemp("rollup")
    db = Database(copy_database(finished_forum_file, root / "db" / "forum.duckdb"))
    try:
        recs = report.recommendations(db.cursor(), FORUM)
        assert report.record_answer(db, ORGANIZER, recs[0]["id"], {"status": "included", "amount": 1000}).ok
        assert report.record_answer(db, ORGANIZER, recs[1]["id"], {"status": "not_included", "reason": "x"}).ok
        assert publication.set_municipality_code(db, ORGANIZER, FORUM, "GE-TEL").ok
        telavi = _export(db)
        (root / "exports" / "kakheti").mkdir(parents=True)
        (root / "exports" / "kakheti" / "telavi-2027.zip").write_bytes(exports.zip_bytes(telavi))

        def rename(municipality: str, day: date, code: str) -> dict[str, bytes]:
            with db.unit(ORGANIZER, "forum.update") as u:
                u.write(
                    "forum",
                    "UPDATE forum SET municipality = ?, forum_date = ? WHERE id = ?",
                    [municipality, day, FORUM],
                )
            assert publication.set_municipality_code(db, ORGANIZER, FORUM, code).ok
            return _export(db)

        other = rename("ყვარლის მუნიციპალიტეტი", date(2028, 5, 27), "GE-KVA")
        for name, data in other.items():
            (root / "exports" / "kvareli-2028" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "exports" / "kvareli-2028" / name).write_bytes(data)
        tampered = rename("ლაგოდეხის მუნიციპალიტეტი", date(2029, 5, 26), "GE-LAG")
        tampered["priorities.csv"] = tampered["priorities.csv"].replace(b"included", b"partly__")
        (root / "exports" / "lagodekhi-2029.zip").write_bytes(exports.zip_bytes(tampered))
    finally:
        db.close()
    return root


def test_a_rollup_holds_every_verified_forum_and_names_the_tampered_file(sources, tmp_path):
    out = tmp_path / "rollup.duckdb"
    done = rollup.build([str(sources / "exports")], out)
    assert done.forums == 2 and done.municipalities == 2 and done.years == [2027, 2028]
    assert done.participants == 200  # 100 came to each
    assert done.skipped == [
        {
            "source": str(sources / "exports" / "lagodekhi-2029.zip"),
            "file": "priorities.csv",
            "problem": "changed",
            "detail": "",
        }
    ]
    con = duckdb.connect(str(out), read_only=True)
    forums = con.execute(
        "SELECT forum_key, municipality_code, year, format_version FROM forums ORDER BY year"
    ).fetchall()
    assert forums == [("GE-TEL/2027-05-28", "GE-TEL", 2027, "1.0"), ("GE-KVA/2028-05-27", "GE-KVA", 2028, "1.0")]
    assert con.execute("SELECT count(*), count(DISTINCT forum_key) FROM priorities").fetchone() == (100, 2)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(rollup.KEPT) | {"forums", "included_by_field", "recurring_problems", "skipped"} <= tables
    assert con.execute("SELECT count(DISTINCT forum_key) FROM representation").fetchone()[0] == 2
    answers = con.execute("SELECT status, count(*) FROM recommendation_answer GROUP BY status ORDER BY 1").fetchall()
    assert answers == [("included", 2), ("not_included", 2)]
    # included by field: the field of the first recommendation has 2 included of 10 (5 per forum)
    shares = {
        r[0]: r[1:] for r in con.execute("SELECT field, recommendations, included FROM included_by_field").fetchall()
    }
    assert sum(v[1] for v in shares.values()) == 2 and all(v[0] == 10 for v in shares.values())
    # the same priorities in both municipalities: every one recurs, across two municipalities and years
    recurring = con.execute("SELECT count(*), min(municipalities), min(years) FROM recurring_problems").fetchone()
    assert recurring == (50, 2, "2027, 2028")
    # any tool takes it further: DuckDB's own COPY to Parquet, read back
    con.execute("COPY (SELECT * FROM priorities) TO ? (FORMAT parquet)", [str(tmp_path / "p.parquet")])
    con.close()
    assert duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'p.parquet'}'").fetchall() == [(100,)]


def test_the_command_prints_the_summary_in_georgian_unless_asked(sources, tmp_path, capsys):
    out = tmp_path / "r.duckdb"
    zip_file = str(sources / "exports" / "kakheti" / "telavi-2027.zip")
    folder = str(sources / "exports" / "kvareli-2028")
    assert main(["rollup", zip_file, folder, str(sources / "exports" / "lagodekhi-2029.zip"), "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "შეჯამება ჩაიწერა" in said.out and "ფორუმები: 2" in said.out and "მონაწილეები, ვინც მოვიდა: 200" in said.out
    assert "lagodekhi-2029.zip: priorities.csv" in said.err and "გამოტოვებულია" in said.err
    assert main(["rollup", str(tmp_path / "nowhere"), "--out", str(tmp_path / "e.duckdb"), "--lang", "en"]) == 1
    said = capsys.readouterr()
    assert "nowhere: not found — skipped." in said.err and "No export could be read" in said.err
    # that empty roll-up is replaced by the next try with the same --out (a source mistyped at first)
    assert main(["rollup", zip_file, "--out", str(tmp_path / "e.duckdb"), "--lang", "en"]) == 0
    assert "Forums: 1" in capsys.readouterr().out
    # a forum's database named as --out by mistake is left alone
    forum_db = tmp_path / "forum.duckdb"
    duckdb.connect(str(forum_db)).execute("CREATE TABLE participant (name VARCHAR)").close()
    assert main(["rollup", zip_file, "--out", str(forum_db)]) == 1
    assert "არ შევცვლით" in capsys.readouterr().err
    assert duckdb.connect(str(forum_db)).execute("SELECT count(*) FROM participant").fetchall() == [(0,)]
    (tmp_path / "a-file").write_text("x")
    assert main(["rollup", zip_file, "--out", str(tmp_path / "a-file" / "r.duckdb"), "--lang", "en"]) == 1
    assert "Cannot write" in capsys.readouterr().err


def test_the_compare_page_reads_a_rollup_and_refuses_other_files(sources, tmp_path):
    out = tmp_path / "rollup.duckdb"
    rollup.build([str(sources / "exports")], out)
    summaries = comparison.from_rollup(out)
    assert [s.municipality for s in summaries] == ["თელავის მუნიციპალიტეტი", "ყვარლის მუნიციპალიტეტი"]
    assert all(len(s.priorities) == 50 for s in summaries)
    assert len(comparison.came_back(summaries)) == 50
    # a "roll-up" whose priorities are a view reading this laptop's files is refused, and reads nothing
    hostile = tmp_path / "hostile.duckdb"
    con = duckdb.connect(str(hostile))
    con.execute(
        "CREATE TABLE forums AS SELECT 'k' AS forum_key, 'x' AS forum_title, 'x' AS municipality, "
        "DATE '2027-01-01' AS forum_date, 'x' AS source"
    )
    secret = tmp_path / "secret.txt"
    secret.write_text("the laptop's secret")
    con.execute(
        "CREATE VIEW priorities AS SELECT 'k' AS forum_key, 'f' AS field, 1 AS group_number, 1 AS rank, "
        f"content AS title, 1 AS pebbles, NULL AS status FROM read_text('{secret}')"
    )
    con.close()
    with pytest.raises(rollup.NotARollup):
        comparison.from_rollup(hostile)
    (tmp_path / "junk.duckdb").write_bytes(b"not a database")
    with pytest.raises(rollup.NotARollup):
        comparison.from_rollup(tmp_path / "junk.duckdb")


def test_exports_are_found_through_duckdbs_file_system_as_s3_reads_them(sources, monkeypatch):
    # glob + read_blob is how an s3:// prefix is read (by httpfs or s3fs); here on local files.
    con = duckdb.connect()
    found = rollup.blob_exports(con, str(sources / "exports"))
    local = [rollup.load_export(e) for e in rollup.local_exports(str(sources / "exports"))]
    assert sorted((len(e.files), sorted(e.files)) for e in found) == sorted(
        (len(e.files), sorted(e.files)) for e in local
    )
    assert len(found) == 3 and all(e.files and "manifest.json" in e.files for e in found)
    # Without the httpfs extension (no internet here, and none in the given folder) and without s3fs,
    # an s3:// source is named and skipped, nothing else fails.
    monkeypatch.setenv("FORUM_DUCKDB_EXTENSIONS", str(sources / "no-extensions-here"))
    monkeypatch.setitem(sys.modules, "s3fs", None)  # "import s3fs" raises ImportError
    try:
        con.execute("LOAD httpfs")
        pytest.skip("httpfs is installed on this machine: the refusal cannot be seen")
    except duckdb.Error:
        pass
    [missing] = rollup.s3_exports(con, "s3://forums/2027")
    assert missing.problem == "s3_unavailable" and missing.files is None


def test_a_zip_that_is_not_an_export_is_skipped(tmp_path):
    (tmp_path / "notes.zip").write_bytes(b"PK\x03\x04 cut off")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    (tmp_path / "other.zip").write_bytes(buffer.getvalue())
    done = rollup.build([str(tmp_path)], tmp_path / "out.duckdb")
    assert done.forums == 0
    assert sorted((s["source"].rsplit("/", 1)[-1], s["problem"]) for s in done.skipped) == [
        ("notes.zip", "not_an_export"),
        ("other.zip", "no_manifest"),
    ]


def test_an_export_whose_files_match_their_manifest_but_are_not_tables_is_skipped(sources, tmp_path):
    """Hashes made afresh over broken files (a tool that re-signs what it changed): still skipped."""
    telavi = rollup.zip_files((sources / "exports" / "kakheti" / "telavi-2027.zip").read_bytes())
    named = exports.read_parquet_zip((sources / "exports" / "kakheti" / "telavi-2027.zip").read_bytes())
    for broken, changes in (
        ("garbage", {"priorities.parquet": b"PAR1 not really"}),
        ("no-columns", {"forum.parquet": exports.parquet_bytes(named["forum"].select(["id"]))}),
    ):
        files = {n: b for n, b in telavi.items() if n != "manifest.json"} | changes
        files["manifest.json"] = publication.manifest(named, files, "GE-X")
        assert publication.verify(files) == []
        (tmp_path / f"{broken}.zip").write_bytes(exports.zip_bytes(files))
    done = rollup.build([str(tmp_path)], tmp_path / "out.duckdb")
    assert done.forums == 0
    assert sorted((s["source"].rsplit("/", 1)[-1], s["file"], s["problem"]) for s in done.skipped) == [
        ("garbage.zip", "priorities.parquet", "unreadable"),
        ("no-columns.zip", "forum.parquet", "not_an_export"),
    ]


# --- s3:// sources, read from a real S3-compatible server (moto's, on this machine) -------------------------


@pytest.fixture(scope="module")
def bucket(sources):
    """Moto's S3 server on a free local port, holding the exports of ``sources`` (uploaded with boto3)
    under s3://forums/2027/ as they lie on disk: a ZIP in a sub-folder, an unpacked export, and the
    ZIP whose priorities.csv was edited after the export."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the test output
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        aws_access_key_id="forum-test",
        aws_secret_access_key="forum-test-secret",
        region_name="eu-central-1",
    )
    client.create_bucket(Bucket="forums", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    root = sources / "exports"
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        client.put_object(Bucket="forums", Key=f"2027/{path.relative_to(root).as_posix()}", Body=path.read_bytes())
    try:
        yield client, f"{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(bucket, sources, monkeypatch):
    """The settings a roll-up reads an S3-compatible store with; httpfs cannot be had (no internet,
    and the named folder holds no extension), so s3fs reads the bucket."""
    client, endpoint = bucket
    for name, value in {
        "AWS_ACCESS_KEY_ID": "forum-test",
        "AWS_SECRET_ACCESS_KEY": "forum-test-secret",
        "AWS_REGION": "eu-central-1",
        "FORUM_S3_ENDPOINT": endpoint,
        "FORUM_S3_URL_STYLE": "path",
        "FORUM_S3_USE_SSL": "false",
        "FORUM_DUCKDB_EXTENSIONS": str(sources / "no-extensions-here"),
    }.items():
        monkeypatch.setenv(name, value)
    return client


def test_a_rollup_reads_an_s3_bucket_verifies_every_export_and_names_the_tampered_one(
    s3_env, sources, tmp_path, capsys
):
    out = tmp_path / "rollup.duckdb"
    assert main(["rollup", "s3://forums/2027/", "--out", str(out), "--lang", "en"]) == 0
    said = capsys.readouterr()
    assert "Roll-up written" in said.out and "Forums: 2" in said.out and "200" in said.out
    assert "s3://forums/2027/lagodekhi-2029.zip: priorities.csv: the file was changed" in said.err
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT source, forum_key FROM forums ORDER BY forum_key DESC").fetchall() == [
        ("s3://forums/2027/kakheti/telavi-2027.zip", "GE-TEL/2027-05-28"),
        ("s3://forums/2027/kvareli-2028", "GE-KVA/2028-05-27"),
    ]
    assert con.execute("SELECT count(*), count(DISTINCT forum_key) FROM priorities").fetchone() == (100, 2)
    assert con.execute("SELECT source, file, problem FROM skipped").fetchall() == [
        ("s3://forums/2027/lagodekhi-2029.zip", "priorities.csv", "changed")
    ]
    con.close()
    # s3fs was given every setting (moto answers whatever the region and URL style: asked, not seen)
    with duckdb.connect() as reader:
        fs = rollup.register_s3fs(reader)
    assert (fs.key, fs.endpoint_url, fs.client_kwargs, fs.config_kwargs) == (
        "forum-test",
        s3_env.meta.endpoint_url,  # FORUM_S3_ENDPOINT host:port, and http for FORUM_S3_USE_SSL=false
        {"region_name": "eu-central-1"},
        {"s3": {"addressing_style": "path"}},
    )
    # the same exports on disk roll up to the same tables: every file read from the bucket matched
    # its manifest's SHA-256 (else its forum would be skipped), so these are the bytes the export wrote
    local = tmp_path / "local.duckdb"
    rollup.build([str(sources / "exports")], local)
    con = duckdb.connect(str(out), read_only=True)
    con.execute("ATTACH ? AS local (READ_ONLY)", [str(local)])
    # table names from this fixed tuple, spliced as identifiers (a query parameter cannot name a table)
    for table in ("priorities", "representation", "recommendation_answer", "attendance"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
        only_s3 = con.execute(f"SELECT count(*) FROM (FROM {table} EXCEPT ALL FROM local.{table})").fetchone()
        only_disk = con.execute(f"SELECT count(*) FROM (FROM local.{table} EXCEPT ALL FROM {table})").fetchone()
        assert only_s3 == only_disk == (0,), table
    con.close()


def test_a_file_changed_in_the_bucket_is_named_and_its_forum_skipped(s3_env, sources, tmp_path):
    """One byte of Kvareli's priorities.parquet changed in the bucket (put back afterwards): Kvareli is
    left out with that file named; Telavi, named by its ZIP's own address, is rolled up."""
    original = (sources / "exports" / "kvareli-2028" / "priorities.parquet").read_bytes()
    changed = original[:100] + bytes([original[100] ^ 1]) + original[101:]
    key = "2027/kvareli-2028/priorities.parquet"
    s3_env.put_object(Bucket="forums", Key=key, Body=changed)
    try:
        done = rollup.build(
            [
                "s3://forums/2027/kvareli-2028",
                "s3://forums/2027/kakheti/telavi-2027.zip",
                "s3://forums/nothing-here",
                "s3://no-bucket/2027",
            ],
            tmp_path / "r.duckdb",
        )
    finally:
        s3_env.put_object(Bucket="forums", Key=key, Body=original)
    assert (done.forums, done.participants, done.years) == (1, 100, [2027])
    assert [(s["source"], s["file"], s["problem"]) for s in done.skipped] == [
        ("s3://forums/2027/kvareli-2028", "priorities.parquet", "changed"),
        ("s3://forums/nothing-here", "", "not_found"),  # a prefix that holds nothing is named, not a failure
        ("s3://no-bucket/2027", "", "unreadable"),
    ]
    # s3fs's own words, not the "Traceback ..." line DuckDB puts in front of them
    assert done.skipped[-1]["detail"] == "FileNotFoundError: The specified bucket does not exist"
