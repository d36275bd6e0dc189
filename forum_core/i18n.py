"""The interface languages: Georgian first, English second.

Every string a person sees comes from ``catalogs/ka.json`` or ``catalogs/en.json``.
Keys are dotted (``error.required``); parameters are filled with ``str.format``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from forum_core.validation import FieldError

LANGUAGES = ("ka", "en")
DEFAULT_LANGUAGE = "ka"
_DIR = Path(__file__).parent / "catalogs"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    with open(_DIR / f"{lang}.json", encoding="utf-8") as fh:
        return json.load(fh)


def normalize_language(value: str | None) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def t(lang: str, key: str, **params) -> str:
    """The text for ``key``; a missing key shows itself (and fails the catalog test)."""
    text = catalog(normalize_language(lang)).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
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


def error_text(lang: str, error: FieldError) -> str:
    return t(lang, f"error.{error.code}", **error.params)


def error_line(lang: str, error: FieldError) -> str:
    """One line naming the field and the reason, for lists of errors."""
    return f"{field_label(lang, error.field)}: {error_text(lang, error)}"
