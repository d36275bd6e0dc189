"""Who may do what: roles, access codes, signed-in devices, the sign-in throttle.

Roles: organizer, desk, facilitator (of one group), expert (of one group),
moderator, projector (a display), public (no code). A person signs in with a short
code; the organizer creates the codes (per group for facilitators and experts) and
prints each on a slip. Codes are stored only as salted scrypt hashes. A code is
``AB-CDEFGH``: the first two characters pick the stored code to compare with (they
are no secret), the other six are the secret; the comparison is constant-time.

A sign-in opens a *device session* whose random token the browser keeps in a cookie,
so a tablet stays signed in across reloads for the day; the organizer can sign a
device out remotely (revoke it) and the device sees the sign-in page on its next run.

Pages ask :func:`may_open`; every unit of work asks ``vocabulary.may_write`` and, for
a facilitator or expert, checks the group (``Database.unit``, ``Unit.in_group``), so a
change is refused by role and group even if a page forgot to hide it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time as _time
from dataclasses import dataclass
from datetime import datetime, timedelta

from forum_core import i18n, tokens
from forum_core.db import FIRST_START_ACTOR, Actor, Database, Unit, rows_as_dicts
from forum_core.validation import FieldError, Outcome, check_text
from forum_core.vocabulary import GROUP_ROLES, ROLES, may_write, sees_personal_data  # noqa: F401 (re-exported)

CODE_ROLES = ROLES[:-1]  # the public needs no code

# Which roles may open each page (by its URL path).
PAGE_ROLES: dict[str, frozenset[str]] = {
    "setup": frozenset({"organizer"}),
    "participants": frozenset({"organizer"}),
    "access": frozenset({"organizer"}),
    "audit": frozenset({"organizer"}),
    "report": frozenset({"organizer"}),
    "compare": frozenset({"organizer"}),
    "registration": frozenset({"organizer", "desk"}),
    "facilitator": frozenset({"organizer", "facilitator", "expert"}),
    "overview": frozenset({"organizer", "moderator"}),
    "control": frozenset({"organizer", "moderator"}),
    "plenary": frozenset({"organizer", "moderator", "projector"}),
    "results": frozenset(ROLES),
    "accessibility": frozenset(ROLES),  # the accessibility statement: open without sign-in
}

# Where each role lands after signing in.
HOME_PAGE = {
    "organizer": "setup",
    "desk": "registration",
    "facilitator": "facilitator",
    "expert": "facilitator",
    "moderator": "control",
    "projector": "plenary",
    "public": "signin",
}


def home_page(role: str, has_forum: bool) -> str:
    """The page a role lands on; before any forum exists only the organizer gets past the sign-in."""
    return HOME_PAGE[role] if has_forum or role == "organizer" else "signin"


CODE_PREFIX = 2
CODE_SECRET = 6
DEVICE_HOURS = 16  # a forum day, with its preparation
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
if os.environ.get("FORUM_TEST_CHEAP_HASH") == "1":  # the test suite only (tests/conftest.py): codes hash in
    _SCRYPT = {"n": 2**4, "r": 8, "p": 1, "dklen": 32}  # microseconds; never set this for a real forum


def may_open(role: str, page: str) -> bool:
    return role in PAGE_ROLES.get(page, frozenset({"organizer"}))


# --- codes -------------------------------------------------------------------------------------


def normalize_code(raw: str | None) -> str:
    return tokens.normalize(raw or "")[:40]


def format_code(code: str) -> str:
    return f"{code[:CODE_PREFIX]}-{code[CODE_PREFIX:]}"


# One code check at a time: scrypt is made slow on purpose (~60-110 ms and 16 MB each) and runs
# outside the GIL, so parallel sign-ins (or a guessing attack from many addresses, up to the
# throttle's rate) would otherwise take both cores from the desks. Serialised, they take one.
_HASHING = threading.Lock()


def _hash(code: str, salt: bytes) -> bytes:
    with _HASHING:
        return hashlib.scrypt(code.encode(), salt=salt, **_SCRYPT)


def _new_code(cur) -> str:
    used = {r[0] for r in cur.execute("SELECT prefix FROM access_code WHERE revoked_at IS NULL").fetchall()}
    for _ in range(1000):
        code = "".join(secrets.choice(tokens.ALPHABET) for _ in range(CODE_PREFIX + CODE_SECRET))
        if code[:CODE_PREFIX] not in used:
            return code
    raise RuntimeError("no free code prefix")  # 900 prefixes: never for one forum's few dozen codes


def _insert_code(unit: Unit, forum_id: int | None, role: str, group_id: int | None, label: str, code: str) -> int:
    salt = secrets.token_bytes(16)
    code_id = unit.write(
        "access_code",
        "INSERT INTO access_code (forum_id, role, group_id, label, prefix, salt, hash, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [forum_id, role, group_id, label, code[:CODE_PREFIX], salt.hex(), _hash(code, salt).hex(), unit.now],
    ).fetchone()[0]
    unit.audit(
        "access_code",
        code_id,
        None,
        {"role": role, "group_id": group_id, "label": label},
        forum_id,
        action="access.code_create",
    )  # never the code itself
    return code_id


def create_code(
    db: Database, actor: Actor, forum_id: int, role: str, group_id: int | None = None, label: str = ""
) -> Outcome:
    """A new code for a role (and group); the outcome's value is the code, shown once."""
    errors: list[FieldError] = []
    label = check_text(errors, "label", label, "short")
    if role not in CODE_ROLES:
        errors.append(FieldError("role", "bad_choice"))
    if role in GROUP_ROLES and group_id is None:
        errors.append(FieldError("group", "required"))
    if errors:
        return Outcome(False, "invalid", tuple(errors))

    def work(unit: Unit) -> Outcome:
        if (
            role in GROUP_ROLES
            and not unit.execute(
                "SELECT 1 FROM working_group WHERE id = ? AND forum_id = ?", [group_id, forum_id]
            ).fetchone()
        ):
            return Outcome(False, "not_found")
        code = _new_code(unit.cur)
        code_id = _insert_code(
            unit,
            None if role == "organizer" else forum_id,
            role,
            group_id if role in GROUP_ROLES else None,
            label,
            code,
        )
        return Outcome(True, "created", value=(code_id, code))

    return db.attempt(actor, "access.code_create", work)


