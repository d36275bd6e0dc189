"""Every key in one catalog is in the other, and every key the code uses exists."""

import re
from pathlib import Path

from forum_core import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("forum_core", "pages", "ui") for p in (ROOT / d).rglob("*.py")] + [
    ROOT / "app.py",
    ROOT / "navigation.py",
]


def test_catalogs_have_the_same_keys():
    ka, en = i18n.catalog("ka"), i18n.catalog("en")
    assert sorted(set(ka) - set(en)) == []
    assert sorted(set(en) - set(ka)) == []


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_placeholders_match_between_languages():
    """Every form of a key (plain string or each plural form) has the same placeholders in both languages."""
    ka, en = i18n.catalog("ka"), i18n.catalog("en")
    for key in ka:
        found = [_placeholders(text) for lang in (ka, en) for text in i18n.forms(lang[key])]
        assert all(f == found[0] for f in found), (key, found)


def test_every_literal_key_used_in_the_code_exists():
    used = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*(?:lang,\s*|code,\s*)?["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
    assert used, "the scan found no keys: the pattern is broken"
    missing = sorted(k for k in used if k not in i18n.catalog("ka"))
    assert missing == []


def test_every_error_code_has_a_message():
    codes = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"""FieldError\([^,]+,\s*["']([a-z_]+)["']""", text))
        codes |= set(re.findall(r"""FileProblem\(\s*["']([a-z_]+)["']""", text))
    assert {"required", "bad_phone", "missing_columns"} <= codes
    assert sorted(c for c in codes if f"error.{c}" not in i18n.catalog("en")) == []


def test_outcome_reasons_shown_by_pages_exist():
    """Pages show an outcome through ui.session.outcome_message: ``reason.<value>`` for every reason."""
    from forum_core.vocabulary import Reason

    for lang in i18n.LANGUAGES:
        assert all(f"reason.{r}" in i18n.catalog(lang) for r in Reason), lang


def test_translation_and_fallback():
    assert i18n.t("en", "error.out_of_range", min=1, max=20) == "The number must be between 1 and 20."
    assert i18n.t("xx", "nav.setup") == i18n.catalog("ka")["nav.setup"]
    assert i18n.normalize_language("EN") == "en" and i18n.normalize_language(None) == "ka"


# --- plural forms --------------------------------------------------------------------------------


def test_plural_entries_are_well_formed():
    """A plural entry is an object of CLDR categories; ``other`` is always there, and English,
    where the noun changes, has ``one`` too (Georgian may keep ``other`` alone)."""
    for lang in i18n.LANGUAGES:
        for key, entry in i18n.catalog(lang).items():
            if isinstance(entry, dict):
                assert "other" in entry and set(entry) <= {"one", "other"}, (lang, key)
                assert all(isinstance(text, str) for text in entry.values()), (lang, key)
                if lang == "en":
                    assert "one" in entry, key
            else:
                assert isinstance(entry, str), (lang, key)


def test_plural_category():
    assert [i18n.plural_category("en", n) for n in (0, 1, "1", 2, 11, 21, 1.5, None)] == [
        "other",
        "one",
        "one",
        "other",
        "other",
        "other",
        "other",
        "other",
    ]
    assert i18n.plural_category("ka", 1) == "one" and i18n.plural_category("ka", 5) == "other"


def test_count_chooses_the_form():
    t = i18n.t
    assert t("en", "fac.pebbles_n", count=1) == "1 pebble"
    assert t("en", "fac.pebbles_n", count=2) == "2 pebbles"
    assert t("en", "fac.pebbles_n", count=0) == "0 pebbles"
    assert t("en", "desk.paper_recorded", count=1) == "1 person checked in."
    assert t("en", "desk.paper_recorded", count=3) == "3 people checked in."
    assert t("en", "audit.shown", count=1) == "1 entry shown (newest first)."
    assert t("en", "audit.shown", count=40) == "40 entries shown (newest first)."
    assert t("en", "report.synced", count=1) == "1 new priority taken in as a recommendation."
    assert t("en", "desk.group_with_size", number=3, name="Roads", size=1, count=1) == "3. Roads — 1 person"
    assert t("en", "fac.tie", places=1, count=1, titles="A, B").startswith("Tie at the cut line: A, B — 1 place left.")
    assert t("en", "print.duration_h", hours=2, count=2) == "2 hours"
    # Georgian: the noun stays singular after a numeral, one text for every number
    assert t("ka", "fac.pebbles_n", count=1) == "1 კენჭი" and t("ka", "fac.pebbles_n", count=7) == "7 კენჭი"
    # without a count a plural entry takes its "other" form (never the raw object)
    assert t("en", "fac.pebbles_n") == "{count} pebbles"


