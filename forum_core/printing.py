"""Printed material: invitations, badges and paper sign-in sheets (PDF).

Text is set in Noto Sans Georgian with Noto Sans (Latin, Cyrillic, signs) and Noto
Sans Armenian as fallbacks; all ship in ``forum_core/fonts`` (OFL licences beside
them) and are embedded as real text, so names can be copied and searched in the
PDF. A name with letters none of them has is reported before printing
(:func:`unprintable`). QR codes hold only the token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, time
from functools import lru_cache
from pathlib import Path

import duckdb
import qrcode
from fpdf import FPDF

from forum_core import checkin, tokens
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.i18n import t

FONT_DIR = Path(__file__).parent / "fonts"
FONTS = {  # family -> (regular, bold); the first is the main font, the others are fallbacks in order
    "georgian": ("NotoSansGeorgian-Regular.ttf", "NotoSansGeorgian-Bold.ttf"),
    "latin": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "armenian": ("NotoSansArmenian-Regular.ttf", "NotoSansArmenian-Bold.ttf"),
}
# The catalog key of the heading over each kind of assessment item.
KIND_HEADINGS = {"strength": "fac.strengths", "weakness": "fac.weaknesses"}
Progress = Callable[[int, int], None]


class _PDF(FPDF):
    """FPDF with a fix for font switching in fpdf2 2.8.9.

    When the first characters of a text line come from a fallback font, fpdf2 sets the main
    font inside that line's ``q … Q`` block and then believes the page has it: the next
    line is written with no font selected, so a PDF reader shows it with whatever font the
    page had last (the sign-in sheets' headers after "№" came out as wrong Georgian letters).
    Forgetting the page font after every line makes the next line select its font again.
    """

    def _render_styled_text_line(self, *args, **kwargs):
        try:
            return super()._render_styled_text_line(*args, **kwargs)
        finally:
            self.current_font_is_set_on_page = False


def document(lang: str) -> FPDF:
    pdf = _PDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=False)
    for family, (regular, bold) in FONTS.items():
        pdf.add_font(family, "", str(FONT_DIR / regular))
        pdf.add_font(family, "B", str(FONT_DIR / bold))
    # Georgian letters come from the first font, everything else (digits, Latin, Cyrillic, „“–)
    # from the second, Armenian letters from the third.
    pdf.set_font("georgian", size=12)
    pdf.set_fallback_fonts(["latin", "armenian"], exact_match=False)
    pdf.set_lang("ka" if lang == "ka" else "en")
    pdf.set_creator("forum-day app")
    return pdf


@lru_cache(maxsize=1)
def _printable_chars() -> frozenset[int]:
    """Every character that one of the bundled fonts (regular and bold) can show."""
    from fontTools.ttLib import TTFont

    chars: set[int] | None = None
    for style in (0, 1):
        have: set[int] = set()
        for files in FONTS.values():
            font = TTFont(str(FONT_DIR / files[style]), lazy=True)
            have |= set(font.getBestCmap())
            font.close()
        chars = have if chars is None else chars & have
    return frozenset(chars or ())


def missing_chars(text: str) -> str:
    """The characters of ``text`` (spaces and controls aside) that no bundled font can show."""
    have = _printable_chars()
    missing = []
    for ch in str(text or ""):
        if ord(ch) not in have and not ch.isspace() and ch.isprintable() and ch not in missing:
            missing.append(ch)
    return "".join(missing)


def unprintable(persons: Iterable[dict]) -> list[tuple[dict, str]]:
    """The people whose name has characters no bundled font can show, with those characters:
    say so before printing instead of printing a blank."""
    found = []
    for p in persons:
        chars = missing_chars(f"{p['first_name']} {p['last_name']}")
        if chars:
            found.append((p, chars))
    return found


def unprintable_people(
    cur: duckdb.DuckDBPyConnection,
    forum_id: int,
    participant_ids: Iterable[int] | None = None,
    group_ids: Iterable[int] | None = None,
) -> list[tuple[dict, str]]:
    return unprintable(_people(cur, forum_id, participant_ids, group_ids))


def fit_size(
    pdf: FPDF, text: str, width: float, size: float, smallest: float, style: str = "B", family: str = "georgian"
) -> float:
    """The largest font size from ``size`` down to ``smallest`` at which ``text`` fits on one
    line of ``width`` mm (a cell's own margins included); sets that font."""
    pdf.set_font(family, style, size)
    room = width - 2 * pdf.c_margin
    text_width = pdf.get_string_width(text)
    if text_width > room:
        size = max(smallest, int(size * room / text_width * 4) / 4)
        pdf.set_font(family, style, size)
        while size > smallest and pdf.get_string_width(text) > room:
            size = max(smallest, size - 0.5)
            pdf.set_font(family, style, size)
    return size


@lru_cache(maxsize=4096)
def _qr_image(code: str):
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    qr.add_data(code)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image()


@lru_cache(maxsize=16)
def qr_png(text: str) -> bytes:
    """A QR code as PNG bytes, for screens (the projector's link to the public results)."""
    import io

    buffer = io.BytesIO()
    _qr_image(text).save(buffer, format="PNG")
    return buffer.getvalue()


def _date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _time(value: time) -> str:
    return value.strftime("%H:%M")


def _hours(minutes: int, lang: str) -> str:
    h, m = divmod(minutes, 60)
    return t(lang, "print.duration_hm", hours=h, minutes=m) if m else t(lang, "print.duration_h", hours=h, count=h)


def _people(cur, forum_id: int, participant_ids: Iterable[int] | None, group_ids: Iterable[int] | None) -> list[dict]:
    rows = people.all_active(cur, forum_id)
    if participant_ids is not None:
        wanted = set(participant_ids)
        rows = [r for r in rows if r["id"] in wanted]
    if group_ids is not None:
        groups = set(group_ids)
        rows = [r for r in rows if r["group_id"] in groups]
    return rows


def _context(cur, forum_id: int) -> tuple[dict, dict[int, dict]]:
    forum = forum_mod.get_forum(cur, forum_id)
    groups = {g["id"]: g for g in forum_mod.groups(cur, forum_id)}
    return forum, groups


def _text_block(pdf: FPDF, cache: dict, x: float, w: float, h: float, text: str) -> None:
    """``multi_cell`` for text that repeats on every page (title, invitation text, goals, a group):
    the lines are broken once per document (fpdf2 measures a line again for every character it
    adds, which made 200 invitations take seconds), then each is set as a cell."""
    key = (text, pdf.font_family, pdf.font_style, pdf.font_size_pt, w)
    lines = cache.get(key)
    if lines is None:
        lines = cache[key] = pdf.multi_cell(w, h, text, dry_run=True, output="LINES") or [""]
    for line in lines:
        pdf.set_x(x)
        pdf.cell(w, h, line, new_x="LMARGIN", new_y="NEXT")


def invitations_pdf(
    cur: duckdb.DuckDBPyConnection,
    forum_id: int,
    lang: str = "ka",
    participant_ids: Iterable[int] | None = None,
    progress: Progress | None = None,
) -> bytes:
    """One A4 invitation per participant, with their QR code and the code under it."""
    forum, groups = _context(cur, forum_id)
    codes = checkin.tokens_of_forum(cur, forum_id)
    persons = _people(cur, forum_id, participant_ids, None)
    pdf = document(lang)
    lines: dict = {}
    for index, p in enumerate(persons, start=1):
        g = groups.get(p["group_id"], {})
        pdf.add_page()
        pdf.set_margins(20, 20, 20)
        pdf.set_xy(20, 20)
        pdf.set_font("georgian", "B", 11)
        pdf.set_text_color(80, 80, 80)
        pdf.cell(0, 6, forum["municipality"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("georgian", "B", 22)
        _text_block(pdf, lines, 20, 170, 10, forum["title"])
        pdf.ln(4)
        dear = t(lang, "print.dear", name=f"{p['first_name']} {p['last_name']}")
        fit_size(pdf, dear, 170, 14, 10)
        pdf.multi_cell(0, 8, dear, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("georgian", "", 12)
        _text_block(pdf, lines, 20, 170, 6.5, t(lang, "print.invitation_text"))
        if forum["goals"]:
            pdf.ln(2)
            pdf.set_font("georgian", "B", 12)
            pdf.cell(0, 7, t(lang, "label.goals"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("georgian", "", 12)
            _text_block(pdf, lines, 20, 170, 6.5, forum["goals"])
        pdf.ln(4)
        details = [
            (t(lang, "label.forum_date"), _date(forum["forum_date"])),
            (t(lang, "label.start_time"), _time(forum["start_time"])),
            (t(lang, "print.duration"), _hours(forum["duration_min"], lang)),
            (t(lang, "label.venue"), forum["venue"]),
            (t(lang, "print.your_group"), f"{g.get('number', '')}. {g.get('name', '')} — {g.get('field', '')}"),
            (t(lang, "label.room"), g.get("room") or "—"),
        ]
        for label, value in details:
            pdf.set_font("georgian", "B", 12)
            pdf.cell(45, 8, label)
            pdf.set_font("georgian", "", 12)
            _text_block(pdf, lines, 65, 125, 8, str(value))
        code = codes.get(p["id"], "")
        if code:
            top = max(pdf.get_y() + 8, 190)
            pdf.image(_qr_image(code), x=75, y=top, w=60, h=60)
            pdf.set_xy(20, top + 61)
            pdf.set_font("latin", "B", 20)
            pdf.cell(170, 10, tokens.printable(code), align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("georgian", "", 10)
            pdf.cell(170, 6, t(lang, "print.bring_code"), align="C")
        if progress:
            progress(index, len(persons))
    return bytes(pdf.output())


BADGE_W, BADGE_H = 105.0, 74.25  # 2 x 4 on A4


def _card(pdf: FPDF, index: int, title: str) -> tuple[float, float]:
    """The index-th card of 8 per A4 sheet (2 x 4): a new page when needed, the cutting
    guide and the forum's title; returns the card's top-left corner."""
    slot = index % 8
    if slot == 0:
        pdf.add_page()
    x, y = (slot % 2) * BADGE_W, (slot // 2) * BADGE_H
    pdf.rect(x + 2, y + 2, BADGE_W - 4, BADGE_H - 4)  # cutting guide
    pdf.set_xy(x + 6, y + 6)
    pdf.set_font("georgian", "", 8)
    pdf.cell(BADGE_W - 12, 4, title[:70])
    return x, y


def badges_pdf(
    cur: duckdb.DuckDBPyConnection,
    forum_id: int,
    lang: str = "ka",
    group_ids: Iterable[int] | None = None,
    participant_ids: Iterable[int] | None = None,
    progress: Progress | None = None,
) -> bytes:
    """A4 sheets of 8 badges: name large, group and room, QR code."""
    forum, groups = _context(cur, forum_id)
    codes = checkin.tokens_of_forum(cur, forum_id)
    persons = _people(cur, forum_id, participant_ids, group_ids)
    pdf = document(lang)
    pdf.set_draw_color(180, 180, 180)
    for index, p in enumerate(persons):
        x, y = _card(pdf, index, forum["title"])
        g = groups.get(p["group_id"], {})
        pdf.set_xy(x + 6, y + 14)
        for name in (p["first_name"], p["last_name"]):  # each name on its line, smaller when long
            size = fit_size(pdf, name, BADGE_W - 48, 17, 7)
            pdf.set_x(x + 6)
            pdf.multi_cell(BADGE_W - 48, size * 0.47, name, new_x="LEFT", new_y="NEXT", align="L")
        pdf.set_xy(x + 6, y + BADGE_H - 26)
        pdf.set_font("georgian", "B", 10)
        pdf.multi_cell(
            BADGE_W - 46,
            5,
            f"{t(lang, 'label.group')} {g.get('number', '')}. {g.get('name', '')}",
            new_x="LEFT",
            new_y="NEXT",
            align="L",
        )
        pdf.set_font("georgian", "", 10)
        pdf.cell(BADGE_W - 46, 5, f"{t(lang, 'label.room')}: {g.get('room') or '—'}")
        code = codes.get(p["id"])
        if code:
            pdf.image(_qr_image(code), x=x + BADGE_W - 40, y=y + 14, w=34, h=34)
            pdf.set_xy(x + BADGE_W - 42, y + 49)
            pdf.set_font("latin", "", 8)
            pdf.cell(38, 4, tokens.printable(code), align="C")
        if progress:
            progress(index + 1, len(persons))
    if not persons:
        pdf.add_page()
    return bytes(pdf.output())


def sign_in_sheets_pdf(
    cur: duckdb.DuckDBPyConnection, forum_id: int, lang: str = "ka", group_ids: Iterable[int] | None = None
) -> bytes:
    """Paper fallback: per group, members sorted by last name with tick and time columns."""
    forum, groups = _context(cur, forum_id)
    pdf = document(lang)
    wanted = set(group_ids) if group_ids is not None else None
    for g in groups.values():
        if wanted is not None and g["id"] not in wanted:
            continue
        pdf.add_page()
        pdf.set_margins(15, 15, 15)
        pdf.set_xy(15, 15)
        pdf.set_font("georgian", "B", 15)
        pdf.multi_cell(
            0,
            8,
            f"{t(lang, 'print.sheet_title')}: {g['number']}. {g['name']}",
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
        pdf.set_font("georgian", "", 10)
        pdf.cell(
            0,
            6,
            f"{forum['title']} · {_date(forum['forum_date'])} · {t(lang, 'label.room')} {g['room'] or '—'}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(3)
        widths = (10, 55, 50, 25, 40)
        headers = (
            "№",
            t(lang, "label.last_name"),
            t(lang, "label.first_name"),
            t(lang, "print.tick"),
            t(lang, "print.time"),
        )
        pdf.set_font("georgian", "B", 10)
        for w, h in zip(widths, headers):
            pdf.cell(w, 8, h, border=1)
        pdf.ln()
        for n, p in enumerate(checkin.sign_in_sheet(cur, forum_id, g["id"]), start=1):
            if pdf.get_y() > 275:
                pdf.add_page()
            for w, value in zip(widths, (str(n), p["last_name"], p["first_name"], "", "")):
                fit_size(pdf, value, w, 11, 6, style="")  # a long name gets smaller, never crosses its box
                pdf.cell(w, 9, value, border=1)
            pdf.ln()
        for _ in range(4):  # lines for walk-ins
            for w in widths:
                pdf.cell(w, 9, "", border=1)
            pdf.ln()
    if pdf.page == 0:
        pdf.add_page()
    return bytes(pdf.output())


def group_summary_pdf(cur: duckdb.DuckDBPyConnection, forum_id: int, group_id: int, lang: str = "ka") -> bytes:
    """One page for the presenter: strengths, weaknesses, priorities with pebbles and initiatives."""
    from forum_core import deliberation as dl

    forum, groups = _context(cur, forum_id)
    g = groups[group_id]
    pdf = document(lang)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_margins(15, 15, 15)
    pdf.set_font("georgian", "B", 16)
    pdf.multi_cell(0, 8, f"{g['number']}. {g['name']} — {g['field']}", new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("georgian", "", 10)
    pdf.multi_cell(0, 5, f"{forum['title']} · {_date(forum['forum_date'])}", new_x="LMARGIN", new_y="NEXT", align="L")
    items = dl.assessment(cur, group_id)
    for kind in dl.ITEM_KINDS:
        if items[kind]:
            pdf.ln(2)
            pdf.set_font("georgian", "B", 11)
            pdf.cell(0, 6, t(lang, KIND_HEADINGS[kind]), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("georgian", "", 10)
            for item in items[kind]:
                pdf.multi_cell(0, 5, f"• {item['text']}", new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)
    pdf.set_font("georgian", "B", 12)
    pdf.cell(0, 7, t(lang, "fac.priorities"), new_x="LMARGIN", new_y="NEXT")
    for item in dl.priorities(cur, group_id):
        row = dl.initiative(cur, group_id, item["problem_id"])
        pdf.set_font("georgian", "B", 11)
        pdf.multi_cell(
            0,
            6,
            f"{item['rank']}. {item['title']} — {t(lang, 'fac.pebbles_n', count=item['pebbles'])}",
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
        pdf.set_font("georgian", "", 10)
        for name in ("title", "goal", "beneficiaries_specifics", "resources_needed", "partners"):
            if row.get(name):
                pdf.multi_cell(0, 5, f"{t(lang, 'ini.' + name)}: {row[name]}", new_x="LMARGIN", new_y="NEXT", align="L")
        if row.get("beneficiaries_count"):
            pdf.multi_cell(
                0,
                5,
                f"{t(lang, 'ini.beneficiaries_count')}: {row['beneficiaries_count']}",
                new_x="LMARGIN",
                new_y="NEXT",
                align="L",
            )
    who = dl.presenter(cur, group_id)
    if who:
        pdf.ln(2)
        pdf.set_font("georgian", "B", 11)
        pdf.cell(0, 6, f"{t(lang, 'fac.presenter')}: {who['first_name']} {who['last_name']}")
    return bytes(pdf.output())


def slip_url(address: str, role: str, lang: str) -> str:
    """The page a role's device opens at ``address`` (the laptop's, forum_core/network.py)."""
    from forum_core import access, network

    page = access.HOME_PAGE.get(role, "")
    return network.page_url(address, page, lang if role == "projector" else None)


def access_slips_pdf(forum: dict, slips: list[dict], lang: str = "ka", address: str = "") -> bytes:
    """One slip per person with their access code (8 per A4 sheet), printed when the codes
    are made: the codes are stored only as hashes and cannot be printed again later.
    ``slips``: role, label, group (text) and code, as :func:`access.create_forum_codes` returns them.
    ``address``: where devices open the app; each slip names its role's page there and, for an
    ``https://`` address, how to accept the laptop's own certificate once."""
    pdf = document(lang)
    pdf.set_draw_color(180, 180, 180)
    for index, slip in enumerate(slips):
        x, y = _card(pdf, index, forum["title"])
        pdf.set_xy(x + 6, y + 14)
        pdf.set_font("georgian", "B", 14)
        pdf.multi_cell(BADGE_W - 12, 7, t(lang, f"role.{slip['role']}"), new_x="LEFT", new_y="NEXT")
        pdf.set_font("georgian", "", 11)
        if slip.get("label"):
            pdf.set_x(x + 6)
            pdf.multi_cell(BADGE_W - 12, 6, slip["label"], new_x="LEFT", new_y="NEXT")
        pdf.set_xy(x + 6, y + 36)
        pdf.set_font("georgian", "", 9)
        pdf.cell(BADGE_W - 12, 5, t(lang, "access.slip_code"))
        pdf.set_xy(x + 6, y + 42)
        pdf.set_font("latin", "B", 22)
        pdf.cell(BADGE_W - 12, 10, slip["code"])
        if address:
            pdf.set_xy(x + 6, y + 53)
            pdf.set_font("georgian", "", 8)
            label_w = pdf.get_string_width(t(lang, "access.slip_open")) + 1.5
            pdf.cell(label_w, 5, t(lang, "access.slip_open"))
            url = slip_url(address, slip["role"], lang)
            fit_size(pdf, url, BADGE_W - 12 - label_w, 9, 5, family="latin")  # a long name shrinks, never spills
            pdf.cell(BADGE_W - 12 - label_w, 5, url)
            if address.startswith("https://"):
                pdf.set_xy(x + 6, y + 58.5)
                pdf.set_font("georgian", "", 5.6)
                pdf.multi_cell(
                    BADGE_W - 12, 2.45, t(lang, "access.slip_certificate"), new_x="LEFT", new_y="NEXT", align="L"
                )
    if not slips:
        pdf.add_page()
    return bytes(pdf.output())