def create_forum_codes(
    db: Database, actor: Actor, forum_id: int, desks: int = 4, projectors: int = 2, lang: str = i18n.DEFAULT_LANGUAGE
) -> list[dict]:
    """A full set for a forum day: desks, a facilitator and an expert per group, a moderator, projectors.
    The labels are in ``lang`` (they print on the slips): "მაგიდა 1", "პროექტორი 1"..."""
    groups = (
        db.cursor()
        .execute("SELECT id, number, name FROM working_group WHERE forum_id = ? ORDER BY number", [forum_id])
        .fetchall()
    )
    wanted = [("desk", None, i18n.t(lang, "access.default_desk", n=n)) for n in range(1, desks + 1)]
    for gid, number, name in groups:
        wanted += [("facilitator", gid, f"{number}. {name}"), ("expert", gid, f"{number}. {name}")]
    wanted += [("moderator", None, "")]  # named by its role, in the reader's language
    wanted += [("projector", None, i18n.t(lang, "access.default_projector", n=n)) for n in range(1, projectors + 1)]
    made = []
    for role, gid, label in wanted:
        outcome = create_code(db, actor, forum_id, role, gid, label)
        if outcome.ok:
            made.append(
                {
                    "id": outcome.value[0],
                    "role": role,
                    "group_id": gid,
                    "label": label,
                    "code": format_code(outcome.value[1]),
                }
            )
    return made


def has_organizer_code(cur) -> bool:
    return (
        cur.execute("SELECT count(*) FROM access_code WHERE role = 'organizer' AND revoked_at IS NULL").fetchone()[0]
        > 0
    )


def ensure_organizer_code(db: Database, given: str | None = None) -> str | None:
    """At first start: the installation's organizer code.

    With ``given`` (from secrets or the environment) that code is stored (if no code
    exists yet) and None is returned; otherwise a new code is made and returned, to be
    shown once. Returns None when a code already exists."""
    if has_organizer_code(db.cursor()):
        return None
    code = normalize_code(given) if given else None
    if given is not None and len(code) < 6:
        raise ValueError("the organizer code must have at least 6 letters or digits")

    def work(unit: Unit):
        if has_organizer_code(unit.cur):
            return None
        chosen = code or _new_code(unit.cur)
        # no label: the pages name it by its role in the reader's language (a stored Georgian label
        # became the name of every organizer device signed in without one, on English pages too)
        _insert_code(unit, None, "organizer", None, "", chosen)
        return chosen

    made = db.write(FIRST_START_ACTOR, "access.code_create", work)
    return None if given or made is None else format_code(made)


