"""The app's own HTTP routes (ui/api.py), driven over HTTP with Starlette's TestClient.

The desk's browser sends its scans here (ui/components/desk.js): each with an id made in
the browser, applied once; the card comes back as the server's escaped HTML.
"""

import json
import time

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from forum_core import access, checkin, demo, plenary, tokens
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.i18n import t
from tests.conftest import ORGANIZER
from ui import api, projector, runtime


@pytest.fixture
def client(demo_db):
    return TestClient(Starlette(routes=api.ROUTES))


def device(role: str, label: str, group_id=None) -> str:
    db = runtime.database()
    code = access.create_code(db, ORGANIZER, 1, role, group_id, label).value[1]
    return access.sign_in(db, 1, code, label, f"test {label}", access.Throttle()).token


def send(client, token, *scans, desk="Desk 1", lang="ka"):
    answer = client.post(
        "/api/scans",
        cookies={"forum_device": token},
        json={"desk": desk, "lang": lang, "scans": [{"id": i, "code": c, "at": at} for i, c, at in scans]},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def now_ms(offset_s: float = 0) -> int:
    return int((time.time() + offset_s) * 1000)


def test_scans_green_amber_mistyped_forged_unknown_in_georgian(client):
    cur = runtime.database().cursor()
    person = people.all_active(cur, 1)[0]
    code = checkin.token_of(cur, person["id"])
    token = device("desk", "Desk 1")
    (green,) = send(client, token, ("s1", f" {code.lower()} ", now_ms(-10)))
    assert green["status"] == "checked_in" and person["last_name"] in green["card"] and green["undo"]
    assert t("ka", "desk.card_go_to_room", room=person["room"]) in green["card"]
    (amber,) = send(client, token, ("s2", code, now_ms()))  # ten seconds later: already checked in
    assert amber["status"] == "already_checked_in" and not amber["undo"]
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    secret = forum_mod.get_forum(cur, 1)["token_secret"]
    statuses = [
        r["status"]
        for r in send(
            client,
            token,
            ("s3", typo, now_ms()),
            ("s4", tokens.new_token("forged secret"), now_ms()),
            ("s5", tokens.new_token(secret), now_ms()),
        )
    ]
    assert statuses == ["invalid_code", "invalid_code", "unknown_code"]
    assert checkin.arrivals(runtime.database().cursor(), 1)[person["group_number"] - 1]["checked_in"] == 1


def test_a_scan_delivered_again_changes_nothing(client):
    db = runtime.database()
    person = people.all_active(db.cursor(), 1)[1]
    code = checkin.token_of(db.cursor(), person["id"])
    token = device("desk", "Desk 1")
    first = send(client, token, ("same-id", code, now_ms()))
    audits = db.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    time.sleep(0.05)
    again = send(client, token, ("same-id", code, now_ms()))  # a retry after a lost answer, a reload
    assert again == first  # the same green card, not amber
    cur = db.cursor()
    assert cur.execute("SELECT count(*) FROM checkin_event WHERE participant_id = ?", [person["id"]]).fetchone() == (1,)
    assert cur.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audits  # nothing recorded


def test_a_double_read_within_two_seconds_is_the_same_green_card(client):
    db = runtime.database()
    person = people.all_active(db.cursor(), 1)[2]
    code = checkin.token_of(db.cursor(), person["id"])
    token = device("desk", "Desk 1")
    first, second = send(client, token, ("r1", code, now_ms(-1)), ("r2", code, now_ms()))
    assert first["status"] == second["status"] == "checked_in"
    assert db.cursor().execute(
        "SELECT count(*) FROM checkin_event WHERE participant_id = ?", [person["id"]]
    ).fetchone() == (1,)
    (other_desk,) = send(client, device("desk", "Desk 2"), ("r3", code, now_ms()), desk="Desk 2")
    assert other_desk["status"] == "already_checked_in"  # another desk: amber, whatever the time


def test_undo_only_on_this_desks_own_check_in(client):
    db = runtime.database()
    person = people.all_active(db.cursor(), 1)[3]
    code = checkin.token_of(db.cursor(), person["id"])
    a, b = device("desk", "Desk A"), device("desk", "Desk B")
    send(client, a, ("u1", code, now_ms(-5)), desk="Desk A")
    (amber,) = send(client, b, ("u2", code, now_ms()), desk="Desk B")
    assert amber["status"] == "already_checked_in" and amber["undo"] is False
    refused = client.post(
        "/api/undo", cookies={"forum_device": b}, json={"participant_id": person["id"], "desk": "Desk B", "lang": "en"}
    ).json()
    assert refused["reason"] == "not_own_check_in" and refused["message"] == t("en", "reason.not_own_check_in")
    assert checkin.current_check_in(db.cursor(), person["id"]) is not None  # the real check-in stands
    done = client.post(
        "/api/undo", cookies={"forum_device": a}, json={"participant_id": person["id"], "desk": "Desk A", "lang": "en"}
    ).json()
    assert done["ok"] and checkin.current_check_in(db.cursor(), person["id"]) is None


def test_fifty_waiting_scans_are_applied_in_order(client):
    db = runtime.database()
    present = checkin.checked_in_ids(db.cursor(), 1)
    codes = [c for p, c in checkin.tokens_of_forum(db.cursor(), 1).items() if p not in present][:30]
    token = device("desk", "Desk 1")
    batch = [(f"q{n}", c, now_ms(-60 + n)) for n, c in enumerate(codes)] + [
        (f"q{30 + n}", c, now_ms()) for n, c in enumerate(codes[:20])
    ]
    results = send(client, token, *batch)
    assert [r["id"] for r in results] == [b[0] for b in batch]
    assert [r["status"] for r in results] == ["checked_in"] * 30 + ["already_checked_in"] * 20


def test_who_may_send_scans(client):
    cur = runtime.database().cursor()
    code = checkin.token_of(cur, people.all_active(cur, 1)[0]["id"])
    body = {"desk": "x", "scans": [{"id": "z", "code": code, "at": now_ms()}]}
    assert client.post("/api/scans", json=body).status_code == 403  # no device
    assert client.post("/api/scans", json=body, cookies={"forum_device": "forged"}).status_code == 403
    for role in ("projector", "moderator"):
        assert client.post("/api/scans", json=body, cookies={"forum_device": device(role, role)}).status_code == 403
    assert (
        client.post("/api/scans", content=b"not json", cookies={"forum_device": device("desk", "d")}).status_code == 400
    )
    assert checkin.checked_in_ids(cur, 1) == set()
    assert client.get("/api/ping").json() == {"ok": True}


def test_the_device_cookie_is_set_by_the_server_http_only_once_per_handoff(client):
    token = device("desk", "Desk 1")
    handoff = runtime.hand_off(token, 3600)
    answer = client.get(f"/api/device?handoff={handoff}&next=/registration%3Flang%3Dka", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/registration?lang=ka"
    cookie = answer.headers["set-cookie"]
    assert f"forum_device={token}" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Max-Age=3600" in cookie and "Secure" not in cookie  # plain http: no Secure flag
    again = client.get(f"/api/device?handoff={handoff}", follow_redirects=False)
    assert "set-cookie" not in again.headers  # a handoff is collected once
    secure = TestClient(Starlette(routes=api.ROUTES), base_url="https://forum.local")
    answer = secure.get(f"/api/device?handoff={runtime.hand_off(token, 60)}", follow_redirects=False)
    assert "Secure" in answer.headers["set-cookie"]
    # asked by the signed-in page's script: the cookie without leaving the page, once per handoff
    handoff = runtime.hand_off(token, 3600)
    answer = client.post(f"/api/device?handoff={handoff}", follow_redirects=False)
    assert answer.status_code == 204 and "location" not in answer.headers
    cookie = answer.headers["set-cookie"]
    assert f"forum_device={token}" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    again = client.post(f"/api/device?handoff={handoff}", follow_redirects=False)
    assert again.status_code == 404 and "set-cookie" not in again.headers
    elsewhere = client.get(
        f"/api/device?handoff={runtime.hand_off(token, 60)}&next=//evil.example/", follow_redirects=False
    )
    assert elsewhere.headers["location"] == "/"  # never sent to another site
    # a one-time id unknown, used or too old (an answer lost on its way back): the sign-in again, saying why
    lost = client.get(f"/api/device?handoff={handoff}&lang=en&next=/setup", follow_redirects=False)
    assert lost.status_code == 303 and lost.headers["location"] == "/signin?lang=en&unfinished=1"
    assert "set-cookie" not in lost.headers
    out = client.get("/api/signout?next=/signin", follow_redirects=False)
    assert out.headers["location"] == "/signin" and 'forum_device=""' in out.headers["set-cookie"]


def test_a_device_stays_signed_in_until_the_end_of_the_forum_day(demo_db):
    from datetime import datetime, timedelta

    db = runtime.database()
    day = forum_mod.get_forum(db.cursor(), 1)["forum_date"]
    evening_before = datetime.combine(day, datetime.min.time()) - timedelta(hours=6)
    ends = access.device_expiry(db.cursor(), 1, evening_before)
    assert ends.date() == day + timedelta(days=1) and ends - evening_before > timedelta(hours=16)
    long_before = evening_before - timedelta(days=30)  # a rehearsal a month earlier: the day's 16 hours
    assert access.device_expiry(db.cursor(), 1, long_before) == long_before + timedelta(hours=access.DEVICE_HOURS)


def test_a_long_name_shrinks_to_fit_the_desk_card(client):
    db = runtime.database()
    group = forum_mod.groups(db.cursor(), 1)[0]["id"]
    long = people.add(
        db,
        ORGANIZER,
        1,
        {
            "first_name": "მარიამ-ელისაბედ",
            "last_name": "ჩიქოვანი-დადეშქელიანი-ბაგრატიონ-მუხრანელი",
            "phone": "599000111",
            "group": group,
        },
    ).value
    short = people.all_active(db.cursor(), 1)[0]
    token = device("desk", "Desk 1")
    cards = send(
        client,
        token,
        ("l1", checkin.token_of(db.cursor(), long), now_ms()),
        ("l2", checkin.token_of(db.cursor(), short["id"]), now_ms()),
    )
    assert "font-size:1.4rem" in cards[0]["card"] and "overflow-wrap:break-word" in cards[0]["card"]
    assert "font-size:2.6rem" in cards[1]["card"]


def test_a_tablets_longest_text_with_fifty_unanswered_ones_is_saved(client):
    """After a long cut a tablet sends its text with every text it sent without an answer
    (autosave.js, at most 50): in Georgian, 2,000 characters each, about 300 KB; the laptop takes it
    and recognises the one it stored as this tablet's own."""
    from forum_core import deliberation as dl

    db = runtime.database()
    group = forum_mod.groups(db.cursor(), 1)[0]
    tablet = device("facilitator", "room 1", group["id"])
    problem = dl.add_problem(db, ORGANIZER, group["id"], "გზები").value
    field = dl.field_id("initiative", group["id"], problem, "goal")
    texts = [(f"{n:02d} " + "მიზანი " * 300)[:2000] for n in range(dl.MAX_UNCONFIRMED)]
    assert all(len(x) == 2000 for x in texts)
    stored = dl.save_text(db, ORGANIZER, field, texts[3], "")  # one of them reached the laptop
    assert stored.ok
    body = {"field": field, "value": texts[-1], "expected": "", "unconfirmed": texts, "lang": "ka"}
    answer = client.post("/api/text", cookies={"forum_device": tablet}, json=body)
    assert answer.status_code == 200 and answer.json()["reason"] == "saved", answer.text[:300]
    assert dl.initiative(db.cursor(), group["id"], problem)["goal"] == texts[-1].strip()


def test_the_projector_asks_for_its_screen_and_gets_304_while_nothing_changed(client):
    """The projector's script (ui/components/projector.js) asks /api/screen every second: the same
    screen data as its page mounts, a bodiless 304 while nothing changed, the new screen after a
    group finalises its vote or the moderator hides the results."""
    db = runtime.database()
    plenary.set_mode(db, ORGANIZER, 1, "wall")
    token = device("projector", "hall")
    first = client.get("/api/screen?lang=en", cookies={"forum_device": token})
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    data = first.json()
    assert data["rotate_s"] == projector.ROTATE_S and data["min_ratio"] == projector.MIN_RATIO
    working = t("en", "plenary.working")
    assert data["html"].count(working) == 10  # nobody has finished: every group is still working
    etag = first.headers["etag"]
    again = client.get("/api/screen?lang=en", cookies={"forum_device": token}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    demo.simulate_group_work(db, ORGANIZER, 1, group_numbers=[1])  # group 1 finalises its five priorities
    changed = client.get("/api/screen?lang=en", cookies={"forum_device": token}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    top = dl.priorities(db.cursor(), forum_mod.groups(db.cursor(), 1)[0]["id"])[0]["title"]
    assert changed.json()["html"].count(working) == 9 and top in changed.json()["html"]
    plenary.set_revealed(db, ORGANIZER, 1, False)  # the moderator hides the results: so does the screen
    hidden = client.get("/api/screen?lang=ka", cookies={"forum_device": token}).json()["html"]
    assert top not in hidden and t("ka", "plenary.hidden") in hidden


def test_the_projectors_clock_changes_its_screen_each_second_only_while_it_runs(demo_db):
    from datetime import datetime, timedelta

    db = runtime.database()
    group = forum_mod.groups(db.cursor(), 1)[0]["id"]
    plenary.set_mode(db, ORGANIZER, 1, "presenting")
    plenary.present_group(db, ORGANIZER, 1, group)
    now = datetime.now()
    paused = [projector.feed(db, "ka", None, now + timedelta(seconds=s)).etag for s in (0, 1)]
    assert paused[0] == paused[1]  # the timer waits: the same screen, a 304 each second
    plenary.start_timer(db, ORGANIZER, 1)
    now = datetime.now()
    running = [projector.feed(db, "ka", None, now + timedelta(seconds=s)) for s in (0, 1)]
    assert running[0].etag != running[1].etag  # its clock: a new screen each second
    timer = plenary.snapshot(db, 1).state.timer
    clocks = [plenary.clock_text(timer.remaining(now + timedelta(seconds=s))) for s in (0, 1)]
    assert clocks[0] != clocks[1]
    assert all(clock in json.loads(f.body)["html"] for clock, f in zip(clocks, running, strict=True))


def test_the_projectors_screen_is_made_once_per_change_and_answered_without_reading(demo_db, tmp_path):
    """Two projectors ask every second: the screen is made again only after a commit to what it
    shows or a change of its clock; in between the route takes the screen made last, reading no table."""
    from datetime import datetime, timedelta

    from forum_core.db import Database

    db = runtime.database()
    plenary.set_mode(db, ORGANIZER, 1, "wall")
    assert projector.cached_feed(db, "ka", None) is None  # nothing made yet
    first = projector.feed(db, "ka", None)
    assert projector.cached_feed(db, "ka", None) is first and projector.feed(db, "ka", None) is first
    assert projector.cached_feed(db, "en", None) is None  # each language its own screen
    other = Database(tmp_path / "other.duckdb")  # another database (same stamps: none written) shares nothing
    assert projector.cached_feed(other, "ka", None) is None
    other.close()
    demo.simulate_group_work(db, ORGANIZER, 1, group_numbers=[1])
    assert projector.cached_feed(db, "ka", None) is None  # a group finalised: made again
    second = projector.feed(db, "ka", None)
    assert second.etag != first.etag and projector.cached_feed(db, "ka", None) is second
    group = forum_mod.groups(db.cursor(), 1)[0]["id"]
    plenary.set_mode(db, ORGANIZER, 1, "presenting")
    plenary.present_group(db, ORGANIZER, 1, group)
    plenary.start_timer(db, ORGANIZER, 1)
    now = datetime.now()
    running = projector.feed(db, "ka", None, now)
    assert projector.cached_feed(db, "ka", None, now) is running
    assert projector.cached_feed(db, "ka", None, now + timedelta(seconds=1)) is None  # its clock moved on
    assert projector.feed(db, "ka", None, now + timedelta(seconds=1)).etag != running.etag


def test_who_may_ask_for_the_projectors_screen(client):
    db = runtime.database()
    allowed = {role: device(role, role) for role in ("projector", "moderator", "organizer")}
    for role, token in allowed.items():
        assert client.get("/api/screen", cookies={"forum_device": token}).status_code == 200, role
    for role in ("desk", "facilitator"):
        group = forum_mod.groups(db.cursor(), 1)[0]["id"] if role == "facilitator" else None
        token = device(role, role, group)
        assert client.get("/api/screen", cookies={"forum_device": token}).status_code == 403, role
    assert client.get("/api/screen").status_code == 403  # no device: a phone in the hall
    projector_device = access.resume(db, allowed["projector"])
    access.sign_out(db, projector_device)  # signed out on /access: the script reloads into the sign-in
    assert client.get("/api/screen", cookies={"forum_device": allowed["projector"]}).status_code == 403
