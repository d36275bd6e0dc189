"""Issue 17's words: the audit trail as sentences in the page's language, the default code labels
in the language they are made in, a facilitator's check-in place, the statement's facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forum_core import access, accessibility, audit, i18n
from forum_core.vocabulary import Action
from tests.conftest import ORGANIZER
from ui import desk as desk_ui
from ui import widgets

LATIN = re.compile(r"[A-Za-z]")
GEORGIAN = re.compile(r"[\u10a0-\u10ff]")
# a value of each kind an entry may carry: numbers, a role, a method, a flag, a group, a list, a date
SAMPLE_BEFORE = {"pebbles": 0, "round": 0, "role": "desk", "outside_competence": False}
SAMPLE_AFTER = {"pebbles": 3, "round": 0, "role": "moderator", "outside_competence": True, "group_id": 4,
                "method": "facilitator", "top": [1, 2], "expires_at": "2027-05-28T23:59:00"}  # fmt: skip


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("action", list(Action))
def test_every_action_reads_as_a_sentence_in_the_page_language(action, lang):
    entry = {"action": action.value, "before": SAMPLE_BEFORE, "after": SAMPLE_AFTER}
    text = audit.sentence(lang, entry, {4: "4. ჯგუფი" if lang == "ka" else "4. Group"}.get)
    head = i18n.t(lang, f"action.{action.value}")
    assert text.startswith(head[:1].upper() + head[1:] if lang == "en" else head), text  # a sentence
    assert action.value not in text and "{" not in text and '"' not in text  # no code, no JSON
    foreign = (LATIN if lang == "ka" else GEORGIAN).findall(text.replace("2027-05-28 23:59", ""))
    assert not foreign, text
    assert "0 → 3" in text and "—" not in text  # what changed, before → after
    assert "round" not in text.casefold() or lang == "en"  # unchanged fields are left out


def test_real_entries_never_show_field_codes_or_json(db, forum_in_full_swing):
    cur = db.cursor()
    entries = audit.entries(cur, forum_in_full_swing, limit=5000)
    assert len(entries) > 100
    for lang in i18n.LANGUAGES:
        for entry in entries:
            text = audit.sentence(lang, entry)
            assert not text.startswith(entry["action"]), text
            for key in {**(entry["after"] if isinstance(entry["after"], dict) else {})}:
                assert f"{key}:" not in text or i18n.t(lang, f"audit.field.{key}") == key, (key, text)
            assert "{" not in text, text


def test_every_audit_field_and_kind_has_words_in_both_languages():
    for lang in i18n.LANGUAGES:
        catalog = i18n.catalog(lang)
        assert [f for f in audit.FIELDS if f"audit.field.{f}" not in catalog] == []
        assert [k for k in audit.KINDS if f"audit.kind.{k}" not in catalog] == []
        assert [k for k in widgets.STREAMLIT_WORDS.values() if k not in catalog] == []
        assert [k for k in widgets.STREAMLIT_LABELS.values() if k not in catalog] == []
        assert [k for k, _ in widgets.KEYED_HINTS.values() if k not in catalog] == []
        assert [k for _, k, _, _ in widgets.STREAMLIT_PATTERNS + widgets.MESSAGE_PATTERNS if k not in catalog] == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_streamlits_names_and_announcements_become_the_pages_words(lang):
    """What words.js does with a text Streamlit says in English (the same replace as JavaScript's,
    whose $1 Python's re spells \\1): the page's words, the person's text or the count kept whole."""
    import re

    words = widgets._page_words(lang)
    patterns = words["patterns"] + words["messages"]

    # each pattern is replaced only inside the control Streamlit says it in (words.js: a CSS selector),
    # never everywhere: a participant named "Remove …" keeps the name
    assert all(where.strip() for _, _, where in patterns)

    def said(english: str) -> str:
        for source, wanted, _where in patterns:
            if re.search(source, english):
                return re.sub(source, re.sub(r"\$(\d)", r"\\\1", wanted), english)
        return english

    assert said("6 options available.") == i18n.t(lang, "streamlit.options_available", count=6)
    assert said("1 option available.") == i18n.t(lang, "streamlit.options_available", count=1)
    assert said("2. ინფრასტრუქტურა, selected") == i18n.t(lang, "streamlit.option_selected", option="2. ინფრასტრუქტურა")
    assert said("Help for ჯგუფი") == i18n.t(lang, "streamlit.help_for", label="ჯგუფი")
    assert said("year, თარიღი") == i18n.t(lang, "streamlit.year_of", label="თარიღი")
    assert said("image/gif files are not allowed.") == i18n.t(lang, "streamlit.file_type_refused", type="image/gif")
    assert said("This type of files are not allowed.") == i18n.t(lang, "streamlit.file_type_refused_unknown")
    # a number field's message on a number outside its limits: in its alert, and after the bold
    # "Error" of its tooltip (both limits, each figure kept as typed)
    between = i18n.t(lang, "streamlit.number_between", low="0", high="999")
    assert said("Error: Number is outside the allowed range. Please enter a value between 0 and 999.") == (
        i18n.t(lang, "streamlit.error") + " " + between
    )
    assert said(": Number is outside the allowed range. Please enter a value between 0 and 999.") == ": " + between
    assert said("Error") == i18n.t(lang, "streamlit.error_title")
    assert said("Error: Number is above the allowed range. Please enter a value less than or equal to 1,000.") == (
        i18n.t(lang, "streamlit.error") + " " + i18n.t(lang, "streamlit.number_at_most", high="1,000")
    )
    # a table's search bar
    assert said("0 results") == i18n.t(lang, "streamlit.search_results", count=0)
    assert said("1 result") == i18n.t(lang, "streamlit.search_results", count=1)
    assert said("3 of 12 results") == i18n.t(lang, "streamlit.search_at", at=3, count=12)
    assert said("over 1000") == i18n.t(lang, "streamlit.search_over_1000")
    assert said("Error: Number is below the allowed range.") == (
        i18n.t(lang, "streamlit.error") + " " + i18n.t(lang, "streamlit.number_below")
    )
    if lang == "ka":
        assert not re.search("[A-Za-z]", said("6 options available.") + said("Remove ა"))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_default_code_labels_are_in_the_language_they_are_made_in(db, demo_forum, lang):
    made = access.create_forum_codes(db, ORGANIZER, demo_forum, desks=2, projectors=1, lang=lang)
    labels = {m["role"]: m["label"] for m in made if m["role"] in ("desk", "moderator", "projector")}
    assert labels == {
        "desk": i18n.t(lang, "access.default_desk", n=2),
        "moderator": "",  # named by its role in the reader's language ("Moderator · მოდერატორი", a tour)
        "projector": i18n.t(lang, "access.default_projector", n=1),
    }
    foreign = LATIN if lang == "ka" else GEORGIAN
    assert not any(foreign.search(m["label"]) for m in made if m["role"] not in access.GROUP_ROLES)


def test_a_code_without_label_signs_in_without_a_name_and_never_under_its_code(db, demo_forum):
    """No name is stored for it (the pages name it by its role in the reader's language: stored
    Georgian role words were its name on the English pages), and never the code itself."""
    code = access.create_code(db, ORGANIZER, demo_forum, "moderator").value[1]
    signed = access.sign_in(db, demo_forum, code, "", "test", access.Throttle())
    assert signed.identity.label == ""
    access.ensure_organizer_code(db, "my-organizer-1")
    assert [c["label"] for c in access.codes(db.cursor(), demo_forum) if c["role"] == "organizer"] == [""]
    named = access.create_code(db, ORGANIZER, demo_forum, "desk", label="Desk 2").value[1]
    assert access.sign_in(db, demo_forum, named, "", "test2", access.Throttle()).identity.label == "Desk 2"


def test_a_facilitator_check_in_is_placed_in_the_room_in_the_page_language():
    assert desk_ui.place_words("room 208", "ka") == i18n.t("ka", "desk.in_room", room="208")
    assert "208" in desk_ui.place_words("room 208", "en") and "ოთახ" not in desk_ui.place_words("room 208", "en")
    assert desk_ui.place_words("მაგიდა 1", "en") == "მაგიდა 1"  # a desk's own label is people's text


def test_the_statement_names_the_axe_core_the_tests_run():
    import axe_playwright_python

    bundled = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")[:200]
    assert f"axe v{accessibility.AXE_CORE_VERSION}" in bundled
    for lang in i18n.LANGUAGES:
        catalog = i18n.catalog(lang)
        assert all(f"a11y.gap_{gap}" in catalog for gap in accessibility.NOT_YET)
    assert accessibility.contact({"organizers": " ა ", "municipality": "თელავი"}) == "ა · თელავი"


def test_an_import_a_sync_and_a_person_read_in_words(db, forum_in_full_swing):
    """Seen on a tour: "participant list imported. value: import1.csv; value: 2; value: 2 ...",
    "priorities taken in as recommendations. value: #1", a person's "gender: f"."""
    from forum_core import importer, report
    from tests.unit.test_importer import ROWS, csv_bytes

    assert importer.apply(db, ORGANIZER, forum_in_full_swing, csv_bytes(ROWS), "list.csv").ok
    assert report.sync(db, ORGANIZER, forum_in_full_swing).ok
    # budget programs from a file ("value: 2027" was a new program's year)
    from forum_core import programs
    from tests.unit.test_programs import FIXTURES

    data = (FIXTURES / "programs_ka.csv").read_bytes()
    assert programs.import_programs(db, ORGANIZER, forum_in_full_swing, data, "programs.csv").reason == "saved"
    # a device signed out by the organizer ("value: 2026-12-02 01:12" was when)
    code = access.create_code(db, ORGANIZER, forum_in_full_swing, "desk").value[1]
    desk = access.sign_in(db, forum_in_full_swing, code, "Desk 11", "t", access.Throttle()).identity
    assert access.revoke_device(db, ORGANIZER, desk.device_id).ok
    entries = audit.entries(db.cursor(), forum_in_full_swing, limit=5000)
    kinds = {e["action"] for e in entries}
    assert {"participants.import", "report.sync", "participant.add"} <= kinds
    for entry in entries:  # every field an entry names has its words (none is "value")
        for side in (entry["before"], entry["after"]):
            assert not isinstance(side, dict) or set(side) <= set(audit.FIELDS), (entry["action"], side)
    imported = next(e for e in entries if e["action"] == "participants.import")
    assert audit.sentence("en", imported).startswith("P" + i18n.t("en", "action.participants.import")[1:])
    assert "file: list.csv" in audit.sentence("en", imported) and "new: 3" in audit.sentence("en", imported)
    woman = next(e for e in entries if e["action"] == "participant.add" and (e["after"] or {}).get("gender") == "f")
    assert f"{i18n.t('ka', 'audit.field.gender')}: {i18n.t('ka', 'gender.f')}" in audit.sentence("ka", woman)


def test_the_english_words_put_in_the_pages_language_are_streamlits_own():
    """Every English text and name words.js replaces (exactly, by its whole text) is one Streamlit's
    installed frontend draws: a word it no longer draws (a typo, an upgrade that changed it) would be
    left English on the Georgian pages without a sign."""
    from pathlib import Path

    import streamlit

    static = Path(streamlit.__file__).parent / "static"
    bundle = "\n".join(path.read_text(errors="ignore") for path in static.rglob("*.js"))

    def drawn(word: str) -> bool:
        if word.startswith("Press Enter to "):  # a template: `Press Enter to ${action}`, the action a literal
            return "Press Enter to ${" in bundle and f"`{word.removeprefix('Press Enter to ')}`" in bundle
        if "+Enter to " in word:  # a text area's: `Press ${mac ? `⌘` : `Ctrl`}+Enter to ${action}`
            keys, action = word.removeprefix("Press ").split("+Enter to ")
            return "+Enter to ${" in bundle and f"`{keys}`" in bundle and f"`{action}`" in bundle
        return any(f"{quote}{word}{quote}" in bundle for quote in "`\"'")

    words = [*widgets.STREAMLIT_WORDS, *widgets.STREAMLIT_LABELS, *widgets.KEYED_HINTS]
    assert [w for w in words if not drawn(w)] == []
    # a number field's messages: each one's words up to its first figure, as the frontend spells them
    said = [source.split("(")[0].replace("\\", "") for source, _, _ in widgets.NUMBER_MESSAGES]
    assert [s for s in said if s not in bundle] == []