def is_local_address(address: str | None) -> bool:
    """Whether a browser runs on the laptop itself (a loopback address); an unknown address is not."""
    import ipaddress

    if not isinstance(address, str) or not address.strip():
        return False
    text = address.strip().split("%")[0]
    if text.casefold() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def organizer_signed_in(cur) -> bool:
    """Whether any device has ever signed in as the organizer (the first start's code is then known)."""
    return cur.execute("SELECT count(*) FROM device_session WHERE role = 'organizer'").fetchone()[0] > 0


def codes(cur, forum_id: int) -> list[dict]:
    """The forum's codes (and the organizer's), without any secret."""
    return rows_as_dicts(
        cur.execute(
            "SELECT c.id, c.role, c.group_id, g.number AS group_number, c.label, c.prefix, c.created_at, c.revoked_at "
            "FROM access_code c LEFT JOIN working_group g ON g.id = c.group_id "
            "WHERE c.forum_id = ? OR c.forum_id IS NULL ORDER BY c.id",
            [forum_id],
        )
    )


def revoke_code(db: Database, actor: Actor, code_id: int) -> Outcome:
    """A code stops working, and every device signed in with it is signed out."""

    def work(unit: Unit) -> Outcome:
        row = unit.execute("SELECT role, revoked_at FROM access_code WHERE id = ?", [code_id]).fetchone()
        if row is None:
            return Outcome(False, "not_found")
        if row[1] is not None:
            return Outcome(True, "unchanged")
        if (
            row[0] == "organizer"
            and unit.execute(
                "SELECT count(*) FROM access_code WHERE role = 'organizer' AND revoked_at IS NULL"
            ).fetchone()[0]
            <= 1
        ):
            return Outcome(False, "last_organizer_code")
        unit.write("access_code", "UPDATE access_code SET revoked_at = ? WHERE id = ?", [unit.now, code_id])
        unit.write(
            "device_session",
            "UPDATE device_session SET revoked_at = ? WHERE code_id = ? AND revoked_at IS NULL",
            [unit.now, code_id],
        )
        unit.audit("access_code", code_id, {"revoked_at": None}, {"revoked_at": unit.now})
        return Outcome(True, "revoked")

    return db.attempt(actor, "access.code_revoke", work)


# --- the throttle ------------------------------------------------------------------------------