# Words that show a number of things in English. The heuristic below reads, after each
# placeholder, the next one or two words (an adjective may stand between: "{count} new codes");
# if one of them is a plural (ends in "s" or "(s)", or is an irregular plural such as
# "people"), the number needs a one-form, so the entry must be a plural object. Placeholders
# that never hold a number of things (names, paths, texts) and limits that are never 1
# ({max}, {min}) are skipped, as are short function words ending in "s" ("is", "has").
_TEXT_PLACEHOLDERS = {
    "backup",
    "code",
    "codes",
    "column",
    "columns",
    "desk",
    "detail",
    "error",
    "field",
    "folder",
    "groups",
    "holder",
    "label",
    "municipality",
    "name",
    "page",
    "path",
    "reason",
    "role",
    "room",
    "text",
    "time",
    "title",
    "titles",
    "value",
    "max",
    "min",
    "max_mb",
}
_IRREGULAR_PLURALS = {"people", "children", "men", "women", "persons"}
_NOT_NOUNS = {"is", "was", "has", "does", "this", "its", "his", "as", "us", "less", "plus", "minus", "s"}


def _plural_noun_after_number(text: str) -> str | None:
    for match in re.finditer(r"{(\w+)}((?: [A-Za-z()]+){1,2})", text):
        if match.group(1) in _TEXT_PLACEHOLDERS:
            continue
        for word in match.group(2).split():
            lower = word.lower()
            if lower in _NOT_NOUNS:
                continue
            if lower.endswith(("s", "(s)")) or lower in _IRREGULAR_PLURALS:
                return f"{{{match.group(1)}}} {word}"
    return None


def test_the_plural_heuristic_itself():
    assert _plural_noun_after_number("{count} pebbles") == "{count} pebbles"
    assert _plural_noun_after_number("{count} new code(s).") is not None
    assert _plural_noun_after_number("{size} people") is not None
    assert _plural_noun_after_number("{path} is not a backup") is None
    assert _plural_noun_after_number("at most {max} characters") is None
    assert _plural_noun_after_number("wait {seconds} s and try again") is None


def test_english_counts_have_a_singular():
    """No "1 pebbles": an English plain string that puts a plural noun after a number fails."""
    offending = {
        key: found
        for key, entry in i18n.catalog("en").items()
        if isinstance(entry, str) and (found := _plural_noun_after_number(entry))
    }
    assert offending == {}


def test_plural_entries_are_called_with_a_count():
    """Every literal use of a key with plural forms passes ``count=`` (else English shows "other")."""
    plural = {k for k, v in i18n.catalog("en").items() if isinstance(v, dict)}
    missing = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"""\bt\(\s*(?:lang,\s*)?["']([a-z_]+\.[a-z0-9_.]+)["']""", text):
            if match.group(1) in plural:
                call = text[match.end() : match.end() + 300]
                depth, end = 1, 0
                for end, ch in enumerate(call):  # noqa: B007 (end is read after the loop)
                    depth += {"(": 1, ")": -1}.get(ch, 0)
                    if depth == 0:
                        break
                if not re.search(r"\bcount=", call[:end]):
                    missing.append(f"{path.relative_to(ROOT)}: {match.group(1)}")
    assert missing == []


# Symbols the catalogs use beyond the letters and punctuation of the bundled fonts: each one seen
# drawn by the browsers of the day (Chromium on Linux, Windows and Android system fonts). "⏵" and "⏴"
# were not: the moderator's page buttons showed empty boxes on a browser tour.
DRAWN_SYMBOLS = set("✓✗⚑◐→▶◀")


def test_every_character_of_the_catalogs_can_be_drawn():
    from fontTools.ttLib import TTFont

    from forum_core.printing import FONT_DIR, FONTS

    drawn = set()
    for regular, _bold in FONTS.values():
        drawn |= {chr(c) for c in TTFont(FONT_DIR / regular).getBestCmap()}

    def texts(value):
        yield from (t for v in value.values() for t in texts(v)) if isinstance(value, dict) else [value]

    for lang in i18n.LANGUAGES:
        for key, value in i18n.catalog(lang).items():
            for text in texts(value):
                strange = {c for c in text if c not in drawn and c not in DRAWN_SYMBOLS}
                assert not strange, (lang, key, [f"U+{ord(c):04X}" for c in sorted(strange)])


