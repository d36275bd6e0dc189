"""Command line for organizers: ``python -m forum_core --help``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from forum_core import demo, exports, importer
from forum_core import forum as forum_mod
from forum_core.db import CLI_ACTOR, DEFAULT_DB_PATH, Database, DatabaseBusy
from forum_core.i18n import t


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m forum_core",
                                     description="Forum-day app: data preparation from the command line.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=str(DEFAULT_DB_PATH), help="DuckDB file (default: %(default)s)")
    common.add_argument("--lang", default="en", choices=["ka", "en"], help="language of messages")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", parents=[common], help="create the demo forum and make it current")
    imp = sub.add_parser("import-participants", parents=[common],
                         help="import the participant list (CSV or XLSX) into the current forum")
    imp.add_argument("file", type=Path)
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if some are invalid")
    imp.add_argument("--dry-run", action="store_true", help="only print the report")
    exp = sub.add_parser("export", parents=[common], help="export the current forum's participants")
    exp.add_argument("--out", type=Path, required=True, help="file to write (.csv or .xlsx)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lang = args.lang
    try:
        db = Database(args.db)
    except DatabaseBusy as busy:
        print(t(lang, "error.db_busy", path=busy.path, holder=busy.holder), file=sys.stderr)
        return 3
    try:
        return _run(args, db, lang)
    finally:
        db.close()


def _current_forum(db: Database, lang: str) -> int | None:
    forum_id = forum_mod.current_forum_id(db.cursor())
    if forum_id is None:
        print(t(lang, "cli.no_forum"), file=sys.stderr)
    return forum_id


def _run(args, db: Database, lang: str) -> int:
    if args.command == "demo":
        outcome = demo.load_demo(db, CLI_ACTOR)
        print(t(lang, "cli.demo_loaded", forum_id=outcome.value))
        return 0
    forum_id = _current_forum(db, lang)
    if forum_id is None:
        return 2
    if args.command == "import-participants":
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            print(t(lang, "cli.cannot_read", path=args.file, reason=exc.strerror), file=sys.stderr)
            return 2
        plan = importer.preview(db.cursor(), forum_id, data, args.file.name)
        for line in importer.report_lines(plan, lang):
            print(line)
        if plan.problem is not None:
            return 2
        if plan.invalid and not args.skip_invalid:
            print(t(lang, "cli.nothing_written"), file=sys.stderr)
            return 1
        if args.dry_run:
            return 0
        outcome = importer.apply(db, CLI_ACTOR, forum_id, data, args.file.name, skip_invalid=args.skip_invalid)
        if not outcome.ok:
            print(t(lang, "cli.nothing_written"), file=sys.stderr)
            return 1
        print(t(lang, "import.done", **outcome.value.counts))
        return 0
    if args.command == "export":
        count = exports.write_participants(db.cursor(), forum_id, args.out)
        print(t(lang, "cli.exported", count=count, path=args.out))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
