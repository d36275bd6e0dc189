"""Roles, codes, devices and the sign-in throttle."""

from datetime import datetime, timedelta

import pytest

from forum_core import access, checkin, i18n, plenary
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.db import Actor
from tests.conftest import ORGANIZER


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_page_and_write_rules():
    assert access.may_open("public", "results") and not access.may_open("public", "facilitator")
    assert access.may_open("facilitator", "facilitator") and not access.may_open("facilitator", "participants")
    assert access.may_open("projector", "plenary") and not access.may_open("projector", "control")
    assert not access.may_open("desk", "audit") and access.may_open("organizer", "audit")
    assert access.may_write("desk", "checkin.scan") and not access.may_write("desk", "problem.add")
    assert access.may_write("expert", "problem.flag") and access.may_write("facilitator", "checkin.facilitator")
    assert not access.may_write("facilitator", "vote.reopen") and access.may_write("organizer", "vote.reopen")
    assert access.may_write("moderator", "plenary.mode") and not access.may_write("projector", "plenary.mode")
    assert not access.may_write("public", "checkin.scan") and access.may_write("public", "access.sign_in_failed")
    assert not access.may_write("desk", "participant.update") and not access.may_write("desk", "something.new")
    assert access.sees_personal_data("desk") and not access.sees_personal_data("facilitator")


def test_the_write_path_refuses_a_role_whatever_the_page_shows(db, demo_forum):
    group = forum_mod.groups(db.cursor(), demo_forum)[0]
    projector = Actor("projector", "hall")
    assert dl.add_problem(db, projector, group["id"], "გზები").reason == "not_allowed"
    assert plenary.set_mode(db, projector, demo_forum, "wall").reason == "not_allowed"
    # a facilitator may tick people present only by the facilitator's method (the refusal is an answer)
    assert (
        checkin.check_in_participant(db, Actor("facilitator", "room 201"), demo_forum, 1, "x").status == "not_allowed"
    )
    assert db.cursor().execute("SELECT count(*) FROM problem").fetchone() == (0,)


def test_codes_are_stored_only_as_salted_hashes(db, demo_forum):
    group = forum_mod.groups(db.cursor(), demo_forum)[0]
    a = access.create_code(db, ORGANIZER, demo_forum, "facilitator", group["id"], "ნინო").value[1]
    b = access.create_code(db, ORGANIZER, demo_forum, "facilitator", group["id"], "ნინო").value[1]
    assert a != b and len(a) == 8 and all(ch in "23456789ABCDEFGHJKLMNPQRSTUVWX" for ch in a)
    dump = repr(db.cursor().execute("SELECT * FROM access_code").fetchall()) + repr(
        db.cursor().execute("SELECT * FROM audit_log").fetchall()
    )
    assert a not in dump and a[2:] not in dump and b[2:] not in dump
    salts = [r[0] for r in db.cursor().execute("SELECT salt FROM access_code").fetchall()]
    assert len(set(salts)) == 2
    assert access.create_code(db, ORGANIZER, demo_forum, "facilitator", None).reason == "invalid"
    assert access.create_code(db, ORGANIZER, demo_forum, "public").reason == "invalid"
    assert access.create_code(db, Actor("desk", "d"), demo_forum, "desk").reason == "not_allowed"


def test_sign_in_resume_and_remote_sign_out(db, demo_forum):
    group = forum_mod.groups(db.cursor(), demo_forum)[2]
    code = access.create_code(db, ORGANIZER, demo_forum, "facilitator", group["id"]).value[1]
    result = access.sign_in(
        db, demo_forum, access.format_code(code).lower(), " Tablet  room 203 ", "c1", access.Throttle()
    )
    assert result.status == "signed_in" and result.token
    me = result.identity
    assert (me.role, me.group_id, me.label) == ("facilitator", group["id"], "Tablet room 203")
    assert me.actor() == Actor("facilitator", "Tablet room 203", group["id"], me.device_id)
    assert access.resume(db, result.token) == me  # a reload of the page
    assert access.resume(db, result.token + "x") is None and access.resume(db, None) is None
    assert access.resume(db, result.token, now=datetime.now() + timedelta(hours=access.DEVICE_HOURS + 1)) is None
    assert [d["label"] for d in access.devices(db.cursor(), demo_forum)] == ["Tablet room 203"]
    assert access.revoke_device(db, ORGANIZER, me.device_id).reason == "revoked"
    assert access.resume(db, result.token) is None and not access.still_valid(db, me)
    assert access.devices(db.cursor(), demo_forum) == []
    # signing in again, the device is offered the name it had; an unknown cookie learns nothing
    assert access.former_label(db, result.token) == "Tablet room 203"
    assert access.former_label(db, result.token + "x") is None and access.former_label(db, None) is None
    stored = db.cursor().execute("SELECT token_hash FROM device_session").fetchone()[0]
    assert result.token not in stored  # only a hash of the cookie's token is kept


def test_revoking_a_code_signs_its_devices_out(db, demo_forum):
    code_id, code = access.create_code(db, ORGANIZER, demo_forum, "desk", label="Desk 1").value
    first = access.sign_in(db, demo_forum, code, "Desk 1", "c1", access.Throttle())
    second = access.sign_in(db, demo_forum, code, "Desk 1b", "c2", access.Throttle())
    assert access.revoke_code(db, ORGANIZER, code_id).ok
    assert access.resume(db, first.token) is None and access.resume(db, second.token) is None
    assert access.sign_in(db, demo_forum, code, "Desk 1", "c1", access.Throttle()).status == "wrong_code"