def test_the_lari_sign_and_georgian_capitals_have_their_own_font_in_the_browser():
    """Streamlit's font has no ₾ and no Georgian capitals (Mtavruli), and some browsers' system fonts
    lack them (empty boxes in Debian's Chromium; a browser tour saw a problem's Mtavruli title so on
    the projector): .streamlit/config.toml gives the page faces for those characters alone, cut from
    the bundled Noto fonts (their glyphs, unchanged), served from static/ with the licence beside them."""
    import tomllib
    from pathlib import Path

    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    from forum_core.printing import FONT_DIR

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
    faces = config["theme"]["fontFaces"]
    assert config["theme"]["font"].split(",")[0].strip() == faces[0]["family"]

    def outline(font: TTFont, char: int) -> list:
        pen = RecordingPen()
        font.getGlyphSet()[font.getBestCmap()[char]].draw(pen)
        return pen.value

    # each range: its characters, and the bundled font it is cut from
    ranges = {"U+20BE": ({0x20BE}, "NotoSans"), "U+1C90-1CBF": (set(range(0x1C90, 0x1CC0)), "NotoSansGeorgian")}
    assert {(face["unicodeRange"], face["weight"]) for face in faces} == {(r, w) for r in ranges for w in (400, 700)}
    for face in faces:
        chars, source_name = ranges[face["unicodeRange"]]
        served = root / "static" / face["url"].removeprefix("app/static/")
        cut = TTFont(served)
        source = TTFont(FONT_DIR / f"{source_name}-{'Bold' if face['weight'] == 700 else 'Regular'}.ttf")
        # those characters only (the lari's face is 2 KB, not Noto's 500 KB), each as Noto draws it
        assert set(cut.getBestCmap()) == chars & set(source.getBestCmap()) and len(cut.getBestCmap()) >= 1
        assert all(outline(cut, c) == outline(source, c) for c in cut.getBestCmap())
        assert "SIL Open Font License" in (served.parent / "OFL.txt").read_text(encoding="utf-8")


def test_one_word_for_one_thing_and_no_settings_names_for_people():
    """The sector expert was "დარგის ექსპერტი" in the app and "დარგობრივი ექსპერტი" in the document;
    the setup page told the organizer "FORUM_BACKUP_MINUTES=0" (seen on a tour)."""
    import re

    def texts(value):
        yield from (t for v in value.values() for t in texts(v)) if isinstance(value, dict) else [value]

    ka = [text for value in i18n.catalog("ka").values() for text in texts(value)]
    assert i18n.t("ka", "role.expert") == "დარგის ექსპერტი"
    assert not [text for text in ka if "დარგობრივ" in text]
    # the command line's words and the laptop's own "no address found" speak to whoever starts the
    # app, and name the setting to change; no other text does
    for lang in i18n.LANGUAGES:
        for key, value in i18n.catalog(lang).items():
            if key.startswith(("cli.", "address.")):
                continue
            for text in texts(value):
                assert not re.search(r"\bFORUM_[A-Z_]+", text), (lang, key)


def test_every_field_a_service_names_in_an_error_has_words():
    """An error names its field with the catalog's ``label.<field>`` (ui/session.py error_line): the
    initiative's fields had none, and the tablet showed "label.cost_gel: ..." (a browser tour)."""
    from forum_core import deliberation as dl
    from forum_core import forum as forum_mod
    from forum_core import participants as people

    names = [*dl.INITIATIVE_TEXT, *dl.INITIATIVE_CHOICE, *dl.INITIATIVE_NUMBER, "program_id"]
    # a participant's group is named "group" in its errors (the field a person chooses), not group_id
    names += [*forum_mod.PROGRAM_COLUMNS, *("group" if f == "group_id" else f for f in people.PERSON_FIELDS)]
    for lang in i18n.LANGUAGES:
        assert [n for n in names if i18n.field_label(lang, n).startswith("label.")] == [], lang


def test_large_limits_in_an_error_are_grouped_and_years_are_not():
    from forum_core.validation import FieldError

    big = FieldError("cost_gel", "out_of_range", {"min": 0, "max": 10_000_000_000})
    assert "10\u00a0000\u00a0000\u00a0000" in i18n.error_text("ka", big)
    assert "10,000,000,000" in i18n.error_text("en", big)
    year = FieldError("birth_year", "out_of_range", {"min": 1900, "max": 2026})
    assert "1900" in i18n.error_text("ka", year) and "2026" in i18n.error_text("en", year)


def test_a_place_is_an_ordinal_number():
    """A priority's place in the documents: "1 ადგილი" reads "1 place"; Georgian says "1-ლი", "მე-3"."""
    assert [i18n.ordinal("ka", n) for n in (1, 2, 3, 10, 21)] == ["1-ლი", "მე-2", "მე-3", "მე-10", "მე-21"]
    assert [i18n.ordinal("en", n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
        "111th",
    ]
    assert i18n.t("ka", "report.rank_pebbles", rank=i18n.ordinal("ka", 3), count=9) == "მე-3 ადგილი, 9 კენჭი"
    assert i18n.t("en", "report.rank_pebbles", rank=i18n.ordinal("en", 1), count=1) == "1st place, 1 pebble"
