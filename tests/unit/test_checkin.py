import threading
from datetime import datetime

from forum_core import checkin, importer
from forum_core import forum as forum_mod
from forum_core import participants as people
from forum_core.db import Actor, Database
from tests.conftest import ORGANIZER
from tests.unit.test_importer import csv_bytes

DESK1 = Actor("desk", "tablet 1")
DESK2 = Actor("desk", "tablet 2")


def first_person(db, forum_id):
    p = people.all_active(db.cursor(), forum_id)[0]
    return p, checkin.token_of(db.cursor(), p["id"])


def test_every_participant_has_a_token(db, demo_forum):
    codes = checkin.tokens_of_forum(db.cursor(), demo_forum)
    assert len(codes) == people.count_active(db.cursor(), demo_forum) == 117
    assert len(set(codes.values())) == 117


def test_scan_checks_in_once_then_amber_with_when_and_where(db, demo_forum):
    p, code = first_person(db, demo_forum)
    first = checkin.scan(db, DESK1, demo_forum, code.lower(), "Desk 1")
    assert first.status == "checked_in" and first.participant["id"] == p["id"]
    assert first.participant["room"] and first.participant["field"]
    again = checkin.scan(db, DESK2, demo_forum, f" {code[:3]}-{code[3:6]}-{code[6:]} ", "Desk 2")
    assert again.status == "already_checked_in"
    assert (again.desk, again.at) == ("Desk 1", first.at)
    cur = db.cursor()
    assert cur.execute("SELECT count(*) FROM checkin_event WHERE kind = 'check_in'").fetchone() == (1,)
    scans = cur.execute("SELECT after FROM audit_log WHERE action = 'checkin.scan' ORDER BY id").fetchall()
    assert ['"status": "checked_in"' in a for (a,) in scans] == [True, False]
    assert '"status": "already_checked_in"' in scans[1][0] and '"desk": "Desk 2"' in scans[1][0]
    assert cur.execute("SELECT role, device FROM checkin_event").fetchone() == ("desk", "tablet 1")


def test_mistyped_forged_unknown_and_replaced_codes(db, demo_forum):
    p, code = first_person(db, demo_forum)
    secret = forum_mod.get_forum(db.cursor(), demo_forum)["token_secret"]
    from forum_core import tokens

    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert checkin.scan(db, DESK1, demo_forum, typo, "Desk 1").status == "invalid_code"
    assert checkin.scan(db, DESK1, demo_forum, tokens.new_token("forged"), "Desk 1").status == "invalid_code"
    assert checkin.scan(db, DESK1, demo_forum, tokens.new_token(secret), "Desk 1").status == "unknown_code"
    new = checkin.reissue_token(db, ORGANIZER, demo_forum, p["id"])
    assert new != code
    replaced = checkin.scan(db, DESK1, demo_forum, code, "Desk 1")
    assert replaced.status == "replaced_code" and replaced.participant["id"] == p["id"]
    assert checkin.scan(db, DESK1, demo_forum, new, "Desk 1").status == "checked_in"
    assert db.cursor().execute("SELECT count(*) FROM audit_log WHERE action = 'checkin.scan'").fetchone() == (5,)


def test_a_scan_reads_the_card_as_the_name_search_does_and_a_removed_persons_code_is_unknown(db, demo_forum):
    """The card holds the same fields as a check-in by name; a removed person's code is unknown."""
    people_now = people.all_active(db.cursor(), demo_forum)
    (p, q) = people_now[:2]
    code_p, code_q = checkin.token_of(db.cursor(), p["id"]), checkin.token_of(db.cursor(), q["id"])
    by_code = checkin.scan(db, DESK1, demo_forum, code_p, "Desk 1")
    assert by_code.participant == checkin._person(db.cursor(), p["id"])
    later = checkin.scan(db, DESK2, demo_forum, code_p, "Desk 2")
    assert (later.status, later.desk, later.at) == ("already_checked_in", "Desk 1", by_code.at)
    assert people.remove(db, ORGANIZER, q["id"], people.get(db.cursor(), q["id"])["version"]).ok
    assert checkin.scan(db, DESK1, demo_forum, code_q, "Desk 1").status == "unknown_code"


