"""The two documents after the forum: the recommendations for the mayor, and the report to participants.

Both are built only from recorded data (:mod:`forum_core.report`), in Georgian or English,
with the same embedded fonts as the printed material (real, searchable text). Charts are
drawn as vector bars with their numbers beside them, so they print sharply and need no
plotting library at all.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import duckdb
from fpdf import FPDF

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import report, representation
from forum_core.i18n import ordinal, t
from forum_core.printing import KIND_HEADINGS, document

BAR = (11, 92, 173)
GREY = (110, 110, 110)
STATUS_COLOURS = {
    "included": (27, 122, 62),
    "partly": (176, 112, 0),
    "not_included": (180, 35, 35),
    "outside_competence": (90, 90, 140),
}
Progress = Callable[[int, int], None]


class _Doc:
    """A flowing A4 document: headings, paragraphs, label–value lines, tables and bar charts."""

    def __init__(self, lang: str, footer: str):
        self.lang = lang
        self.pdf: FPDF = document(lang)
        self.pdf.set_margins(18, 16, 18)
        self.pdf.set_auto_page_break(auto=True, margin=16)
        self.footer = footer
        self.width = 210 - 36
        self._widths: dict[tuple, float] = {}

    def page(self) -> None:
        self.pdf.add_page()
        self.pdf.set_auto_page_break(auto=False)  # the footer stands below the bottom margin
        self.pdf.set_font("georgian", "", 7)
        self.pdf.set_text_color(*GREY)
        self.pdf.set_xy(18, 287)
        self.pdf.cell(self.width, 4, f"{self.footer} · {self.pdf.page_no()}", align="R")
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.set_auto_page_break(auto=True, margin=16)
        self.pdf.set_xy(18, 16)

    def room(self, height: float) -> None:
        """A new page unless ``height`` mm still fit on this one (a heading stays with its text)."""
        if self.pdf.get_y() + height > 297 - 16:
            self.page()

    def heading(self, text: str, size: int = 14) -> None:
        self.room(size * 1.6)
        self.pdf.ln(2)
        self.pdf.set_font("georgian", "B", size)
        self.pdf.multi_cell(self.width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.pdf.ln(1)

    def para(self, text: str, size: float = 10, bold: bool = False, colour=(0, 0, 0), indent: float = 0) -> None:
        # Lines are broken here, word by word with cached widths: fpdf2's multi_cell measures a
        # line again for every character it adds, which made a ten-group report take 4-5 s.
        style = "B" if bold else ""
        self.pdf.set_font("georgian", style, size)
        self.pdf.set_text_color(*colour)
        height = size * 0.47
        # a cell keeps a margin on each side of its text: the words must fit between those
        for line in self._wrap(text, self.width - indent - 2 * self.pdf.c_margin, style, size):
            if self.pdf.get_y() + height > 297 - 16:
                self.page()
                self.pdf.set_font("georgian", style, size)
                self.pdf.set_text_color(*colour)
            self.pdf.set_x(18 + indent)
            self.pdf.cell(self.width - indent, height, line, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0, 0, 0)

    def _measure(self, word: str, style: str, size: float) -> float:
        key = (word, style, size)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self.pdf.get_string_width(word)
        return width

    def _wrap(self, text: str, width: float, style: str, size: float) -> list[str]:
        lines = []
        space = self._measure(" ", style, size)
        for paragraph in str(text).split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                w = self._measure(word, style, size)
                while w > width and len(word) > 1:  # a word longer than the line: cut it
                    cut = max(1, int(len(word) * width / w) - 1)
                    if line:
                        lines.append(line)
                    lines.append(word[:cut])
                    line, used = "", 0.0
                    word = word[cut:]
                    w = self._measure(word, style, size)
                if line and used + space + w > width:
                    lines.append(line)
                    line, used = word, w
                else:
                    line, used = (f"{line} {word}", used + space + w) if line else (word, w)
            lines.append(line)
        return lines

    def field(self, label: str, value, indent: float = 4) -> None:
        if value in (None, ""):
            return
        self.para(f"{label} {value}" if label.endswith("?") else f"{label}: {value}", 9, indent=indent)

    def table(self, headers: list[str], rows: list[list], widths: list[float], size: float = 8.5) -> None:
        self.pdf.set_fill_color(0)  # the default: tables take no fill (a chart's colour must not leak in)
        self.pdf.set_font("georgian", "B", size)
        self.room(12)
        with self.pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=size * 0.54,
            width=sum(widths),
            align="LEFT",
            first_row_as_headings=True,
        ) as table:
            table.row([str(h) for h in headers])
            self.pdf.set_font("georgian", "", size)
            for values in rows:
                table.row(["" if v is None else str(v) for v in values])
        self.pdf.ln(2)

    def bar_chart(self, title: str, bars: list[tuple[str, int]], label_width: float = 55) -> None:
        """Horizontal bars, each with its label on the left and its number on the right."""
        if not bars:
            return
        row = 5.2
        self.room(9 + row * len(bars))
        self.para(title, 10, bold=True)
        top = max(v for _, v in bars) or 1
        span = self.width - label_width - 14
        y = self.pdf.get_y() + 1
        for label, value in bars:
            self.pdf.set_font("georgian", "", 8)
            self.pdf.set_xy(18, y)
            self.pdf.cell(label_width - 2, row - 1, label[:45], align="R")
            self.pdf.set_fill_color(*BAR)
            length = max(0.6, span * value / top) if value else 0
            if length:
                self.pdf.rect(18 + label_width, y + 0.6, length, row - 2.2, style="F")
            self.pdf.set_xy(18 + label_width + length + 1.5, y)
            self.pdf.cell(12, row - 1, str(value))
            y += row
        self.pdf.set_fill_color(0)  # back to the default, so nothing after the chart is filled
        self.pdf.set_xy(18, y + 2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _budget_year(forum: dict) -> int:
    return forum["forum_date"].year + 1


def _cover(doc: _Doc, forum: dict, title: str, subtitle: str) -> None:
    lang = doc.lang
    doc.page()
    doc.pdf.set_y(60)
    doc.pdf.set_font("georgian", "B", 22)
    doc.pdf.multi_cell(doc.width, 11, title, new_x="LMARGIN", new_y="NEXT", align="C")
    doc.pdf.ln(4)
    doc.pdf.set_font("georgian", "", 13)
    doc.pdf.multi_cell(doc.width, 7, subtitle, new_x="LMARGIN", new_y="NEXT", align="C")
    doc.pdf.ln(16)
    for key, value in (
        ("report.cover_forum", forum["title"]),
        ("report.cover_municipality", forum["municipality"]),
        ("report.cover_date", forum["forum_date"].strftime("%d.%m.%Y")),
        ("report.cover_venue", forum["venue"]),
        ("report.cover_organizers", forum.get("organizers") or ""),
    ):
        if value:
            doc.pdf.set_font("georgian", "B", 11)
            doc.pdf.set_x(40)
            doc.pdf.cell(45, 7, t(lang, key))
            doc.pdf.set_font("georgian", "", 11)
            doc.pdf.multi_cell(doc.width - 45 - 22, 7, str(value), new_x="LMARGIN", new_y="NEXT", align="L")


def _numbers(doc: _Doc, numbers: report.Numbers) -> None:
    lang = doc.lang
    doc.page()
    doc.heading(t(lang, "report.numbers_title"), 16)
    doc.para(t(lang, "report.numbers_line", invited=numbers.invited, came=numbers.came, walk_ins=numbers.walk_ins), 11)
    doc.pdf.ln(2)
    doc.table(
        [t(lang, "report.col_group"), t(lang, "report.col_invited"), t(lang, "report.col_came")],
        [[f"{g['number']}. {g['name']}", g["invited"], g["came"]] for g in numbers.per_group]
        + [[t(lang, "report.col_total"), numbers.invited, numbers.came]],
        [110, 32, 32],
    )
    doc.bar_chart(
        t(lang, "report.chart_per_group"), [(f"{g['number']}. {g['name']}", g["came"]) for g in numbers.per_group]
    )


def _representation(doc: _Doc, rows: list[dict]) -> None:
    """Invited -> came -> at the vote per dimension, as published: a group of fewer than 5 is
    "fewer than 5" (its share and gap with it), rare communities and needs are pooled."""
    lang = doc.lang
    doc.heading(t(lang, "report.representation_title"), 13)
    doc.para(t(lang, "report.representation_intro") + " " + t(lang, "rep.definition"), 8.5, colour=GREY)
    titles = {
        "gender": "report.chart_gender",
        "age": "report.chart_age",
        "community": "report.chart_community",
        "needs": "rep.dimension_needs",
    }

    def count(value) -> str:
        return t(lang, "rep.fewer_than_5") if value is None else str(value)

    def share(value) -> str:
        return "—" if value is None else f"{value:.1f} %"

    def gap(value) -> str:
        return "—" if value is None else f"{value:+.1f}"

    for dimension in representation.DIMENSIONS:
        mine = [r for r in rows if r["dimension"] == dimension]
        if not mine:
            continue
        with_population = any(r["population_share"] is not None for r in mine)
        headers = [
            t(lang, "rep.col_category"),
            t(lang, "rep.col_invited"),
            t(lang, "rep.col_invited_share"),
            t(lang, "rep.col_checked_in"),
            t(lang, "rep.col_checked_in_share"),
            t(lang, "rep.col_checked_in_gap"),
            t(lang, "rep.col_at_vote"),
            t(lang, "rep.col_at_vote_share"),
            t(lang, "rep.col_at_vote_gap"),
        ] + ([t(lang, "rep.col_population_share")] if with_population else [])
        body = [
            [
                _category(lang, dimension, r["category"]),
                count(r["invited"]),
                share(r["invited_share"]),
                count(r["checked_in"]),
                share(r["checked_in_share"]),
                gap(r["checked_in_gap_pp"]),
                count(r["at_vote"]),
                share(r["at_vote_share"]),
                gap(r["at_vote_gap_pp"]),
            ]
            + ([share(r["population_share"])] if with_population else [])
            for r in mine
        ]
        doc.room(30)  # the title stays with the table's header and first rows
        doc.para(t(lang, titles[dimension]), 10, bold=True)
        # Georgian headers are long words: the columns are as wide as their longest word
        widths = [17, 17, 19, 15, 17, 16, 20, 20, 16] + ([17] if with_population else [])
        widths[0] += 174 - sum(widths)
        doc.table(headers, body, widths, size=7)


def _category(lang: str, dimension: str, category: str) -> str:
    if dimension == "gender":
        return t(lang, f"report.gender_{category}")
    if dimension == "age":
        return t(lang, f"report.age_{category}")
    words = {
        representation.ANY_NEED: "rep.need_any",
        representation.NO_NEED: "rep.need_none",
        representation.OTHER: "rep.other",
        representation.UNKNOWN: "report.community_unknown",
    }
    return t(lang, words[category]) if category in words else category


def _board_photo(doc: _Doc, cur, facts: dict) -> None:
    """The group's latest photo of its pebble board, small, under its counts (annex 2)."""
    image = dl.photo_image(cur, facts["id"])
    if not image:
        return
    width = 60.0
    height = width * facts["height"] / max(1, facts["width"])
    if height > 60:
        width, height = width * 60 / height, 60.0
    doc.room(height + 9)
    doc.para(t(doc.lang, "report.photo_of_board", time=facts["happened_at"].strftime("%H:%M")), 8.5, colour=GREY)
    y = doc.pdf.get_y() + 1
    doc.pdf.image(io.BytesIO(image), x=18, y=y, w=width, h=height)
    doc.pdf.set_xy(18, y + height + 3)


