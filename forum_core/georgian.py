"""Georgian specifics: transliteration of names for search, and phone numbers.

Transliteration follows the national romanisation (2002) that people use when
they type a Georgian name on a Latin keyboard (``გიორგი ბერიძე`` -> ``giorgi beridze``).
Search keys are further *folded* so that the common Latin spellings of each letter meet
(``kh``/``x``/``h``, ``q``/``k``, ``p``/``ph``/``f``, ``gh``/``g``, ``ts``/``c``/``tz``,
``ch``/``tch``, ``zh``/``j``/``dzh``, apostrophes of the older system).
"""

from __future__ import annotations

import re

_TRANSLIT = {
    "ა": "a",
    "ბ": "b",
    "გ": "g",
    "დ": "d",
    "ე": "e",
    "ვ": "v",
    "ზ": "z",
    "თ": "t",
    "ი": "i",
    "კ": "k",
    "ლ": "l",
    "მ": "m",
    "ნ": "n",
    "ო": "o",
    "პ": "p",
    "ჟ": "zh",
    "რ": "r",
    "ს": "s",
    "ტ": "t",
    "უ": "u",
    "ფ": "p",
    "ქ": "k",
    "ღ": "gh",
    "ყ": "q",
    "შ": "sh",
    "ჩ": "ch",
    "ც": "ts",
    "ძ": "dz",
    "წ": "ts",
    "ჭ": "ch",
    "ხ": "kh",
    "ჯ": "j",
    "ჰ": "h",
    "ჱ": "e",
    "ჲ": "i",
    "ჳ": "u",
    "ჴ": "kh",
    "ჵ": "o",
}
# Mtavruli (capital) letters map onto the same sounds.
_TRANSLIT.update({chr(ord(k) - 0x10D0 + 0x1C90): v for k, v in list(_TRANSLIT.items())})

# People type a Georgian name on a Latin keyboard in several ways: the national romanisation, the
# older one with apostrophes and ph/th/kh, Russian- and German-influenced spellings, phone habits.
# Folding maps every common spelling of a sound to one key, on both sides of a search, so that
# "sofo" meets სოფო (ფ: p, ph, f), "kipiani" meets ყიფიანი (ყ: q, k) and "gviniashvili" meets
# ღვინიაშვილი (ღ: gh, g). A key is coarser than the name (ქ, კ and ყ all become k): a search
# may offer a few more people, never miss the one asked for. Longest spellings first.
_FOLD_VARIANTS = {
    "tsch": "ch",  # German: Tschikowani
    "tch": "ch",  # French: Tchikovani
    "sch": "sh",  # German: Schengelia
    "dzh": "j",  # Russian: Dzhavakhishvili
    "dj": "j",
    "zh": "j",  # ჟ and ჯ are both typed j
    "kh": "h",  # ხ: kh, x, h
    "gh": "g",  # ღ: gh, g
    "ph": "p",  # ფ: p, ph, f
    "th": "t",  # თ: t, th
    "ch": "ch",
    "sh": "sh",
    "ts": "ts",
    "tz": "ts",  # წ, ც: ts, tz, c
    "x": "h",
    "c": "ts",
    "q": "k",  # ყ, ქ, კ: q, k
    "f": "p",
    "w": "v",
    "y": "i",
}
_FOLD_PATTERN = re.compile("|".join(_FOLD_VARIANTS))  # dicts keep order: longest spellings first


def transliterate(text: str) -> str:
    """Georgian letters to Latin; other characters unchanged."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text)


def fold(text: str) -> str:
    """Lower-case Latin text with spelling variants unified, words separated by one space."""
    text = re.sub(r"['`’ʼ]", "", transliterate(text.lower()))  # k'/k’ of the older romanisation
    text = _FOLD_PATTERN.sub(lambda m: _FOLD_VARIANTS[m.group()], text)
    text = re.sub(r"[^0-9a-z\u0400-\u04ff]+", " ", text)
    return text.strip()


def search_key(*parts: str) -> str:
    return fold(" ".join(p for p in parts if p))


def query_terms(query: str) -> list[str]:
    return [t for t in fold(query).split(" ") if t]


# --- phone numbers -------------------------------------------------------

_PHONE_CHARS = re.compile(r"[\s\-().\u00a0/]")


def normalize_phone(raw: str) -> str | None:
    """Return ``+995XXXXXXXXX`` for a Georgian number, or None if it is not one.

    Georgian national numbers have 9 digits: mobile 5XX XXX XXX, geographic
    3X/4X..., VoIP 70X. Accepts +995, 00995, 995 prefixes and the old trunk 0.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a number cell read from Excel
        text = text[:-2]
    text = _PHONE_CHARS.sub("", text)
    if text.startswith("+"):
        if not text.startswith("+995"):
            return None
        text = text[4:]
    elif text.startswith("00995"):
        text = text[5:]
    elif text.startswith("995") and len(text) == 12:
        text = text[3:]
    elif text.startswith("0") and len(text) == 10:
        text = text[1:]
    if not re.fullmatch(r"[3457]\d{8}", text):
        return None
    return "+995" + text


def format_phone(normalized: str | None) -> str:
    """``+995599123456`` -> ``+995 599 12 34 56``."""
    if not normalized:
        return ""
    n = normalized[4:]
    return f"+995 {n[:3]} {n[3:5]} {n[5:7]} {n[7:]}"


def phone_digits(normalized: str | None) -> str:
    return normalized[4:] if normalized else ""