def test_undo_is_recorded_and_allows_a_new_check_in(db, demo_forum):
    p, code = first_person(db, demo_forum)
    checkin.scan(db, DESK1, demo_forum, code, "Desk 1")
    assert checkin.undo(db, DESK1, demo_forum, p["id"], "Desk 1").reason == "undone"
    assert checkin.current_check_in(db.cursor(), p["id"]) is None
    assert checkin.undo(db, DESK1, demo_forum, p["id"], "Desk 1").reason == "not_checked_in"
    assert checkin.scan(db, DESK2, demo_forum, code, "Desk 2").status == "checked_in"
    kinds = db.cursor().execute("SELECT kind, desk FROM checkin_event ORDER BY id").fetchall()
    assert kinds == [("check_in", "Desk 1"), ("undo", "Desk 1"), ("check_in", "Desk 2")]


def test_walk_in_is_added_and_checked_in_at_once(db, demo_forum):
    group = forum_mod.groups(db.cursor(), demo_forum)[4]
    outcome = checkin.register_walk_in(
        db, DESK1, demo_forum, {"first_name": "ლუკა", "last_name": "მესხი", "phone": "", "group": group["id"]}, "Desk 3"
    )
    assert outcome.ok
    result = outcome.value
    assert result.status == "checked_in" and result.token and result.participant["group_number"] == group["number"]
    row = people.get(db.cursor(), result.participant["id"])
    assert row["source"] == "walk_in" and row["phone"] is None
    assert checkin.scan(db, DESK1, demo_forum, result.token, "Desk 1").status == "already_checked_in"
    bad = checkin.register_walk_in(db, DESK1, demo_forum, {"first_name": "", "last_name": "x", "group": None}, "D")
    assert not bad.ok and {e.code for e in bad.errors} == {"required"}


def test_paper_sheet_ticks_keep_the_time_they_happened(db, demo_forum):
    p, _ = first_person(db, demo_forum)
    at = datetime(2027, 5, 28, 10, 47)
    result = checkin.check_in_participant(db, DESK1, demo_forum, p["id"], "Desk 1", method="paper", at=at)
    assert result.status == "checked_in" and result.at == at
    assert checkin.current_check_in(db.cursor(), p["id"])["method"] == "paper"


def test_arrivals_and_recent(db, demo_forum):
    codes = list(checkin.tokens_of_forum(db.cursor(), demo_forum).values())
    for code in codes[:5]:
        checkin.scan(db, DESK1, demo_forum, code, "Desk 1")
    checkin.scan(db, DESK2, demo_forum, codes[5], "Desk 2")
    rows = checkin.arrivals(db.cursor(), demo_forum)
    assert sum(r["checked_in"] for r in rows) == 6 and sum(r["expected"] for r in rows) == 117
    assert len(checkin.recent(db.cursor(), demo_forum, "Desk 1")) == 5
    assert len(checkin.recent(db.cursor(), demo_forum)) == 6


def test_the_same_person_at_two_desks_in_the_same_second(db, demo_forum):
    _, code = first_person(db, demo_forum)
    barrier = threading.Barrier(4)
    results = []

    def desk(n):
        barrier.wait()
        results.append(checkin.scan(db, Actor("desk", f"t{n}"), demo_forum, code, f"Desk {n}").status)

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(4)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    assert sorted(results) == ["already_checked_in"] * 3 + ["checked_in"]


PEOPLE = 200  # 50 a quarter: each pair of threads still meets (and races) in the middle of its quarter


def test_200_people_from_8_threads_each_checked_in_exactly_once(db, forum_id):
    rows = [[f"სახელი{i}", f"გვარი{i}", f"5{i:08d}", str(i % 3 + 1), "", "", "", "", ""] for i in range(PEOPLE)]
    assert importer.apply(db, ORGANIZER, forum_id, csv_bytes(rows), "big.csv").ok
    codes = list(checkin.tokens_of_forum(db.cursor(), forum_id).values())
    assert len(codes) == PEOPLE
    errors, statuses = [], []
    size = PEOPLE // 4

    def desk(n):
        # threads n and n+4 scan the same quarter of the people in opposite orders:
        # every person is scanned twice, by two threads racing each other
        quarter = codes[(n % 4) * size : (n % 4) * size + size]
        for code in quarter if n < 4 else quarter[::-1]:
            try:
                # eight desks: two desks racing for one code get one green and one amber card (the
                # same desk reading a code twice within 2 s would get green twice: a double read)
                statuses.append(checkin.scan(db, Actor("desk", f"t{n}"), forum_id, code, f"Desk {n + 1}").status)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(8)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    assert errors == []
    assert statuses.count("checked_in") == PEOPLE
    assert statuses.count("already_checked_in") == PEOPLE
    per_person = (
        db.cursor()
        .execute("SELECT count(*) FROM checkin_event WHERE kind = 'check_in' GROUP BY participant_id")
        .fetchall()
    )
    assert len(per_person) == PEOPLE and {c for (c,) in per_person} == {1}


