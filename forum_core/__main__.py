"""Command line for organizers: ``python -m forum_core --help``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from forum_core import demo, exports, importer
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import CLI_ACTOR, DEFAULT_DB_PATH, Database, DatabaseBusy
from forum_core.i18n import t


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m forum_core", description="Forum-day app: data preparation from the command line."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=str(DEFAULT_DB_PATH), help="DuckDB file (default: %(default)s)")
    common.add_argument(
        "--lang", default="ka", choices=["ka", "en"], help="language of messages (default: %(default)s, like the app)"
    )
    # The printed material is in Georgian unless asked, like the app.
    printed = argparse.ArgumentParser(add_help=False)
    printed.add_argument("--db", default=str(DEFAULT_DB_PATH), help="DuckDB file (default: %(default)s)")
    printed.add_argument(
        "--lang",
        default="ka",
        choices=["ka", "en"],
        help="language of the document and messages (default: %(default)s)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", parents=[common], help="create the demo forum and make it current")
    imp = sub.add_parser(
        "import-participants",
        parents=[common],
        help="import the participant list (CSV, XLSX, XLS or ODS) into the current forum",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--sheet", help="the sheet of a workbook to read (default: the one with the headers)")
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if some are invalid")
    imp.add_argument(
        "--skip-duplicates",
        action="store_true",
        help="leave out new people whose name is already on the list (default: add them)",
    )
    imp.add_argument("--dry-run", action="store_true", help="only print the report")
    exp = sub.add_parser("export", parents=[common], help="export the current forum's participants")
    exp.add_argument("--out", type=Path, required=True, help="file to write (.csv or .xlsx)")
    for name, what in (
        ("invitations", "invitation PDF, one A4 page per participant"),
        ("badges", "badge PDF, 8 badges per A4 sheet"),
        ("sign-in-sheets", "paper sign-in sheets per group (network fallback)"),
    ):
        cmd = sub.add_parser(name, parents=[printed], help=f"the {what}")
        cmd.add_argument("--out", type=Path, required=True, help="PDF file to write")
        cmd.add_argument("--group", type=int, action="append", help="only this group number (repeatable)")
    for name, what in (
        ("recommendations", "recommendations document for the mayor (PDF)"),
        ("report-to-participants", "report to participants with the mayor's answers (PDF)"),
    ):
        cmd = sub.add_parser(name, parents=[common], help=f"the {what}")
        cmd.add_argument("--out", type=Path, required=True, help="PDF file to write")
        cmd.add_argument(
            "--document-lang",
            default="ka",
            choices=["ka", "en"],
            help="language of the document (Georgian unless asked)",
        )
    xp = sub.add_parser(
        "export-forum",
        parents=[common],
        help="the current forum as Parquet files in one ZIP with a README of the columns",
    )
    xp.add_argument("--out", type=Path, required=True, help="ZIP file to write")
    xp.add_argument("--anonymised", action="store_true", help="only group-level data and counts, for publication")
    ru = sub.add_parser(
        "rollup",
        help="roll many forums' anonymised exports (folders, ZIP files, s3://bucket/prefix) up into one "
        "DuckDB file, each checked against its manifest first",
    )
    ru.add_argument("sources", nargs="+", help="export ZIPs, folders holding exports, or s3:// addresses")
    ru.add_argument("--out", type=Path, required=True, help="the DuckDB file to write (replaced if it exists)")
    ru.add_argument(
        "--lang", default="ka", choices=["ka", "en"], help="language of messages (default: %(default)s, like the app)"
    )
    bk = sub.add_parser("backup", parents=[common], help="write a full backup of the database (a folder)")
    bk.add_argument("--out", type=Path, required=True, help="backup folder to create")
    rs = sub.add_parser("restore", parents=[common], help="rebuild the database --db from a backup folder")
    rs.add_argument("backup", type=Path, help="a folder written by 'backup' (or an automatic backup)")
    rs.add_argument("--force", action="store_true", help="replace an existing database (kept as *.before-restore)")
    sub.add_parser(
        "organizer-code", parents=[common], help="make a new organizer code (for a lost one); the old ones stop working"
    )
    ac = sub.add_parser(
        "access-codes",
        parents=[printed],
        help="make the day's full set of access codes (desks, a facilitator and an expert per "
        "group, a moderator, projectors) and print them as slips",
    )
    ac.add_argument("--out", type=Path, required=True, help="PDF file of the slips to write")
    ac.add_argument("--csv", type=Path, help="also write role, group, label and code as CSV (keep it safe)")
    ac.add_argument(
        "--desks",
        type=int,
        default=4,
        choices=range(0, 21),
        metavar="0-20",
        help="registration desks (default: %(default)s)",
    )
    ac.add_argument(
        "--projectors",
        type=int,
        default=2,
        choices=range(0, 11),
        metavar="0-10",
        help="projectors (default: %(default)s)",
    )
    ac.add_argument(
        "--address",
        help="the address devices open, printed on each slip "
        "(default: FORUM_ADDRESS, or this laptop's network address, and the app's port)",
    )
    return parser


def laptop_address(root: Path | None = None) -> str:
    """The address devices on the venue's network open, as the app would tell them
    (forum_core/network.py: ``FORUM_ADDRESS`` or this laptop's network address, the port of
    ``.streamlit/config.toml``, https unless ``FORUM_HTTP=1``)."""
    from forum_core import network

    return network.command_line_url(root)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lang = args.lang
    if args.command == "restore":
        return _restore(args, lang)
    if args.command == "rollup":
        return _rollup(args, lang)
    try:
        db = Database(args.db)
    except DatabaseBusy as busy:
        print(t(lang, "error.db_busy", path=busy.path, holder=busy.holder), file=sys.stderr)
        return 3
    try:
        return _run(args, db, lang)
    finally:
        db.close()


def _restore(args, lang: str) -> int:
    from forum_core import backup
    from forum_core.i18n import catalog, normalize_language

    try:
        backup.restore(args.backup, args.db, force=args.force)
    except backup.BackupError as problem:
        key = f"cli.restore_{problem.code}"
        # a refusal without a sentence of its own in the catalog shows its code, path and detail
        known = key in catalog(normalize_language(lang))
        message = t(lang, key, path=problem.path, detail=problem.detail) if known else str(problem)
        print(message, file=sys.stderr)
        return 1
    except DatabaseBusy as busy:
        print(t(lang, "error.db_busy", path=busy.path, holder=busy.holder), file=sys.stderr)
        return 3
    restored = Database(args.db)  # the restored database's audit trail says it was restored, and from what
    try:
        backup.record_restore(restored, CLI_ACTOR, Path(args.backup).name, args.backup)
    finally:
        restored.close()
    print(t(lang, "cli.restored", path=args.db, backup=args.backup))
    return 0


def _rollup(args, lang: str) -> int:
    """Many forums' anonymised exports in one DuckDB file, and what it holds in a few lines."""
    import duckdb

    from forum_core import rollup

    try:
        done = rollup.build(args.sources, args.out)
    except rollup.NotReplaced:
        print(t(lang, "cli.rollup_not_replaced", path=args.out), file=sys.stderr)
        return 1
    except (OSError, duckdb.Error) as exc:  # the --out file's folder cannot be written, or the disk is full
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        print(t(lang, "cli.rollup_cannot_write", path=args.out, reason=reason), file=sys.stderr)
        return 1
    for s in done.skipped:
        problem = t(lang, f"cli.rollup_problem_{s['problem']}")
        where = f"{s['source']}: {s['file']}" if s["file"] else s["source"]
        detail = f" ({s['detail']})" if s["detail"] else ""
        print(t(lang, "cli.rollup_skipped", where=where, problem=problem + detail), file=sys.stderr)
    if not done.forums:
        print(t(lang, "cli.rollup_nothing", path=args.out), file=sys.stderr)
        return 1
    years = ", ".join(str(y) for y in done.years if y is not None)
    print(t(lang, "cli.rollup_written", path=args.out))
    print(t(lang, "cli.rollup_forums", count=done.forums, municipalities=done.municipalities, years=years))
    print(t(lang, "cli.rollup_participants", count=done.participants))
    print(t(lang, "cli.rollup_included_title"))
    for row in done.included_by_field:
        print(
            t(
                lang,
                "cli.rollup_included_line",
                field=row["field"],
                included=row["included"],
                partly=row["partly"],
                answered=row["answered"],
                count=row["recommendations"],
                share=f"{row['included_share'] or 0:.1f}",
            )
        )
    if done.recurring:
        print(t(lang, "cli.rollup_recurring_title", count=len(done.recurring)))
        for row in done.recurring[:10]:
            print(
                t(
                    lang,
                    "cli.rollup_recurring_line",
                    title=row["title"],
                    field=row["field"],
                    count=row["forums"],
                    municipalities=row["municipalities"],
                    years=row["years"],
                )
            )
    else:
        print(t(lang, "cli.rollup_no_recurring"))
    return 0


