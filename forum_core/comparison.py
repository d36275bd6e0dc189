"""Several forums side by side: fields and priorities across forums, and which problems came back.

A forum is read from this database, from another installation's Parquet export
(:func:`forum_core.exports.parquet_zip`) or from a national roll-up of many forums
(:mod:`forum_core.rollup`); all give the same summary, made from the derived ``priorities`` table
(group, field, rank, title, pebbles, the mayor's answer).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

import duckdb

from forum_core import exports
from forum_core import forum as forum_mod
from forum_core.report import FUNDED

SIMILAR = 0.72  # how alike two problem titles must be to count as the same problem coming back


@dataclass
class ForumSummary:
    key: str  # "db:<id>" or "file:<name>"
    title: str
    municipality: str
    forum_date: date | None
    source: str  # "" for this database, else the file's name
    priorities: list[dict] = field(default_factory=list)  # field, group_number, rank, title, pebbles, status

    @property
    def label(self) -> str:
        when = f"{self.forum_date:%Y}" if self.forum_date else "?"
        return f"{self.municipality} {when} · {self.title}"


def from_database(cur: duckdb.DuckDBPyConnection, forum_id: int) -> ForumSummary:
    forum = forum_mod.get_forum(cur, forum_id)
    return ForumSummary(
        f"db:{forum_id}",
        forum["title"],
        forum["municipality"],
        forum["forum_date"],
        "",
        exports.priorities_table(cur, forum_id).to_pylist(),
    )


def from_database_now(db, forum_id: int) -> ForumSummary:
    """:func:`from_database`, computed once per change of the forum's results."""
    from forum_core.report import REPORT_TABLES

    return db.read_through(
        ("comparison", forum_id), REPORT_TABLES + ("forum",), lambda cur: from_database(cur, forum_id)
    )


def from_export(data: bytes, name: str) -> ForumSummary:
    """A forum from another installation's export ZIP; :class:`exports.NotAnExport` if it is not one."""
    tables = exports.read_parquet_zip(data)
    rows = tables["forum"].to_pylist()
    if not rows:
        raise exports.NotAnExport("the forum table is empty")
    forum = rows[0]
    needed = {"field", "group_number", "rank", "title", "pebbles"}
    if not needed <= set(tables["priorities"].column_names):
        raise exports.NotAnExport("the priorities table lacks columns")
    return ForumSummary(
        f"file:{name}",
        str(forum.get("title") or ""),
        str(forum.get("municipality") or ""),
        forum.get("forum_date"),
        name,
        tables["priorities"].to_pylist(),
    )


def from_rollup(path) -> list[ForumSummary]:
    """Every forum of a national roll-up (:mod:`forum_core.rollup`); :class:`rollup.NotARollup` if the
    file is not one."""
    from forum_core import rollup

    return [
        ForumSummary(
            f"rollup:{f['forum_key']}",
            str(f["forum_title"] or ""),
            str(f["municipality"] or ""),
            f["forum_date"],
            str(f["source"] or ""),
            f["priorities"],
        )
        for f in rollup.priorities_by_forum(path)
    ]


def without_repeats(
    summaries: list[ForumSummary],
) -> tuple[list[ForumSummary], list[tuple[ForumSummary, ForumSummary]]]:
    """Each forum once: a summary of the same municipality, date and title as one before it (this
    database's forum uploaded as its own export, or the same export twice) is left out, and returned
    with the one it repeats. Compared with itself, a forum's every priority "came back"."""
    kept: dict[tuple, ForumSummary] = {}
    repeats = []
    for summary in summaries:
        identity = (_plain(summary.municipality), summary.forum_date, _plain(summary.title))
        if identity in kept:
            repeats.append((summary, kept[identity]))
        else:
            kept[identity] = summary
    return list(kept.values()), repeats


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def in_time_order(summaries: list[ForumSummary]) -> list[ForumSummary]:
    """Oldest forum first, so a row reads as what happened next."""
    return sorted(summaries, key=lambda s: (s.forum_date or date.min, s.key))


def by_field(summaries: list[ForumSummary]) -> list[dict]:
    """One row per field: for each forum, its priorities in that field ("rank. title (pebbles)")."""
    fields: dict[str, dict] = {}
    for s in summaries:
        for p in sorted(s.priorities, key=lambda p: (p["group_number"] or 0, p["rank"] or 0)):
            row = fields.setdefault(p["field"], {"field": p["field"]})
            row.setdefault(s.key, []).append(p)
    return [fields[name] for name in sorted(fields)]


def core_title(title: str) -> str:
    """A title without what only dresses it: case, text in brackets, punctuation, extra spaces."""
    text = unicodedata.normalize("NFC", title or "").casefold()
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def similar(a: str, b: str) -> bool:
    left, right = core_title(a), core_title(b)
    if not left or not right:
        return False
    return left == right or SequenceMatcher(None, left, right).ratio() >= SIMILAR


def came_back(summaries: list[ForumSummary]) -> list[dict]:
    """Problems that were a priority in the same field in more than one forum, oldest forum first.

    Each: ``title`` (as first raised), ``field``, ``appearances`` (forum label, field, rank, pebbles,
    status, in forum order) and ``funded_before`` (an earlier answer included it, fully or partly).
    """
    ordered = in_time_order(summaries)
    clusters: list[dict] = []
    for s in ordered:
        for p in s.priorities:
            # the same field: a field's problems are what its group returns to each year
            home = next((c for c in clusters if c["field"] == p["field"] and similar(c["title"], p["title"])), None)
            if home is None:
                home = {"title": p["title"], "field": p["field"], "appearances": []}
                clusters.append(home)
            home["appearances"].append(
                {
                    "forum": s.label,
                    "key": s.key,
                    "field": p["field"],
                    "rank": p["rank"],
                    "pebbles": p["pebbles"],
                    "status": p.get("status"),
                }
            )
    out = []
    for c in clusters:
        forums = list(dict.fromkeys(a["key"] for a in c["appearances"]))
        if len(forums) < 2:
            continue
        last_forum = forums[-1]
        c["funded_before"] = any(a["status"] in FUNDED for a in c["appearances"] if a["key"] != last_forum)
        out.append(c)
    return out
