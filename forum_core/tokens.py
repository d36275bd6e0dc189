"""QR tokens: short, unguessable, self-checking codes on invitations and badges.

A token is 6 random characters and a 3-character tag, an HMAC of the random part
with the forum's secret. The alphabet has no look-alikes (no O/0, I/1) and no Y/Z,
which German and other keyboard layouts swap: a handheld scanner "typing" on a
tablet with another layout still types the right code. 30^6 random values make a
code unguessable among a few thousand; the tag tells a mistyped or forged code
(``invalid``) from a well-formed one nobody holds (``unknown``) without a lookup.
The QR holds only the token: no name, no phone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWX"
RANDOM_LENGTH = 6
TAG_LENGTH = 3
LENGTH = RANDOM_LENGTH + TAG_LENGTH
_SEPARATORS = re.compile(r"[\s\-_.·]+")


def _tag(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(TAG_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def new_token(secret: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _tag(secret, body)


def normalize(raw: str) -> str:
    """What a desk input holds -> the canonical code: upper case, no spaces or dashes."""
    return _SEPARATORS.sub("", (raw or "").strip()).upper()


def newest(code: str) -> str:
    """The last code of several typed one after another into a box that was not emptied
    (a scanner types ``ABC…J`` again and again): whole codes only, else unchanged."""
    if len(code) > LENGTH and len(code) % LENGTH == 0:
        return code[-LENGTH:]
    return code


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def has_valid_tag(secret: str, code: str) -> bool:
    return is_well_formed(code) and hmac.compare_digest(_tag(secret, code[:RANDOM_LENGTH]), code[RANDOM_LENGTH:])


def printable(code: str) -> str:
    """``ABCDEFGHJ`` -> ``ABC-DEF-GHJ`` for people reading it off the paper."""
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))
