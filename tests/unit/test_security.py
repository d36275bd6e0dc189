"""Issue 15 findings, reproduced: sign-in limits that hold (per address and in total, parallel
attempts, a timing oracle, the audit trail under a guessing attack), the organizer code of a
first start only for the laptop itself, public results without names."""

import threading

import pytest

from forum_core import access
from tests.conftest import ORGANIZER


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def scrypt_calls(monkeypatch):
    """Every scrypt check of a typed code, counted (the real function still runs)."""
    calls = []
    real = access._hash

    def counted(code, salt):
        calls.append(code)
        return real(code, salt)

    monkeypatch.setattr(access, "_hash", counted)
    return calls


# --- sign-in: per address and in total ----------------------------------------------------------


def test_rotating_addresses_does_not_buy_more_checks(db, demo_forum, scrypt_calls):
    clock = FakeClock()
    throttle = access.Throttle(clock)
    results = [
        access.sign_in(db, demo_forum, f"WR-ONGCO{n % 10}", "", f"ip:10.0.{n // 250}.{n % 250}", throttle)
        for n in range(200)
    ]  # every guess from another address, all in the same second
    checked = [r for r in results if r.status == "wrong_code"]
    refused = [r for r in results if r.status == "wait"]
    assert len(checked) == access.Throttle.BURST == len(scrypt_calls)
    assert len(refused) == 200 - access.Throttle.BURST and all(0 < r.wait_s <= 1.0 for r in refused)
    # the budget refills at RATE checks per second, whoever asks
    clock.now += 2.0
    more = [access.sign_in(db, demo_forum, "WR-ONGCODE", "", f"ip:10.9.0.{n}", throttle) for n in range(50)]
    assert sum(r.status == "wrong_code" for r in more) == 2 * access.Throttle.RATE
    # a right code gives its check back: organizers signing in do not use up the budget
    code = access.create_code(db, ORGANIZER, demo_forum, "desk").value[1]
    clock.now += 10.0
    for n in range(30):
        assert access.sign_in(db, demo_forum, code, "", f"ip:10.8.0.{n}", throttle).status == "signed_in"


def test_thirty_parallel_attempts_of_one_client_get_five_checks(db, demo_forum, scrypt_calls):
    throttle = access.Throttle(FakeClock())
    start = threading.Barrier(30)
    results = []

    def guess(n):
        start.wait()
        results.append(access.sign_in(db, demo_forum, f"WR-ONGCO{n % 10}", "phone", "ip:10.0.0.66", throttle))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 30
    assert sum(r.status == "wrong_code" for r in results) == access.Throttle.FREE_TRIES
    assert len(scrypt_calls) == access.Throttle.FREE_TRIES  # the others were never evaluated
    assert throttle.wait("ip:10.0.0.66") == 1.0


def test_the_check_costs_the_same_with_or_without_the_prefix(db, demo_forum, scrypt_calls):
    code = access.create_code(db, ORGANIZER, demo_forum, "moderator").value[1]
    scrypt_calls.clear()
    wrong_secret = code[:2] + ("22222222" if code[2:] != "222222" else "333333")[:6]
    no_prefix = (
        next(
            a + b
            for a in "23456789"
            for b in "ABCDEF"
            if a + b not in {r[0] for r in db.cursor().execute("SELECT prefix FROM access_code").fetchall()}
        )
        + "XYZ234"
    )
    throttle = access.Throttle(FakeClock())
    assert access.sign_in(db, demo_forum, wrong_secret, "", "a", throttle).status == "wrong_code"
    with_prefix = len(scrypt_calls)
    assert access.sign_in(db, demo_forum, no_prefix, "", "b", throttle).status == "wrong_code"
    without_prefix = len(scrypt_calls) - with_prefix
    assert with_prefix == without_prefix == 1
    # a code of another forum is checked the same way and never signs in here
    assert access.sign_in(db, demo_forum + 7, code, "", "c", throttle).status == "wrong_code"
    assert len(scrypt_calls) == 3
    assert access.sign_in(db, demo_forum, code, "", "d", throttle).status == "signed_in"


