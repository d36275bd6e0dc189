"""Checks shared by every form and import: text cleaning, lengths, numbers, results.

Services return values, never raise, for bad input: a list of :class:`FieldError`
(field, reason code, parameters) that the pages translate with ``error.<code>``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from forum_core.vocabulary import Reason

# Sensible maximum lengths, in characters, for every kind of text people type.
MAX_LEN = {
    "name": 60,
    "title": 200,
    "short": 120,
    "room": 30,
    "text": 2000,
    "note": 500,
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """Result of a domain operation: ``ok`` with a reason from the closed vocabulary
    (:class:`forum_core.vocabulary.Reason`: ``saved``, ``stale``, ``outside_group`` ...)."""

    ok: bool
    reason: Reason
    errors: tuple[FieldError, ...] = ()
    warnings: tuple[FieldError, ...] = ()
    value: Any = None

    def __post_init__(self):
        object.__setattr__(self, "reason", Reason(self.reason))  # an unknown reason is a programming error


def clean_text(value: Any, multiline: bool = False) -> str:
    """Strip control and direction-override characters and outer spaces; NFC-normalise."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = "\n".join(_CONTROL.sub("", line).rstrip() for line in text.split("\n"))
    else:
        text = _CONTROL.sub("", text.replace("\n", " ").replace("\r", " ").replace("\t", " "))
        text = re.sub(r" {2,}", " ", text)
    return text.strip()


def check_text(
    errors: list[FieldError],
    name: str,
    value: Any,
    kind: str = "short",
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Clean ``value``; record an error if it is missing or too long; return the cleaned text."""
    text = clean_text(value, multiline=multiline)
    limit = MAX_LEN[kind]
    if required and not text:
        errors.append(FieldError(name, "required"))
    elif len(text) > limit:
        errors.append(FieldError(name, "too_long", {"max": limit, "length": len(text)}))
    return text


def check_int(
    errors: list[FieldError], name: str, value: Any, low: int, high: int, required: bool = True
) -> int | None:
    """Parse an integer in [low, high]; record ``not_a_number`` / ``out_of_range`` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()) or _is_nan(value):
        if required:
            errors.append(FieldError(name, "required"))
        return None
    if isinstance(value, bool):
        errors.append(FieldError(name, "not_a_number"))
        return None
    try:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            number = int(value)
        else:
            text = str(value).strip().replace(" ", "")
            if re.fullmatch(r"[+-]?\d+(\.0+)?", text) is None:
                raise ValueError
            number = int(float(text)) if "." in text else int(text)
    except (ValueError, OverflowError):
        errors.append(FieldError(name, "not_a_number"))
        return None
    if not low <= number <= high:
        errors.append(FieldError(name, "out_of_range", {"min": low, "max": high}))
        return None
    return number


# An amount as people write it: "12 500", "12 500,50" (Georgian: a decimal comma), "12,500.50"
# (English), with or without the lari's sign or name. Spaces of any kind group thousands.
_LARI = re.compile(r"^(₾|gel)|(₾|ლარი|ლარ|ლ\.?|gel)$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_DIGITS = re.compile(r"\d+([.,]\d+)*")


def parse_amount(value: Any) -> Decimal | None:
    """The amount in lari that ``value`` says, or None if it is not one (a number, or a text as
    above). A separator followed by exactly three digits groups thousands ("12,500" and "12.500"
    are twelve thousand five hundred, never 12.5); the last separator followed by one or two digits
    is the decimal one (tetri). Anything else (letters, three decimals) is not an amount: it is
    refused, never guessed (a grid's number cell read "12500,50" as 1250050)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return number if number.is_finite() and number == number.quantize(Decimal("0.01")) else None
    text = _SPACES.sub("", str(value)).strip()
    text = _LARI.sub("", text)
    sign = ""
    if text.startswith(("-", "−")):
        sign, text = "-", text[1:]
    if not _DIGITS.fullmatch(text):
        return None
    parts = re.split(r"[.,]", text)
    separators = re.findall(r"[.,]", text)
    decimals = ""
    if separators and len(parts[-1]) in (1, 2) and (len(separators) == 1 or separators[-1] != separators[0]):
        decimals = parts.pop()
        separators.pop()
    # every separator left groups thousands: one kind, three digits in each group after the first,
    # one to three in the first ("12500,000" is not a way to write an amount)
    if separators and (len(set(separators)) > 1 or any(len(g) != 3 for g in parts[1:]) or len(parts[0]) > 3):
        return None
    return Decimal(sign + "".join(parts) + ("." + decimals if decimals else ""))


def check_amount(errors: list[FieldError], name: str, value: Any, high: Decimal) -> Decimal | None:
    """An amount in lari (not required) in [0, high], to the tetri; records ``not_an_amount`` /
    ``out_of_range`` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()) or _is_nan(value):
        return None
    number = parse_amount(value)
    if number is None:
        errors.append(FieldError(name, "not_an_amount"))
        return None
    if number < 0 or number > high:
        errors.append(FieldError(name, "out_of_range", {"min": 0, "max": int(high)}))
        return None
    return number.quantize(Decimal("0.01"))


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value