def _answer_lines(doc: _Doc, answer: dict | None, indent: float = 4) -> None:
    lang = doc.lang
    if answer is None:
        doc.para(t(lang, "report.status_none"), 9.5, bold=True, colour=GREY, indent=indent)
        return
    doc.para(
        t(lang, f"report.status_{answer['status']}"),
        9.5,
        bold=True,
        colour=STATUS_COLOURS[answer["status"]],
        indent=indent,
    )
    doc.field(t(lang, "report.program_code"), answer["program_code"], indent)
    if answer["amount"] is not None:
        doc.field(t(lang, "report.amount"), report.lari(answer["amount"], lang), indent)
    doc.field(t(lang, "report.reason"), answer["reason"], indent)


def _initiative(doc: _Doc, row: dict, programs: dict[int, dict]) -> None:
    lang = doc.lang
    if row.get("kind"):
        doc.field(t(lang, "ini.kind"), t(lang, f"ini.kind_{row['kind']}"))
    for name in ("title", "goal", "actions"):
        doc.field(t(lang, f"ini.{name}"), row.get(name))
    who = ", ".join(
        str(v)
        for v in (row.get("beneficiaries_count"), row.get("beneficiaries_age"), row.get("beneficiaries_specifics"))
        if v
    )
    doc.field(t(lang, "report.beneficiaries"), who)
    doc.field(t(lang, "ini.vulnerable_groups"), row.get("vulnerable_groups"))
    if row.get("large_scale"):
        doc.field(t(lang, "ini.large_scale"), t(lang, f"ini.large_scale_{row['large_scale']}"))
    for name in ("resources_needed", "resources_available", "partners"):
        doc.field(t(lang, f"ini.{name}"), row.get(name))
    if row.get("sufficient"):
        doc.field(t(lang, "ini.sufficient"), t(lang, f"ini.sufficient_{row['sufficient']}"))
    if row.get("cost_gel") is not None:
        doc.field(t(lang, "ini.cost_gel"), report.money(row["cost_gel"], lang))
    program = programs.get(row.get("program_id"))
    if program:
        amount = f" — {report.lari(program['amount'], lang)}" if program.get("amount") is not None else ""
        doc.field(t(lang, "ini.program_id"), f"{program['program_code']} {program['name']}{amount}")