def test_a_guessing_attack_cannot_fill_the_audit_trail(db, demo_forum):
    clock = FakeClock()
    throttle = access.Throttle(clock)
    count = "SELECT count(*) FROM audit_log WHERE action = 'access.sign_in_failed'"
    # 1,000 wrong codes from one address over 100 minutes (the throttle lets few through; each
    # minute one entry at most, with the number of attempts it stands for)
    for _ in range(1000):
        access.sign_in(db, demo_forum, "WR-ONGCODE", "", "ip:10.0.0.9", throttle)
        clock.now += 6.0
    one = db.cursor().execute(count).fetchone()[0]
    assert one <= 100
    # 1,000 wrong codes from 1,000 addresses in ten minutes: at most AUDIT_PER_MINUTE entries a minute
    for n in range(1000):
        access.sign_in(db, demo_forum, "WR-ONGCODE", "", f"ip:10.1.{n // 200}.{n % 200}", throttle)
        clock.now += 0.6
    many = db.cursor().execute(count).fetchone()[0] - one
    assert many <= 11 * access.Throttle.AUDIT_PER_MINUTE
    rows = [
        r[0]
        for r in db.cursor()
        .execute("SELECT after FROM audit_log WHERE action = 'access.sign_in_failed' ORDER BY id")
        .fetchall()
    ]
    assert any('"attempts": ' in r and '"attempts": 1,' not in r for r in rows)  # a counter, not a row each
    assert "WRONGCODE" not in repr(rows) and "WR-ONGCODE" not in repr(rows)


def test_the_audit_entry_counts_what_it_stands_for():
    clock = FakeClock()
    throttle = access.Throttle(clock, audit_per_minute=2)
    assert throttle.audit_entry("a") == {"attempts": 1, "failures": 0}
    assert throttle.audit_entry("a") is None and throttle.audit_entry("a") is None
    assert throttle.audit_entry("b")["attempts"] == 1
    assert throttle.audit_entry("c") is None  # the cap of the minute: counted for later
    clock.now += 61.0
    assert throttle.audit_entry("a") == {"attempts": 3, "failures": 0, "unrecorded_elsewhere": 1}
    assert throttle.audit_entry("c") == {"attempts": 2, "failures": 0}


def test_the_throttle_key_of_an_address():
    assert access.client_key("192.168.1.20") == "ip:192.168.1.20"
    assert access.client_key("::ffff:192.168.1.20") == "ip:192.168.1.20"
    # one phone can take any address of its IPv6 /64: they are one client
    assert (
        access.client_key("2001:db8:1:2:aaaa::1")
        == access.client_key("2001:db8:1:2:ffff::99")
        == "ip:2001:db8:1:2::/64"
    )
    assert access.client_key("::1") == "ip:::1"
    assert access.client_key(None, "s1") == "session:s1" and access.client_key("", None) == "session:unknown"
    assert access.client_key("not an address") == "ip:not an address"


# --- the organizer code of a first start --------------------------------------------------------


def test_only_a_browser_on_the_laptop_is_local():
    for address in ("127.0.0.1", "127.0.1.1", "::1", "localhost", "LOCALHOST", "::ffff:127.0.0.1"):
        assert access.is_local_address(address), address
    for address in (
        "192.168.1.23",
        "10.0.0.1",
        "fe80::1",
        "2001:db8::1",
        "0.0.0.0",
        "",
        None,
        "127.0.0.1.evil",
        "localhost.attacker",
    ):
        assert not access.is_local_address(address), address


def test_the_first_start_code_goes_only_to_the_laptop_and_until_an_organizer_signed_in():
    from ui import session

    holder = {"new_code": "AB-CDEFGH"}
    never = lambda: False  # noqa: E731
    assert session.first_start_code_for(holder, "192.168.1.50", never) is None  # a phone on the Wi-Fi
    assert session.first_start_code_for(holder, None, never) is None  # an address not known
    assert session.first_start_code_for(holder, "127.0.0.1", never) == "AB-CDEFGH"
    assert session.first_start_code_for(holder, "::1", never) == "AB-CDEFGH"  # a reload on the laptop
    assert session.first_start_code_for(holder, "127.0.0.1", lambda: True) is None
    assert holder == {} and session.first_start_code_for(holder, "127.0.0.1", never) is None


def test_the_first_start_code_is_printed_on_the_console(capsys):
    from forum_core.i18n import t
    from ui import session

    session.announce_organizer_code("AB-CDEFGH")
    out = capsys.readouterr().out
    assert out.count("AB-CDEFGH") == 2  # Georgian, then English
    assert t("ka", "access.first_start_console", code="AB-CDEFGH") in out
    assert t("en", "access.first_start_console", code="AB-CDEFGH") in out


def test_organizer_signed_in(db):
    assert not access.organizer_signed_in(db.cursor())
    code = access.ensure_organizer_code(db)
    assert access.sign_in(db, None, code, "laptop", "c", access.Throttle()).status == "signed_in"
    assert access.organizer_signed_in(db.cursor())