class Throttle:
    """How often codes may be checked: per client and in total.

    Per client (its address, see :func:`client_key`): after 5 wrong codes each further try
    waits, doubling (1 s, 2 s, 4 s ... 5 min). An attempt is *reserved* under the lock before
    the code is checked and counts as a failure until it succeeds, so parallel attempts of one
    client get no more checks than sequential ones.

    In total: a token bucket of ``rate`` checks per second (a burst of ``burst``) across all
    clients, so rotating addresses does not buy more guesses and a guessing attack cannot take
    the laptop's processor from the desks (one check is one scrypt, ~60 ms). A check whose code
    was right gives its token back: only wrong codes spend the budget.

    Failed attempts are written to the audit trail at most once a minute per client (with how
    many attempts the entry stands for) and at most ``audit_per_minute`` entries a minute in all
    (attempts left out are counted in the next entry), so an attacker cannot fill the disk.
    """

    FREE_TRIES = 5
    MAX_WAIT = 300.0
    RATE = 5.0  # code checks per second, all clients together
    BURST = 10.0
    AUDIT_EVERY = 60.0  # seconds between two audit entries of one client
    AUDIT_PER_MINUTE = 20  # audit entries of failed sign-ins per minute, all clients together
    MAX_CLIENTS = 10_000  # clients remembered (the oldest forgotten first)

    def __init__(
        self,
        clock=_time.monotonic,
        rate: float | None = None,
        burst: float | None = None,
        audit_per_minute: int | None = None,
    ):
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, float]] = {}  # key -> (failures, not before)
        self.rate = self.RATE if rate is None else rate
        self.burst = self.BURST if burst is None else burst
        self._tokens = self.burst
        self._filled_at = clock()
        self.audit_per_minute = self.AUDIT_PER_MINUTE if audit_per_minute is None else audit_per_minute
        self._audited: dict[str, tuple[float, int]] = {}  # key -> (last entry at, attempts not yet in one)
        self._audit_window: list[float] = []  # times of the entries of the last minute
        self._unrecorded_elsewhere = 0  # attempts of clients left out by the cap

    def wait(self, key: str) -> float:
        """Seconds this client must still wait before its next try (0: may try now)."""
        with self._lock:
            _, not_before = self._state.get(key, (0, 0.0))
        return max(0.0, not_before - self._clock())

    def _count_failure(self, key: str) -> int:
        failures, _ = self._state.pop(key, (0, 0.0))  # popped and put back: the newest last
        failures += 1
        delay = 0.0 if failures < self.FREE_TRIES else min(self.MAX_WAIT, 2.0 ** (failures - self.FREE_TRIES))
        self._state[key] = (failures, self._clock() + delay)
        while len(self._state) > self.MAX_CLIENTS:
            self._state.pop(next(iter(self._state)))
        return failures

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now

    def reserve(self, key: str) -> float:
        """Take one check for this client: 0.0 when it may check a code now (the attempt then
        counts as failed until :meth:`succeeded`), else the seconds to wait."""
        with self._lock:
            now = self._clock()
            _, not_before = self._state.get(key, (0, 0.0))
            if not_before > now:
                return not_before - now
            self._refill(now)
            if self._tokens < 1.0:
                return max(0.001, (1.0 - self._tokens) / self.rate)
            self._tokens -= 1.0
            self._count_failure(key)
            return 0.0

    def failed(self, key: str) -> int:
        """Count a wrong code for a client that did not :meth:`reserve` (returns its failures)."""
        with self._lock:
            return self._count_failure(key)

    def failures(self, key: str) -> int:
        with self._lock:
            return self._state.get(key, (0, 0.0))[0]

    def succeeded(self, key: str) -> None:
        """The right code: the client's count starts again and the check's token is given back."""
        with self._lock:
            if self._state.pop(key, None) is not None:
                self._refill(self._clock())
                self._tokens = min(self.burst, self._tokens + 1.0)

    def audit_entry(self, key: str) -> dict | None:
        """After a failed attempt: what to write to the audit trail now, or None (the attempt is
        counted and reported in the client's next entry)."""
        with self._lock:
            now = self._clock()
            last, pending = self._audited.get(key, (float("-inf"), 0))
            pending += 1
            self._audit_window = [t for t in self._audit_window if t > now - 60.0]
            if now - last < self.AUDIT_EVERY:
                self._audited[key] = (last, pending)
                return None
            if len(self._audit_window) >= self.audit_per_minute:
                self._audited[key] = (last, pending)
                self._unrecorded_elsewhere += 1
                return None
            self._audit_window.append(now)
            self._audited.pop(key, None)
            self._audited[key] = (now, 0)
            while len(self._audited) > self.MAX_CLIENTS:
                self._audited.pop(next(iter(self._audited)))
            entry = {"attempts": pending, "failures": self._state.get(key, (0, 0.0))[0]}
            if self._unrecorded_elsewhere:
                entry["unrecorded_elsewhere"] = self._unrecorded_elsewhere
                self._unrecorded_elsewhere = 0
            return entry


THROTTLE = Throttle()


def client_key(address: str | None, session_id: str | None = None) -> str:
    """The throttle's key for a browser: its address, else its session. An IPv4 address written
    as IPv6 (``::ffff:10.0.0.5``) counts as IPv4; an IPv6 address by its /64 network, all of
    which one device may use in turn."""
    import ipaddress

    if address:
        try:
            ip = ipaddress.ip_address(address.strip().split("%")[0])
        except ValueError:
            return f"ip:{address.strip()[:100]}"
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.version == 6 and not ip.is_loopback:
            return f"ip:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
        return f"ip:{ip}"
    return f"session:{session_id or 'unknown'}"


# --- signing in, device sessions --------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    role: str
    group_id: int | None = None
    label: str = ""
    device_id: int | None = None
    code_id: int | None = None

    def actor(self) -> Actor:
        return Actor(self.role, self.label, self.group_id if self.role in GROUP_ROLES else None, self.device_id)


