"""The anonymised export as an open, versioned publication.

Beside the Parquet tables (``exports.parquet_zip(anonymised=True)``) an export for publication holds:

- ``manifest.json``: the format and its version, the municipality and its official code, the forum's
  date, the app's version and the SHA-256 of every other file, so that a national roll-up (or anyone)
  can tell a complete, untouched export from a damaged or edited one (:func:`verify`);
- ``DATACARD.md``: what each file holds, how it was made, what was removed and under which licence
  (the flat-file advice of Metagov's "Interoperable Deliberative Tools": plain files anyone can open,
  described in a card beside them), and ``LICENSE.txt``;
- ``pabulib/group-NN.pb``: each working group's pebble vote in Pabulib's ``.pb`` format (the
  participatory-budgeting library's open format), which ``pabutools`` and Pabulib's own tools read.

Everything here is made from the anonymised tables alone (never from the database), so what is
published can be re-made, and checked, from what is published.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

from forum_core.db import Actor, Database, Unit
from forum_core.validation import FieldError, Outcome, clean_text

FORMAT = "forum-day-publication"
# 1.0: the first published shape. A change that removes or renames a file or a column raises the
# major number; a new file or column raises the minor one (a reader of 1.x reads any 1.y).
FORMAT_VERSION = "1.0"
MANIFEST = "manifest.json"
LICENCE = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
PB_FOLDER = "pabulib"
COUNTRY = "Georgia"

# The municipality's official code (the one national statistics and the budget use), one per forum,
# kept in the key-value table ``app_setting`` (no migration): key ``municipality_code:<forum id>``.
CODE_KEY = "municipality_code:{}"
CODE_MAX = 20
_CODE_CHARS = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-/]*$")


def app_version() -> str:
    """The app's version as pyproject.toml states it ("unknown" if the file is not beside the code)."""
    try:
        text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
        return str(tomllib.loads(text)["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "unknown"


def municipality_code(cur, forum_id: int) -> str:
    row = cur.execute("SELECT value FROM app_setting WHERE key = ?", [CODE_KEY.format(forum_id)]).fetchone()
    return row[0] if row else ""


def set_municipality_code(db: Database, actor: Actor, forum_id: int, raw) -> Outcome:
    """Store the municipality's official code (letters, digits, '.', '-', '/'; empty removes it)."""
    code = clean_text(raw)
    if len(code) > CODE_MAX:
        return Outcome(
            False, "invalid", (FieldError("municipality_code", "too_long", {"max": CODE_MAX, "length": len(code)}),)
        )
    if code and not _CODE_CHARS.match(code):
        return Outcome(False, "invalid", (FieldError("municipality_code", "bad_code"),))
    key = CODE_KEY.format(forum_id)

    def work(unit: Unit) -> Outcome:
        before = unit.execute("SELECT value FROM app_setting WHERE key = ?", [key]).fetchone()
        before = before[0] if before else ""
        if before == code:
            return Outcome(True, "unchanged", value=code)
        unit.write("app_setting", "DELETE FROM app_setting WHERE key = ?", [key])
        if code:
            unit.write("app_setting", "INSERT INTO app_setting VALUES (?, ?)", [key, code])
        unit.audit("forum", forum_id, {"municipality_code": before}, {"municipality_code": code}, forum_id)
        return Outcome(True, "saved", value=code)

    return db.attempt(actor, "forum.update", work)


# --- Pabulib ---------------------------------------------------------------------------------------


def _pb_text(value) -> str:
    """A value for one cell of a .pb file: its separator (;), line breaks and a leading quote (the csv
    reader of pabutools would take it for a quoted cell) cannot stay; the Parquet tables keep the
    text exactly as typed."""
    text = " ".join(str(value if value is not None else "").split())
    return text.replace(";", ",").lstrip('"').strip() or "-"


def _pb_date(day) -> str:
    return f"{day:%d.%m.%Y}" if isinstance(day, date) else ""


def latest_pebbles(pebble_rows: list[dict], round_: int = 0) -> dict[int, int]:
    """problem id -> pebbles in force for ``round_`` (the latest count typed, as the app counts)."""
    latest: dict[int, tuple[int, int]] = {}
    for row in pebble_rows:
        if row["round"] != round_:
            continue
        seen = latest.get(row["problem_id"])
        if seen is None or row["id"] > seen[0]:
            latest[row["problem_id"]] = (row["id"], row["pebbles"])
    return {problem: pebbles for problem, (_, pebbles) in latest.items()}


def pb_files(named: dict) -> dict[str, bytes]:
    """``pabulib/group-NN.pb`` for every group with problems, from the anonymised tables.

    What goes in VOTES: the forum records no ballot of any person, only the pebbles on the board,
    counted per problem. Inventing one ballot per participant (splitting the counts into rows of
    3 pebbles) would publish ballots nobody cast. So VOTES holds ONE row per group, ``group-NN``,
    whose points are the group's pebble counts: the aggregate ballot of everyone who voted. Pabulib's
    ``cumulative`` type is the one whose points are summed per project, and ``score`` in PROJECTS
    repeats each count, so a reader of either section gets the same figures. ``num_votes`` is 1 (the
    rows in VOTES), ``max_sum_points`` (required for cumulative votes) the row's total; how many people
    came is said in the comment. The vote spends no money, it chooses the group's k priorities (5 by
    default): each problem costs 1 (one of the k places) and the budget is k, so Pabulib's ``greedy``
    rule (most points first while the budget lasts) picks exactly the top k, ``selected`` 1. When a tie
    at the cut line was settled by a re-vote or a recorded decision the rule is ``greedy-custom``, said
    in the comment. (Cost 0 and budget 0 read well but Pabulib's checker refuses a project without a
    cost; with these files it finds no error.)
    """
    forum = named["forum"].to_pylist()[0]
    groups = {g["id"]: g for g in named["working_group"].to_pylist()}
    problems = [p for p in named["problem"].to_pylist() if p.get("deleted_at") is None and p.get("merged_into") is None]
    pebbles = latest_pebbles(named["pebble_count"].to_pylist())
    chosen = {(p["group_number"], p["problem_id"]) for p in named["priorities"].to_pylist()}
    finalised = {number for number, _ in chosen}
    came = {
        a["group_number"]: a["count"]
        for a in named["attendance"].to_pylist()
        if a["measure"] == "came" and a["group_number"]
    }
    per_group: dict[int, list[dict]] = {}
    for p in problems:
        per_group.setdefault(p["group_id"], []).append(p)
    files = {}
    for group_id, rows in sorted(per_group.items(), key=lambda item: groups[item[0]]["number"]):
        group = groups[group_id]
        number = group["number"]
        rows.sort(key=lambda p: p["id"])
        voted = [p for p in rows if pebbles.get(p["id"], 0) > 0]
        k = forum["priorities_per_group"]
        total = sum(pebbles.get(p["id"], 0) for p in rows)
        is_final = number in finalised
        # Plain greedy by pebbles picks the same k problems unless there was a tie at the cut line,
        # which the group settled by a re-vote or a recorded decision: then the rule is greedy-custom.
        scores = sorted((pebbles.get(p["id"], 0) for p in rows), reverse=True)
        by_score = sorted(rows, key=lambda p: -pebbles.get(p["id"], 0))[:k]
        plain = (len(scores) <= k or scores[k - 1] > scores[k]) and (
            not is_final or {p["id"] for p in by_score} == {pid for n, pid in chosen if n == number}
        )
        comments = [
            f"each participant present placed up to {forum['pebbles_per_participant']} pebbles on the problems "
            "on the group's board, the counts are the pebbles per problem as typed by the facilitator",
            "VOTES holds one aggregate row for the whole group (no person's ballot is recorded): its points are "
            "the group's pebble counts, and max_sum_points is their total",
            f"the vote spends no money: it chooses the group's {k} priorities, so each problem costs 1 (one of "
            f"the {k} places) and the budget is {k}",
        ]
        if not plain:
            comments.append(
                "a tie at the cut line was settled by a re-vote among the tied problems or a recorded decision "
                "(pebble_count.parquet, round 1, 2...)"
            )
        if number in came:
            comments.append(f"participants who came to this group: {came[number]}")
        if not is_final:
            comments.append("the group had not finalised its priorities when this file was made (no selected column)")
        meta = [
            ("description", f"Population forum of {forum['municipality']}: working group {number}, pebble vote"),
            ("country", COUNTRY),
            ("unit", forum["municipality"]),
            ("subunit", f"{number}. {group['name']} ({group['field']})"),
            ("instance", f"{forum['forum_date']:%Y}" if isinstance(forum["forum_date"], date) else ""),
            ("num_projects", len(rows)),
            ("num_votes", 1 if voted else 0),
            ("budget", k),
            ("vote_type", "cumulative"),
            ("rule", "greedy" if plain else "greedy-custom"),
            ("date_begin", _pb_date(forum["forum_date"])),
            ("date_end", _pb_date(forum["forum_date"])),
            ("max_sum_points", max(total, 1)),
            ("language", "ka"),
            ("currency", "GEL"),
        ]
        if len(rows) <= k:
            meta.append(("fully_funded", 1))  # every problem a priority: Pabulib's flag for "all funded"
        meta.append(("comment", " ".join(f"#{i}: {c}" for i, c in enumerate(comments, 1))))
        lines = ["META", "key;value"]
        lines += [f"{key};{_pb_text(value)}" for key, value in meta]
        lines += ["PROJECTS", "project_id;cost;score;name" + (";selected" if is_final else "")]
        for p in rows:
            selected = f";{1 if (number, p['id']) in chosen else 0}" if is_final else ""
            lines.append(f"{p['id']};1;{pebbles.get(p['id'], 0)};{_pb_text(p['title'])}{selected}")
        lines += ["VOTES", "voter_id;vote;points"]
        if voted:
            lines.append(
                f"group-{number};{','.join(str(p['id']) for p in voted)};"
                f"{','.join(str(pebbles[p['id']]) for p in voted)}"
            )
        files[f"{PB_FOLDER}/group-{number:02d}.pb"] = ("\n".join(lines) + "\n").encode("utf-8")
    return files


# --- the data card and licence ----------------------------------------------------------------------

REMOVED = (
    "participants' names, phone numbers, e-mail addresses, birth years, and each person's community "
    "(village) and self-declared needs; invitation codes; check-ins (who came when, at which desk); the audit trail; "
    "device labels and access codes; the names of facilitators, sector experts, presenters and organizers; "
    "the forum's secret"
)


# Where the published table has fewer columns than the app's (exports.TABLE_NOTES describe those).
PUBLIC_NOTES = {
    "forum": "the forum: title, municipality, goals, date, venue, start time, duration, pebbles per participant, "
    "priorities per group",
    "working_group": "the working groups: number, name, field, room, target size",
    "pebble_count": "pebble counts as typed, appended (who typed them left out); the latest per problem and round "
    "counts (round 0: the vote, 1, 2...: re-votes among tied problems)",
    "recommendation_answer": "the mayor's answers, appended (who recorded them left out); the latest per "
    "recommendation counts (status: included | partly | not_included | outside_competence)",
}


def datacard(named: dict, files: dict[str, bytes], code: str, notes: dict[str, str]) -> str:
    """DATACARD.md: what each file holds, how it was made, what was removed, the licence."""
    forum = named["forum"].to_pylist()[0]
    when = forum["forum_date"]
    day = f"{when:%Y-%m-%d}" if isinstance(when, date) else "?"
    lines = [
        f"# Data card: population forum of {forum['municipality']}, {day}",
        "",
        f"Format `{FORMAT}` version {FORMAT_VERSION}, made by the forum-day app version {app_version()}.",
        f"Municipality: {forum['municipality']} (official code: {code or 'not given'}).",
        "",
        "## What this is",
        "",
        "The results of one population forum (მოსახლეობის ფორუმი): residents met in working groups, each "
        "for a field of the local budget, wrote down problems and voted on them with pebbles; each group's "
        "problems with the most pebbles became its priorities, described as initiatives, and the committee "
        "turned them into recommendations to the mayor, whose answers are recorded.",
        "",
        "## How it was made",
        "",
        "Exported from the forum-day app's database on the organizer's laptop, by the same code for every "
        "forum. Counts of pebbles are as the groups' facilitators typed them from the board. Texts are "
        "the groups' own words in Georgian. Nothing was sampled or estimated.",
        "",
        "## What was removed",
        "",
        f"No personal data: {REMOVED}. Attendance and representation are counts: a count under 5 beside "
        "gender, age band, village or need is left empty (fewer than 5), and a village or need shared by fewer "
        "than 5 people is not named (pooled as 'other'). What the groups wrote (strengths, weaknesses, "
        "problems, initiatives) is published as they wrote it.",
        "",
        "## Files",
        "",
        "Every table twice, with the same columns: `.parquet` (typed) and `.csv` (UTF-8 with a byte order "
        "mark, comma-separated; a text starting with = + - @ carries one leading ' so spreadsheets do not "
        "run it as a formula). `README.txt` lists every column and its type.",
        "",
    ]
    for name, table in named.items():
        note = PUBLIC_NOTES.get(name) or notes.get(name, "")
        rows = f"{table.num_rows} row" + ("" if table.num_rows == 1 else "s")
        lines.append(f"- `{name}.parquet`, `{name}.csv` ({rows}): {note}")
    pb = sorted(n for n in files if n.startswith(PB_FOLDER + "/"))
    if pb:
        lines += [
            f"- `{PB_FOLDER}/group-NN.pb` ({len(pb)} files): each working group's pebble vote in Pabulib's "
            "`.pb` format (META, PROJECTS: the group's problems with their pebbles as `score`, VOTES). The "
            "forum records no person's ballot, so VOTES has one aggregate row per group whose points are "
            "the pebble counts (`vote_type` cumulative). The vote spends no money, it fills the group's "
            "places for priorities: each problem costs 1 and the budget is the number of priorities per group, "
            "so Pabulib's greedy rule gives the group's priorities (`selected` 1). The files pass Pabulib's "
            "checker.",
        ]
    lines += [
        f"- `{MANIFEST}`: format and version, municipality and its code, forum date, app version and the "
        "SHA-256 of every other file (check them before use).",
        "- `DATACARD.md` (this card) and `LICENSE.txt`.",
        "",
        "## Licence",
        "",
        f"The data is published under Creative Commons Attribution 4.0 International (CC BY 4.0, "
        f"{LICENCE_URL}): anyone may share and adapt it, also commercially, if they credit "
        f'"{forum["municipality"]}, population forum {day}" and say what they changed.',
        "",
    ]
    return "\n".join(lines)


def licence_text(named: dict) -> str:
    forum = named["forum"].to_pylist()[0]
    when = forum["forum_date"]
    day = f"{when:%Y-%m-%d}" if isinstance(when, date) else "?"
    return (
        f"The data in this archive (population forum of {forum['municipality']}, {day}) is licensed under\n"
        f"the Creative Commons Attribution 4.0 International licence (CC BY 4.0).\n"
        f"The licence's text: {LICENCE_URL}legalcode\n"
        f'Credit: "{forum["municipality"]}, population forum {day}".\n'
    )


# --- the manifest ---------------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(named: dict, files: dict[str, bytes], code: str) -> bytes:
    """manifest.json for ``files`` (every file of the export except the manifest itself)."""
    forum = named["forum"].to_pylist()[0]
    when = forum["forum_date"]
    body = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "municipality": forum["municipality"],
        "municipality_code": code,
        "country": COUNTRY,
        "forum_title": forum["title"],
        "forum_date": when.isoformat() if isinstance(when, date) else None,
        "app_version": app_version(),
        "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "licence": LICENCE,
        "files": [{"path": name, "bytes": len(data), "sha256": sha256(data)} for name, data in sorted(files.items())],
    }
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def publication_files(named: dict, files: dict[str, bytes], code: str, notes: dict[str, str]) -> dict[str, bytes]:
    """``files`` (the tables and README) with the .pb votes, data card, licence and the manifest."""
    out = dict(files)
    out.update(pb_files(named))
    out["DATACARD.md"] = datacard(named, out, code, notes).encode("utf-8")
    out["LICENSE.txt"] = licence_text(named).encode("utf-8")
    out[MANIFEST] = manifest(named, out, code)
    return out


def read_manifest(files: dict[str, bytes]) -> dict | None:
    try:
        body = json.loads(files[MANIFEST].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("format") != FORMAT or not isinstance(body.get("files"), list):
        return None
    return body


def verify(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """(file, what is wrong) for every file that does not match the manifest; [] when all do.

    ``what``: ``no_manifest`` (none, or not ours), ``newer_format`` (a major version this code does not
    know), ``missing``, ``changed`` (its SHA-256 differs) or ``unlisted`` (a file the manifest does not
    name: something was added)."""
    body = read_manifest(files)
    if body is None:
        return [(MANIFEST, "no_manifest")]
    major = str(body.get("format_version", "")).split(".")[0]
    if major != FORMAT_VERSION.split(".")[0]:
        return [(MANIFEST, "newer_format")]
    wrong = []
    listed = set()
    for entry in body["files"]:
        name = str(entry.get("path", ""))
        listed.add(name)
        if name not in files:
            wrong.append((name, "missing"))
        elif sha256(files[name]) != entry.get("sha256"):
            wrong.append((name, "changed"))
    wrong += [(name, "unlisted") for name in sorted(set(files) - listed - {MANIFEST})]
    return wrong