def _current_forum(db: Database, lang: str) -> int | None:
    forum_id = forum_mod.current_forum_id(db.cursor())
    if forum_id is None:
        print(t(lang, "cli.no_forum"), file=sys.stderr)
    return forum_id


def _run(args, db: Database, lang: str) -> int:
    if args.command == "backup":
        from forum_core import backup

        try:
            made = backup.backup(db, args.out, CLI_ACTOR)
        except backup.BackupError as problem:
            print(t(lang, f"cli.backup_{problem.code}", path=problem.path), file=sys.stderr)
            return 1
        print(t(lang, "cli.backup_written", path=made))
        return 0
    if args.command == "organizer-code":
        from forum_core import access

        for row in access.codes(db.cursor(), 0):
            if row["role"] == "organizer" and row["revoked_at"] is None:
                db.write(
                    CLI_ACTOR,
                    "access.code_revoke",
                    lambda unit, i=row["id"]: unit.write(
                        "access_code", "UPDATE access_code SET revoked_at = ? WHERE id = ?", [unit.now, i]
                    ),
                )
        print(t(lang, "cli.organizer_code", code=access.ensure_organizer_code(db)))
        return 0
    if args.command == "demo":
        outcome = demo.load_demo(db, CLI_ACTOR)
        print(t(lang, "cli.demo_loaded", forum_id=outcome.value))
        return 0
    forum_id = _current_forum(db, lang)
    if forum_id is None:
        return 2
    if args.command == "access-codes":
        return _access_codes(args, db, forum_id, lang)
    if args.command == "import-participants":
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            print(t(lang, "cli.cannot_read", path=args.file, reason=exc.strerror), file=sys.stderr)
            return 2
        plan = importer.preview(db.cursor(), forum_id, data, args.file.name, sheet=args.sheet)
        for line in importer.report_lines(plan, lang):
            print(line)
        if plan.problem is not None:
            return 2
        if plan.invalid and not args.skip_invalid:
            print(t(lang, "cli.nothing_written"), file=sys.stderr)
            return 1
        if args.dry_run:
            return 0
        outcome = importer.apply(
            db,
            CLI_ACTOR,
            forum_id,
            data,
            args.file.name,
            skip_invalid=args.skip_invalid,
            sheet=plan.sheet or None,
            skip_duplicates=args.skip_duplicates,
        )
        if not outcome.ok:
            print(t(lang, "cli.nothing_written"), file=sys.stderr)
            return 1
        print(t(lang, "import.done", **outcome.value.counts))
        return 0
    if args.command == "export":
        count = exports.write_participants(db.cursor(), forum_id, args.out)
        print(t(lang, "cli.exported", count=count, path=args.out))
        return 0
    if args.command in ("recommendations", "report-to-participants", "export-forum"):
        from forum_core import report, report_pdf

        report.sync(db, CLI_ACTOR, forum_id)  # every published priority is a recommendation
        cur = db.cursor()
        if args.command == "recommendations":
            data = report_pdf.recommendations_pdf(cur, forum_id, args.document_lang)
        elif args.command == "report-to-participants":
            data = report_pdf.participants_report_pdf(cur, forum_id, args.document_lang)
        else:
            data = exports.parquet_zip(cur, forum_id, anonymised=args.anonymised)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
        print(t(lang, "cli.file_written" if args.command == "export-forum" else "cli.pdf_written", path=args.out))
        return 0
    if args.command in ("invitations", "badges", "sign-in-sheets"):
        from forum_core import printing

        cur = db.cursor()
        group_ids = None
        if args.group:
            group_ids = [g["id"] for g in forum_mod.groups(cur, forum_id) if g["number"] in set(args.group)]
        # names no bundled font can show would print blank: say who before printing
        unprintable = printing.unprintable_people(cur, forum_id, group_ids=group_ids)
        if unprintable:
            print(
                t(
                    lang,
                    "cli.unprintable",
                    people="; ".join(
                        f"{p['first_name']} {p['last_name']} ({p['group_number']}) — {chars}"
                        for p, chars in unprintable
                    ),
                ),
                file=sys.stderr,
            )
        if args.command == "invitations":
            ids = None
            if group_ids is not None:
                ids = [p["id"] for p in people.all_active(cur, forum_id) if p["group_id"] in set(group_ids)]
            data = printing.invitations_pdf(cur, forum_id, lang, participant_ids=ids)
        elif args.command == "badges":
            data = printing.badges_pdf(cur, forum_id, lang, group_ids=group_ids)
        else:
            data = printing.sign_in_sheets_pdf(cur, forum_id, lang, group_ids=group_ids)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
        print(t(lang, "cli.pdf_written", path=args.out))
        return 0
    return 2


def _access_codes(args, db: Database, forum_id: int, lang: str) -> int:
    """The full set for the day, like the button on /access: slips (PDF) and, if asked, a CSV."""
    from forum_core import access, printing

    address = args.address or laptop_address()
    made = access.create_forum_codes(db, CLI_ACTOR, forum_id, args.desks, args.projectors, lang=lang)
    forum = forum_mod.get_forum(db.cursor(), forum_id)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(printing.access_slips_pdf(forum, made, lang, address=address))
    print(t(lang, "cli.access_codes_made", count=len(made), path=args.out, address=address))
    if args.csv:
        numbers = {g["id"]: g["number"] for g in forum_mod.groups(db.cursor(), forum_id)}
        rows = [[m["role"], numbers.get(m["group_id"], ""), m["label"], m["code"]] for m in made]
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        args.csv.write_bytes(exports.csv_bytes(["role", "group", "label", "code"], rows))
        print(t(lang, "cli.access_codes_csv", path=args.csv))
    print(t(lang, "access.shown_once"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