PUBLIC = Identity("public")


@dataclass(frozen=True)
class SignIn:
    status: str  # signed_in | wrong_code | wait | empty
    identity: Identity = PUBLIC
    token: str | None = None  # for the browser's cookie
    wait_s: float = 0.0
    max_age: int = 0  # seconds the device stays signed in (the cookie's lifetime)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Compared with when no stored code has the typed prefix: the same scrypt work, never a match.
_DUMMY_SALT = secrets.token_bytes(16)
_DUMMY_HASH = secrets.token_hex(32)


def _matching_code(cur, code: str, forum_id: int | None) -> dict | None:
    """The stored code this one is, or None. Exactly one scrypt check whether or not a stored
    code has the typed prefix (a dummy when none has), compared in constant time, so the time
    of the answer does not tell whether a prefix exists. (Prefixes of active codes are unique,
    see :func:`_new_code`; a code given for the organizer could share one: then each is checked.)"""
    candidates = rows_as_dicts(
        cur.execute(
            "SELECT id, forum_id, role, group_id, label, salt, hash FROM access_code "
            "WHERE prefix = ? AND revoked_at IS NULL AND (forum_id IS NULL OR forum_id = ?) ORDER BY id",
            [code[:CODE_PREFIX], forum_id],
        )
    )
    checks = [(c, bytes.fromhex(c["salt"]), c["hash"]) for c in candidates] or [(None, _DUMMY_SALT, _DUMMY_HASH)]
    found = None
    for c, salt, stored in checks:  # compare every candidate: time does not tell which one matched
        if hmac.compare_digest(_hash(code, salt).hex(), stored) and c is not None:
            found = c
    return found


def sign_in(
    db: Database, forum_id: int | None, raw_code: str, device_label: str, client: str, throttle: Throttle = THROTTLE
) -> SignIn:
    """Check a code typed on a device; on success open a device session for the day.

    ``client`` identifies the asking browser for the throttle (its address, see
    :func:`client_key`). Failures are logged in the audit trail, at most one entry a minute
    per client with the number of attempts (never the code typed); see :class:`Throttle`."""
    code = normalize_code(raw_code)
    if not code:
        return SignIn("empty")
    waiting = throttle.reserve(client)  # under the throttle's lock: parallel tries get no more checks
    if waiting > 0:
        return SignIn("wait", wait_s=waiting)
    label = " ".join((device_label or "").split())[:60]
    match = _matching_code(db.cursor(), code, forum_id) if len(code) >= 6 else None
    if match is None:
        entry = throttle.audit_entry(client)
        if entry is not None:  # at most one entry a minute per client, and a cap in all
            db.write(
                Actor("public", label or client),
                "access.sign_in_failed",
                lambda unit: unit.audit("sign_in", None, None, {"client": client, **entry}, forum_id),
            )
        return SignIn("wrong_code", wait_s=throttle.wait(client))
    throttle.succeeded(client)
    token = secrets.token_urlsafe(32)
    # no name typed: the code's label, else none; the pages say the role in the reader's language
    # (its Georgian words stood as the device's name on the English pages)
    label = label or match["label"] or ""

    def work(unit: Unit) -> tuple[Identity, datetime]:
        expires = device_expiry(unit, forum_id, unit.now)
        device_id = unit.insert(
            "device_session",
            {
                "token_hash": _token_hash(token),
                "code_id": match["id"],
                "forum_id": forum_id,
                "role": match["role"],
                "group_id": match["group_id"],
                "label": label,
                "created_at": unit.now,
                "expires_at": expires,
            },
            returning="id",
        )
        unit.audit(
            "device",
            device_id,
            None,
            {"role": match["role"], "group_id": match["group_id"], "label": label, "expires_at": expires},
            forum_id,
        )
        return Identity(match["role"], match["group_id"], label, device_id, match["id"]), expires

    identity, expires = db.write(Actor(match["role"], label), "access.sign_in", work)
    return SignIn("signed_in", identity, token, max_age=int((expires - datetime.now()).total_seconds()))


