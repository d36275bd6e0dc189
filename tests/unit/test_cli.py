"""The organizer's command line, run as a real subprocess."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "forum_core", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "import-participants", "export"):
        assert command in result.stdout


def test_demo_export_and_reimport(tmp_path):
    db = str(tmp_path / "f.duckdb")
    assert run("demo", "--db", db).returncode == 0
    out = tmp_path / "people.xlsx"
    result = run("export", "--db", db, "--out", str(out))
    assert result.returncode == 0 and out.exists()
    assert "117 participants" in result.stdout
    again = run("import-participants", "--db", db, str(out))
    assert again.returncode == 0
    assert "unchanged: 117" in again.stdout


def test_invalid_rows_exit_non_zero_and_write_nothing(tmp_path):
    db = str(tmp_path / "f.duckdb")
    run("demo", "--db", db)
    bad = tmp_path / "bad.csv"
    bad.write_text("სახელი,გვარი,ტელეფონი,ჯგუფი\nნინო,ნოზაძე,599 98 76 54,1\nანა,ბერიძე,123,1\n", encoding="utf-8")
    refused = run("import-participants", "--db", db, str(bad))
    assert refused.returncode == 1
    assert "line 3, Phone" in refused.stdout and "Nothing was written" in refused.stderr
    exported = run("export", "--db", db, "--out", str(tmp_path / "p.csv"))
    assert "117 participants" in exported.stdout
    taken = run("import-participants", "--db", db, str(bad), "--skip-invalid", "--lang", "ka")
    assert taken.returncode == 0 and "ახალი: 1" in taken.stdout
    assert "118" in run("export", "--db", db, "--out", str(tmp_path / "p2.csv")).stdout


def test_a_held_database_gives_one_sentence_not_a_traceback(tmp_path):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "time.sleep(60)", str(db)], stdout=subprocess.PIPE, text=True)
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


def test_no_forum_yet(tmp_path):
    result = run("export", "--db", str(tmp_path / "empty.duckdb"), "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "no current forum" in result.stderr


def test_after_the_forum_documents_and_export_from_the_command_line(finished_forum_file, tmp_path):
    import io
    import shutil
    import zipfile

    from pypdf import PdfReader

    db = tmp_path / "forum.duckdb"
    shutil.copy(finished_forum_file, db)
    pdf = tmp_path / "recommendations.pdf"
    result = run("recommendations", "--db", str(db), "--out", str(pdf))
    assert result.returncode == 0, result.stderr
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "რეკომენდაციები 2028 წლის ადგილობრივი ბიუჯეტისთვის" in text
    english = tmp_path / "report.pdf"
    assert run("report-to-participants", "--db", str(db), "--out", str(english),
               "--document-lang", "en").returncode == 0
    assert "What entered the 2028 draft budget" in "".join(p.extract_text() for p in PdfReader(english).pages)
    archive = tmp_path / "public.zip"
    assert run("export-forum", "--db", str(db), "--out", str(archive), "--anonymised").returncode == 0
    names = zipfile.ZipFile(io.BytesIO(archive.read_bytes())).namelist()
    assert "priorities.parquet" in names and "participant.parquet" not in names
