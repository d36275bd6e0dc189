"""The organizer's command line, run as a real subprocess."""

import os
import subprocess
import sys
from pathlib import Path

from tests import pdftext
from tests.conftest import copy_database

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "forum_core", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "import-participants", "export"):
        assert command in result.stdout


def test_demo_export_and_reimport(tmp_path):
    db = str(tmp_path / "f.duckdb")
    assert run("demo", "--db", db).returncode == 0
    out = tmp_path / "people.xlsx"
    result = run("export", "--db", db, "--out", str(out), "--lang", "en")
    assert result.returncode == 0 and out.exists()
    assert "117 participants" in result.stdout
    again = run("import-participants", "--db", db, str(out), "--lang", "en")
    assert again.returncode == 0
    assert "unchanged: 117" in again.stdout


def test_invalid_rows_exit_non_zero_and_write_nothing(tmp_path, demo_forum_file):
    db = str(copy_database(demo_forum_file, tmp_path / "f.duckdb"))  # what `demo --db` writes, made once
    bad = tmp_path / "bad.csv"
    bad.write_text("სახელი,გვარი,ტელეფონი,ჯგუფი\nნინო,ნოზაძე,599 98 76 54,1\nანა,ბერიძე,123,1\n", encoding="utf-8")
    refused = run("import-participants", "--db", db, str(bad), "--lang", "en")
    assert refused.returncode == 1
    assert "line 3, Phone" in refused.stdout and "Nothing was written" in refused.stderr
    exported = run("export", "--db", db, "--out", str(tmp_path / "p.csv"), "--lang", "en")
    assert "117 participants" in exported.stdout
    taken = run("import-participants", "--db", db, str(bad), "--skip-invalid", "--lang", "ka")
    assert taken.returncode == 0 and "ახალი: 1" in taken.stdout
    assert "118" in run("export", "--db", db, "--out", str(tmp_path / "p2.csv")).stdout


def test_a_held_database_gives_one_sentence_not_a_traceback(tmp_path):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = run("export", "--db", str(db), "--out", str(tmp_path / "x.csv"))
        assert result.returncode == 3
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().count("\n") == 0
        assert f"PID {holder.pid}" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_no_forum_yet_said_in_georgian_unless_asked(tmp_path):
    from forum_core.i18n import t

    result = run("export", "--db", str(tmp_path / "empty.duckdb"), "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and result.stderr.strip() == t("ka", "cli.no_forum")  # Georgian, like the app
    english = run("export", "--db", str(tmp_path / "empty.duckdb"), "--out", str(tmp_path / "x.csv"), "--lang", "en")
    assert english.returncode == 2 and "no current forum" in english.stderr


def test_after_the_forum_documents_and_export_from_the_command_line(finished_forum_file, tmp_path):
    import io
    import shutil
    import zipfile

    db = tmp_path / "forum.duckdb"
    shutil.copy(finished_forum_file, db)
    pdf = tmp_path / "recommendations.pdf"
    result = run("recommendations", "--db", str(db), "--out", str(pdf))
    assert result.returncode == 0, result.stderr
    text = "".join(pdftext.pages(pdf))
    assert "რეკომენდაციები 2028 წლის ადგილობრივი ბიუჯეტისთვის" in text
    english = tmp_path / "report.pdf"
    assert (
        run("report-to-participants", "--db", str(db), "--out", str(english), "--document-lang", "en").returncode == 0
    )
    assert "What entered the 2028 draft budget" in "".join(pdftext.pages(english))
    archive = tmp_path / "public.zip"
    assert run("export-forum", "--db", str(db), "--out", str(archive), "--anonymised").returncode == 0
    names = zipfile.ZipFile(io.BytesIO(archive.read_bytes())).namelist()
    assert "priorities.parquet" in names and "participant.parquet" not in names


def test_the_days_access_codes_from_the_command_line(tmp_path, demo_forum_file):
    import csv
    import io

    from forum_core import access
    from forum_core.db import Database
    from forum_core.i18n import t

    db = str(copy_database(demo_forum_file, tmp_path / "f.duckdb"))
    database = Database(db)
    database.cursor().execute("UPDATE working_group SET name = '=1+1' WHERE number = 3")
    database.close()
    slips, codes = tmp_path / "slips.pdf", tmp_path / "codes.csv"
    result = run(
        "access-codes",
        "--db",
        db,
        "--out",
        str(slips),
        "--csv",
        str(codes),
        "--desks",
        "4",
        "--projectors",
        "2",
        "--address",
        "https://192.168.1.10:8501",
    )
    assert result.returncode == 0, result.stderr
    assert "https://192.168.1.10:8501" in result.stdout and str(slips) in result.stdout
    assert "წვდომის კოდი" in result.stdout  # Georgian unless asked
    rows = list(csv.reader(io.StringIO(codes.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[0] == ["role", "group", "label", "code"]
    made = rows[1:]
    assert len(made) == 4 + 2 * 10 + 1 + 2
    assert [r[0] for r in made].count("desk") == 4 and [r[0] for r in made].count("projector") == 2
    assert {int(r[1]) for r in made if r[0] in ("facilitator", "expert")} == set(range(1, 11))
    assert all(r[1] == "" for r in made if r[0] not in ("facilitator", "expert"))
    text = "".join(pdftext.pages(slips))
    for _role, _, _label, code in made:
        assert code in text and len(code) == 9 and code[2] == "-"
    assert text.count("https://192.168.1.10:8501") == len(made)
    assert t("ka", "role.moderator") in text and t("ka", "role.desk") in text
    assert made[4 + 4][:3] == ["facilitator", "3", "3. =1+1"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)  # formula-safe
    # the codes work: each signs in as its role (and group)
    database = Database(db)
    try:
        for role, _group, _, code in made[:6] + made[-3:]:
            me = access.sign_in(database, 1, code, "", f"cli test {code}", access.Throttle()).identity
            assert me.role == role
    finally:
        database.close()
    # without --address: this laptop's address and the app's port; without --csv no CSV
    plain = run(
        "access-codes",
        "--db",
        db,
        "--out",
        str(tmp_path / "more.pdf"),
        "--desks",
        "0",
        "--projectors",
        "0",
        "--lang",
        "en",
    )
    assert plain.returncode == 0 and ":8501" in plain.stdout and "21 access codes made" in plain.stdout