def test_a_signed_out_device_writes_nothing_even_from_a_callback_made_before(db, demo_forum):
    """A page's callback keeps the actor of the run that drew it; after the organizer signs the
    tablet out (or its day ends), that actor's next change is refused by the write path itself."""
    group = forum_mod.groups(db.cursor(), demo_forum)[0]
    code = access.create_code(db, ORGANIZER, demo_forum, "facilitator", group["id"], "room 1").value[1]
    identity = access.sign_in(db, demo_forum, code, "room 1", "c1", access.Throttle()).identity
    actor = identity.actor()  # what the callback holds
    assert dl.add_item(db, actor, group["id"], "strength", "before").ok
    assert access.revoke_device(db, ORGANIZER, identity.device_id).ok
    refused = dl.add_item(db, actor, group["id"], "strength", "after")
    assert (refused.ok, refused.reason) == (False, "signed_out")
    kinds = [
        r[0]
        for r in db.cursor().execute("SELECT text FROM assessment_item WHERE group_id = ?", [group["id"]]).fetchall()
    ]
    assert "before" in kinds and "after" not in kinds
    # a device whose day is over is refused the same way
    other = access.sign_in(db, demo_forum, code, "room 1b", "c2", access.Throttle()).identity
    with db.unit(ORGANIZER, "access.device_revoke") as u:
        u.update("device_session", {"expires_at": datetime(2000, 1, 1)}, "id = ?", [other.device_id])
    assert dl.add_item(db, other.actor(), group["id"], "strength", "late").reason == "signed_out"


def test_codes_belong_to_their_forum_and_the_organizer_code_to_all(db, demo_forum):
    code = access.create_code(db, ORGANIZER, demo_forum, "moderator").value[1]
    assert access.sign_in(db, demo_forum + 1, code, "", "c", access.Throttle()).status == "wrong_code"
    assert access.ensure_organizer_code(db, "my-organizer-1") is None
    assert access.ensure_organizer_code(db, "another-one") is None  # never replaced silently
    for forum_id in (demo_forum, None):
        assert access.sign_in(db, forum_id, "MY ORGANIZER 1", "", "c", access.Throttle()).identity.role == "organizer"


def test_a_given_organizer_code_must_not_be_trivially_short(tmp_path):
    from forum_core.db import Database

    fresh = Database(tmp_path / "fresh.duckdb")
    with pytest.raises(ValueError):
        access.ensure_organizer_code(fresh, "ab-1")
    fresh.close()


def test_first_start_makes_a_code_once(db):
    shown = access.ensure_organizer_code(db)
    assert shown and len(shown) == 9 and shown[2] == "-"
    assert access.ensure_organizer_code(db) is None
    assert access.sign_in(db, None, shown, "laptop", "c", access.Throttle()).identity.role == "organizer"
    organizer_id = access.codes(db.cursor(), 0)[0]["id"]
    assert access.revoke_code(db, ORGANIZER, organizer_id).reason == "last_organizer_code"


def test_throttle_after_five_wrong_codes_waits_longer_each_time(db, demo_forum):
    clock = FakeClock()
    throttle = access.Throttle(clock)
    for _n in range(5):
        result = access.sign_in(db, demo_forum, "WRONG-CODE", "tablet", "client-a", throttle)
        assert result.status == "wrong_code"
    assert result.wait_s == 1.0
    assert access.sign_in(db, demo_forum, "WRONG-CODE", "tablet", "client-a", throttle).status == "wait"
    clock.now += 1.0
    assert access.sign_in(db, demo_forum, "WRONG-CODE", "tablet", "client-a", throttle).wait_s == 2.0
    clock.now += 2.0
    assert access.sign_in(db, demo_forum, "WRONG-CODE", "tablet", "client-a", throttle).wait_s == 4.0
    # another client is not held up, and even the right code waits for the throttled one
    code = access.create_code(db, ORGANIZER, demo_forum, "desk").value[1]
    assert access.sign_in(db, demo_forum, code, "", "client-b", throttle).status == "signed_in"
    assert access.sign_in(db, demo_forum, code, "", "client-a", throttle).status == "wait"
    clock.now += 4.0
    assert access.sign_in(db, demo_forum, code, "", "client-a", throttle).status == "signed_in"
    assert throttle.wait("client-a") == 0
    failures = (
        db.cursor()
        .execute("SELECT role, device, after FROM audit_log WHERE action = 'access.sign_in_failed'")
        .fetchall()
    )
    # one entry a minute per client: the first failure; the other six wait for the client's next entry
    assert len(failures) == 1 and failures[0][:2] == ("public", "tablet")
    assert '"attempts": 1' in failures[0][2]
    assert "WRONG" not in repr(failures)  # the typed code is never logged
    clock.now += 60.0
    assert access.sign_in(db, demo_forum, "WRONG-CODE", "tablet", "client-a", throttle).status == "wrong_code"
    after = (
        db.cursor().execute("SELECT after FROM audit_log WHERE action = 'access.sign_in_failed' ORDER BY id").fetchall()
    )
    assert len(after) == 2 and '"attempts": 7' in after[1][0]  # six before and this one


def test_an_organizer_code_an_older_version_labelled_in_georgian_loses_the_label(db, tmp_path):
    """The first start labelled the organizer's code with its Georgian role words, which became the
    name of every organizer device signed in without one (migration 12 clears it)."""
    from forum_core import schema

    access.ensure_organizer_code(db, "my-organizer-1")
    with db.unit(ORGANIZER, "access.code_create") as u:  # as the first start before migration 12 made it
        u.update("access_code", {"label": i18n.t("ka", "role.organizer")}, "role = ?", ["organizer"])
        u.delete("schema_version", "version >= ?", [12])
    db.reopen(lambda: None)  # as the app opens a database an older version left
    assert schema.current_version(db.cursor()) == schema.LATEST
    assert db.cursor().execute("SELECT label FROM access_code WHERE role = 'organizer'").fetchall() == [("",)]