def device_expiry(cur, forum_id: int | None, now: datetime) -> datetime:
    """A device stays signed in until the end of the forum day (so tablets can be prepared the
    day before), and at least DEVICE_HOURS; revoked or signed out earlier when asked."""
    at_least = now + timedelta(hours=DEVICE_HOURS)
    row = cur.execute("SELECT forum_date FROM forum WHERE id = ?", [forum_id]).fetchone() if forum_id else None
    if row is None:
        return at_least
    end_of_day = datetime.combine(row[0], datetime.min.time()) + timedelta(days=1, hours=2)  # 02:00 the next night
    return max(at_least, end_of_day) if end_of_day - now <= timedelta(days=3) else at_least


def _devices_by_token(cur) -> dict[str, dict]:
    return {
        r["token_hash"]: r
        for r in rows_as_dicts(
            cur.execute(
                "SELECT id, token_hash, code_id, forum_id, role, group_id, label, expires_at, revoked_at "
                "FROM device_session WHERE revoked_at IS NULL"
            )
        )
    }


def _signed_in_devices(db: Database) -> dict[str, dict]:
    """Devices not signed out, by token hash: read once per change of the devices or codes."""
    return db.read_through(("device_sessions",), ("device_session", "access_code"), _devices_by_token)


def resume(db: Database, token: str | None, now: datetime | None = None) -> Identity | None:
    """The identity of a device that signed in earlier (from its cookie), or None if
    unknown, expired or signed out. Cheap: the table is read once per change."""
    if not isinstance(token, str) or not token:
        return None
    row = _signed_in_devices(db).get(_token_hash(token))
    if row is None or row["expires_at"] <= (now or datetime.now()):
        return None
    return Identity(row["role"], row["group_id"], row["label"], row["id"], row["code_id"])


def former_label(db: Database, token: str | None) -> str | None:
    """The name a device signed in under, signed out or expired since (the sign-in form offers it
    again); None for a token never seen."""
    if not isinstance(token, str) or not token:
        return None
    row = (
        db.cursor()
        .execute("SELECT label FROM device_session WHERE token_hash = ? ORDER BY id DESC LIMIT 1", [_token_hash(token)])
        .fetchone()
    )
    return row[0] if row else None


def still_valid(db: Database, identity: Identity, now: datetime | None = None) -> bool:
    """Whether a signed-in session's device is still signed in (not revoked, not expired)."""
    if identity.device_id is None:
        return identity.role == "public"
    return any(
        r["id"] == identity.device_id and r["expires_at"] > (now or datetime.now())
        for r in _signed_in_devices(db).values()
    )


def devices(cur, forum_id: int | None = None) -> list[dict]:
    """Signed-in devices (not revoked, not expired), newest first."""
    return rows_as_dicts(
        cur.execute(
            "SELECT d.id, d.role, d.group_id, g.number AS group_number, d.label, d.created_at, d.expires_at "
            "FROM device_session d LEFT JOIN working_group g ON g.id = d.group_id "
            "WHERE d.revoked_at IS NULL AND d.expires_at > ? AND (d.forum_id = ? OR d.forum_id IS NULL OR ? IS NULL) "
            "ORDER BY d.id DESC",
            [datetime.now(), forum_id, forum_id],
        )
    )


def revoke_device(db: Database, actor: Actor, device_id: int) -> Outcome:
    """Sign a device out remotely."""

    def work(unit: Unit) -> Outcome:
        row = unit.execute("SELECT revoked_at, label, role FROM device_session WHERE id = ?", [device_id]).fetchone()
        if row is None:
            return Outcome(False, "not_found")
        if row[0] is not None:
            return Outcome(True, "unchanged")
        unit.write("device_session", "UPDATE device_session SET revoked_at = ? WHERE id = ?", [unit.now, device_id])
        unit.audit("device", device_id, {"label": row[1], "role": row[2]}, {"revoked_at": unit.now})
        return Outcome(True, "revoked")

    return db.attempt(actor, "access.device_revoke", work)


def sign_out(db: Database, identity: Identity) -> None:
    """The device signs itself out (its token stops working)."""
    if identity.device_id is None:
        return

    def work(unit: Unit) -> None:
        unit.write(
            "device_session",
            "UPDATE device_session SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [unit.now, identity.device_id],
        )
        unit.audit("device", identity.device_id, None, {"signed_out": True})

    db.write(identity.actor(), "access.sign_out", work)