def test_check_ins_survive_a_restart(tmp_path):
    path = tmp_path / "f.duckdb"
    db = Database(path)
    from forum_core import demo

    forum_id = demo.load_demo(db, ORGANIZER).value
    p, code = first_person(db, forum_id)
    checkin.scan(db, DESK1, forum_id, code, "Desk 1")
    group = forum_mod.groups(db.cursor(), forum_id)[0]["id"]
    walk = checkin.register_walk_in(db, DESK1, forum_id, {"first_name": "ა", "last_name": "ბ", "group": group}, "D2")
    other = next(
        x["id"]
        for x in people.all_active(db.cursor(), forum_id)
        if x["id"] not in (p["id"], walk.value.participant["id"])
    )
    checkin.check_in_participant(db, DESK1, forum_id, other, "Desk 1")
    checkin.undo(db, DESK1, forum_id, other, "Desk 1")
    db.close()
    reopened = Database(path)
    cur = reopened.cursor()
    assert checkin.current_check_in(cur, p["id"])["desk"] == "Desk 1"
    assert checkin.current_check_in(cur, walk.value.participant["id"])["method"] == "walk_in"
    assert checkin.current_check_in(cur, other) is None
    assert cur.execute("SELECT count(*) FROM checkin_event").fetchone() == (4,)
    reopened.close()


def test_qr_photo_is_decoded(db, demo_forum):
    import io

    import qrcode

    _, code = first_person(db, demo_forum)
    buf = io.BytesIO()
    qrcode.make(code).save(buf, format="PNG")
    assert checkin.read_qr(buf.getvalue()) == [code]
    assert checkin.read_qr(b"not an image") == []


def test_only_the_qr_code_of_a_photo_is_read(db, demo_forum):
    """A photo with other barcodes beside the invitation's QR code (a Micro QR code, as zxing once
    read inside a badge's QR code, and a product's EAN-13): only the QR code is read."""
    import io

    import numpy as np
    import qrcode
    import zxingcpp
    from PIL import Image

    _, code = first_person(db, demo_forum)

    def drawn(text: str, kind, scale: int) -> Image.Image:
        return Image.fromarray(
            np.array(zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, kind), scale=scale))
        )

    others = [
        drawn("56646", zxingcpp.BarcodeFormat.MicroQRCode, 8),
        drawn("4006381333931", zxingcpp.BarcodeFormat.EAN13, 4),
    ]
    qr = qrcode.make(code).get_image().convert("L")
    photo = Image.new("L", (sum(i.width for i in others) + qr.width + 80, 400), 255)
    x = 20
    for image in [*others, qr]:
        photo.paste(image, (x, 20))
        x += image.width + 20
    buf = io.BytesIO()
    photo.save(buf, format="PNG")
    assert len(zxingcpp.read_barcodes(photo)) == 3  # all three are there to be read
    assert checkin.read_qr(buf.getvalue()) == [code]


def test_scan_memo_follows_moves_removals_and_new_people(db, demo_forum):
    """The desk's in-process memo of codes and people never shows data older than the last commit."""
    cur = db.cursor()
    people_list = people.all_active(cur, demo_forum)
    mover, stayer, leaver = people_list[0], people_list[1], people_list[2]
    assert checkin.scan(db, DESK1, demo_forum, checkin.token_of(cur, stayer["id"]), "Desk 1").ok  # memo built
    groups = forum_mod.groups(cur, demo_forum)
    other = next(g for g in groups if g["id"] != mover["group_id"])
    assert people.move(db, ORGANIZER, mover["id"], other["id"], people.get(cur, mover["id"])["version"]).ok
    moved = checkin.scan(db, DESK1, demo_forum, checkin.token_of(cur, mover["id"]), "Desk 1")
    assert moved.status == "checked_in" and moved.participant["group_number"] == other["number"]
    leaver_code = checkin.token_of(cur, leaver["id"])
    assert people.remove(db, ORGANIZER, leaver["id"], people.get(cur, leaver["id"])["version"]).ok
    assert checkin.scan(db, DESK1, demo_forum, leaver_code, "Desk 1").status == "unknown_code"
    added = people.add(
        db,
        ORGANIZER,
        demo_forum,
        {"first_name": "ნინო", "last_name": "ახალი", "phone": "599000111", "group": groups[0]["number"]},
    )
    assert added.ok, added
    new_code = checkin.token_of(db.cursor(), added.value)
    assert checkin.scan(db, DESK1, demo_forum, new_code, "Desk 1").status == "checked_in"
