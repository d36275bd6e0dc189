"""The interface languages: Georgian first, English second.

Every string a person sees comes from ``catalogs/ka.json`` or ``catalogs/en.json``.
Keys are dotted (``error.required``); parameters are filled with ``str.format``.

Plural forms: a catalog value that shows a number of things may be an object of CLDR
plural categories instead of a string, e.g. in ``en.json``::

    "desk.paper_recorded": {"one": "{count} person checked in.", "other": "{count} people checked in."}

The caller passes the number as ``count``: ``t(lang, "desk.paper_recorded", count=n)``.
The category is chosen by :func:`plural_category` (for ``en`` and ``ka`` alike, CLDR's
cardinal rules: ``one`` for exactly 1, ``other`` for everything else). A missing
category, or a missing ``count``, takes ``other``. Georgian nouns stay singular after a
numeral ("3 კენჭი"), so ``ka.json`` usually keeps a plain string (or ``{"other": ...}``).
Every form of a key has the same placeholders in both languages (``tests/unit/test_i18n.py``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from forum_core.validation import FieldError

LANGUAGES = ("ka", "en")
DEFAULT_LANGUAGE = "ka"
_DIR = Path(__file__).parent / "catalogs"


Entry = str | dict[str, str]  # a string, or plural forms by CLDR category ("one", "other")


@cache
def catalog(lang: str) -> dict[str, Entry]:
    with open(_DIR / f"{lang}.json", encoding="utf-8") as fh:
        return json.load(fh)


def normalize_language(value: str | None) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def plural_category(lang: str, count) -> str:
    """The CLDR cardinal category of ``count`` in ``lang``: ``one`` or ``other``.

    CLDR gives both languages these two categories: English ``one`` when the number is
    written "1" (i = 1 and no visible decimals: "1.0" is ``other``), Georgian ``one`` when
    n = 1. A language with more categories would add its rule here."""
    text = str(count).strip()
    if lang == "ka":
        try:
            return "one" if float(text) == 1 else "other"
        except ValueError:
            return "other"
    return "one" if text == "1" else "other"


def forms(entry: Entry) -> list[str]:
    """The texts of one catalog entry: the string itself, or each plural form."""
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def _choose(lang: str, entry: Entry, count) -> str:
    if not isinstance(entry, dict):
        return entry
    if count is not None and (form := entry.get(plural_category(lang, count))) is not None:
        return form
    return entry.get("other") or next(iter(entry.values()), "")


def t(lang: str, key: str, **params) -> str:
    """The text for ``key``; a missing key shows itself (and fails the catalog test).

    ``count`` chooses the plural form of an entry that has them (see the module's text)."""
    lang = normalize_language(lang)
    entry = catalog(lang).get(key)
    if entry is None:
        entry, lang = catalog(DEFAULT_LANGUAGE).get(key, key), DEFAULT_LANGUAGE
    text = _choose(lang, entry, params.get("count"))
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def field_label(lang: str, name: str) -> str:
    """``group.3.name`` -> "group 3: name"; ``phone`` -> "phone"."""
    parts = name.split(".")
    if len(parts) == 3 and parts[1].isdigit():
        return t(lang, f"label.{parts[0]}_row", row=parts[1], field=t(lang, f"label.{parts[2]}"))
    return t(lang, f"label.{name}")


def grouped(lang: str, number: int) -> str:
    """A large whole number with its thousands apart ("10 000 000", "10,000,000"); below 10 000 as
    it is (a year, 2027, stays whole)."""
    if abs(number) < 10_000:
        return str(number)
    return f"{number:,}".replace(",", "\u00a0" if lang == "ka" else ",")  # Georgian: a space (unbroken)


def ordinal(lang: str, number: int) -> str:
    """A place as an ordinal number: "1-ლი", "მე-3" (Georgian: "1 ადგილი" reads "1 place");
    "1st", "3rd", "11th"."""
    if lang == "ka":
        return "1-ლი" if number == 1 else f"მე-{number}"
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def error_text(lang: str, error: FieldError) -> str:
    params = {
        k: grouped(lang, v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in error.params.items()
    }
    return t(lang, f"error.{error.code}", **params)


def error_line(lang: str, error: FieldError) -> str:
    """One line naming the field and the reason, for lists of errors."""
    return f"{field_label(lang, error.field)}: {error_text(lang, error)}"