def recommendations_pdf(
    cur: duckdb.DuckDBPyConnection, forum_id: int, lang: str = "ka", progress: Progress | None = None
) -> bytes:
    """The recommendations document for the mayor (see issue: cover, numbers, recommendations,
    priorities and initiatives per field, the competence annex, every problem, strengths and weaknesses)."""
    forum = forum_mod.get_forum(cur, forum_id)
    groups = forum_mod.groups(cur, forum_id)
    programs = {p["id"]: p for p in forum_mod.budget_programs(cur, forum_id)}
    title = t(lang, "report.doc_title", year=_budget_year(forum))
    doc = _Doc(lang, f"{forum['title']} · {title}")
    steps = 4 + len(groups)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps)

    _cover(doc, forum, title, t(lang, "report.doc_subtitle", municipality=forum["municipality"]))
    _numbers(doc, report.forum_in_numbers(cur, forum_id))
    _representation(doc, representation.table(cur, forum_id, public=True))
    step()

    recs = report.for_document(cur, forum_id)
    doc.page()
    doc.heading(t(lang, "report.recs_title"), 16)
    doc.para(t(lang, "report.recs_intro"), 9.5, colour=GREY)
    for n, rec in enumerate(recs, start=1):
        doc.room(22)
        doc.pdf.ln(1.5)
        doc.para(f"{n}. {rec['text']}", 11, bold=True)
        doc.para(
            t(
                lang,
                "report.from_groups",
                groups=", ".join(
                    f"{s['group_number']}. {s['group_name']} ({t(lang, 'report.rank_pebbles', rank=ordinal(lang, s['rank']), count=s['pebbles'])})"
                    for s in rec["sources"]
                    if s["still_priority"]
                ),
            ),
            9,
            indent=4,
        )
        if rec["edited"]:
            doc.para(t(lang, "report.groups_words", text=rec["original"]), 8.5, colour=GREY, indent=4)
    if not recs:
        doc.para(t(lang, "report.no_recommendations"), 10)
    step()

    doc.page()
    doc.heading(t(lang, "report.fields_title"), 16)
    for g in groups:
        top = dl.priorities(cur, g["id"])
        doc.heading(f"{g['number']}. {g['name']} — {g['field']}", 12.5)
        if not top:
            doc.para(t(lang, "report.group_not_finalised"), 9.5, colour=GREY)
        for item in top:
            doc.room(20)
            doc.para(
                f"{item['rank']}. {item['title']} — {t(lang, 'fac.pebbles_n', count=item['pebbles'])}", 10.5, bold=True
            )
            _initiative(doc, dl.initiative(cur, g["id"], item["problem_id"]), programs)
            doc.pdf.ln(1)
        step()

    doc.page()
    doc.heading(t(lang, "report.annex_competence"), 14)
    doc.para(t(lang, "report.annex_competence_intro"), 9.5, colour=GREY)
    flagged = report.outside_competence(cur, forum_id)
    for p in flagged:
        doc.room(16)
        doc.para(f"{p['title']}", 10.5, bold=True)
        doc.field(t(lang, "report.col_group"), f"{p['group_number']}. {p['group_name']} — {p['field']}")
        doc.field(t(lang, "report.detail"), p["detail"])
        doc.field(t(lang, "report.expert_note"), p["competence_note"])
        doc.field(t(lang, "report.expert"), p["expert"])
        doc.pdf.ln(1)
    if not flagged:
        doc.para(t(lang, "report.none_flagged"), 10)
    step()

    doc.page()
    doc.heading(t(lang, "report.annex_problems"), 14)
    raised = report.every_problem(cur, forum_id)
    board_photos = dl.photos(cur, forum_id)
    for g in groups:
        if raised.get(g["id"]):
            doc.para(f"{g['number']}. {g['name']}", 10.5, bold=True)
            doc.table(
                [t(lang, "fac.rank"), t(lang, "fac.problem_title"), t(lang, "fac.pebbles")],
                [
                    [r["rank"], r["title"] + (" ⚑" if r["outside_competence"] else ""), r["pebbles"]]
                    for r in raised[g["id"]]
                ],
                [14, 136, 24],
            )
        if g["id"] in board_photos:
            _board_photo(doc, cur, board_photos[g["id"]])
    doc.heading(t(lang, "report.annex_assessment"), 14)
    for g in groups:
        items = dl.assessment(cur, g["id"])
        if any(items.values()):
            doc.para(f"{g['number']}. {g['name']}", 10.5, bold=True)
            for kind in dl.ITEM_KINDS:
                if items[kind]:
                    doc.para(t(lang, KIND_HEADINGS[kind]), 9.5, bold=True, indent=2)
                    for item in items[kind]:
                        doc.para(f"• {item['text']}", 9, indent=5)
    step()
    return doc.output()


def participants_report_pdf(cur: duckdb.DuckDBPyConnection, forum_id: int, lang: str = "ka") -> bytes:
    """The report to participants at the reporting forum: each recommendation and the mayor's answer,
    then each group's priorities with the answer next to them."""
    forum = forum_mod.get_forum(cur, forum_id)
    title = t(lang, "report.participants_title", year=_budget_year(forum))
    doc = _Doc(lang, f"{forum['title']} · {title}")
    recs = report.for_document(cur, forum_id)
    _cover(doc, forum, title, t(lang, "report.participants_subtitle"))
    tally = {s: sum(1 for r in recs if r["answer"] and r["answer"]["status"] == s) for s in report.STATUSES}
    pending = sum(1 for r in recs if not r["answer"])
    doc.page()
    doc.heading(t(lang, "report.answers_title"), 16)
    doc.bar_chart(
        t(lang, "report.chart_statuses"),
        [(t(lang, f"report.status_{s}"), tally[s]) for s in report.STATUSES]
        + [(t(lang, "report.status_none"), pending)],
        label_width=70,
    )
    for n, rec in enumerate(recs, start=1):
        doc.room(22)
        doc.pdf.ln(1.5)
        doc.para(f"{n}. {rec['text']}", 11, bold=True)
        doc.para(
            t(
                lang,
                "report.from_groups",
                groups=", ".join(  # a group once, though two of its priorities were merged into this one
                    dict.fromkeys(
                        f"{s['group_number']}. {s['group_name']}" for s in rec["sources"] if s["still_priority"]
                    )
                ),
            ),
            9,
            indent=4,
        )
        _answer_lines(doc, rec["answer"])
    doc.page()
    doc.heading(t(lang, "report.by_group_title"), 16)
    status = {pid: rec["answer"] for pid, rec in report.by_problem(recs).items() if rec["answer"]}
    for g in forum_mod.groups(cur, forum_id):
        top = dl.priorities(cur, g["id"])
        if not top:
            continue
        doc.heading(f"{g['number']}. {g['name']} — {g['field']}", 12)
        doc.table(
            [t(lang, "fac.rank"), t(lang, "fac.problem_title"), t(lang, "fac.pebbles"), t(lang, "report.status")],
            [
                [
                    item["rank"],
                    item["title"],
                    item["pebbles"],
                    t(lang, f"report.status_{status[item['problem_id']]['status']}")
                    if item["problem_id"] in status
                    else t(lang, "report.status_none"),
                ]
                for item in top
            ],
            [12, 100, 20, 42],
        )
    return doc.output()
