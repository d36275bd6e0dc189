"""A pebble count that can be checked: the photo of the board (re-encoded, resized, no EXIF and
no location, size and pixels checked before decoding, group scope) and the blind recount."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import ExifTags, Image

from forum_core import audit as audit_mod
from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.db import Actor
from tests.conftest import ORGANIZER


def jpeg_with_location(size=(400, 200), orientation: int | None = None) -> bytes:
    """A camera-like JPEG: EXIF with a GPS position (Telavi), a camera model and maybe a rotation."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: shows the rotation
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Tablet camera 9000"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (41.0, 55.0, 9.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (45.0, 28.0, 55.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims ``width`` × ``height`` pixels (a decompression bomb's shape)."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    return bytes(data)


@pytest.fixture
def group(db, forum_id):
    """Group 1 with three problems counted 4, 2, 1."""
    g1 = forum_mod.groups(db.cursor(), forum_id)[0]
    problems = [dl.add_problem(db, ORGANIZER, g1["id"], f"პრობლემა {i}").value for i in range(3)]
    for pid, n in zip(problems, (4, 2, 1)):
        assert dl.set_pebbles(db, ORGANIZER, pid, n).ok
    return {"id": g1["id"], "problems": problems, "forum_id": forum_id}


def test_the_photo_is_kept_without_location_and_upright(db, group):
    original = jpeg_with_location(orientation=6)  # the tablet held upright: rotate 90° clockwise
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's photo has it
    facilitator = Actor("facilitator", "tablet 1", group["id"])
    outcome = dl.save_photo(db, facilitator, group["id"], original)
    assert outcome.ok, outcome
    facts = dl.photos(db.cursor(), group["forum_id"])[group["id"]]
    assert sorted(facts["counts"]) == sorted([[p, 0, n] for p, n in zip(group["problems"], (4, 2, 1))])
    kept = dl.photo_image(db.cursor(), facts["id"])
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG" and image.size == (200, 400) == (facts["width"], facts["height"])
    assert image.getpixel((100, 20))[2] > 150  # the blue half is now on top: turned upright
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"Exif" not in kept and b"Tablet camera" not in kept and b"GPS" not in kept
    audit = db.cursor().execute("SELECT after FROM audit_log WHERE action = 'vote.photo'").fetchone()[0]
    assert facts["sha256"] in audit and len(audit) < 1000  # the audit names the photo, it does not hold it
    in_group = audit_mod.entries(db.cursor(), group["forum_id"], group["id"], kind="vote")
    assert [e["action"] for e in in_group][:1] == ["vote.photo"]  # the group's audit trail lists it


def test_a_large_photo_is_resized(db, group):
    outcome = dl.save_photo(db, ORGANIZER, group["id"], jpeg_with_location(size=(3000, 2000)))
    assert outcome.ok
    facts = dl.photos(db.cursor(), group["forum_id"])[group["id"]]
    assert (facts["width"], facts["height"]) == (1600, 1067)


def test_oversize_and_non_pictures_are_refused_before_decoding(db, group):
    before = db.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0]
    started = time.perf_counter()
    bomb = png_claiming(30_000, 30_000)  # 900 megapixels in 70 bytes
    assert len(bomb) < 200
    assert dl.save_photo(db, ORGANIZER, group["id"], bomb).reason == "image_too_large"
    # 63 megapixels: below Pillow's own bomb limit (89), above ours (50): refused by the header too
    assert dl.save_photo(db, ORGANIZER, group["id"], png_claiming(9_000, 7_000)).reason == "image_too_large"
    assert time.perf_counter() - started < 0.5  # refused from the header, nothing decoded
    assert dl.save_photo(db, ORGANIZER, group["id"], b"\xff" * (dl.PHOTO_MAX_BYTES + 1)).reason == "image_too_large"
    assert dl.save_photo(db, ORGANIZER, group["id"], b"GIF89a not really").reason == "not_an_image"
    assert dl.save_photo(db, ORGANIZER, group["id"], jpeg_with_location()[:300]).reason == "not_an_image"
    assert dl.photos(db.cursor(), group["forum_id"]) == {}
    assert db.cursor().execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_another_groups_tablet_cannot_add_a_photo_or_recount(db, group):
    g2 = forum_mod.groups(db.cursor(), group["forum_id"])[1]
    for role in ("facilitator", "expert"):
        other = Actor(role, "tablet of group 2", g2["id"])
        assert dl.save_photo(db, other, group["id"], jpeg_with_location()).reason == "outside_group"
        assert dl.set_recount(db, other, group["problems"][0], 4).reason == "outside_group"
    assert not dl.save_photo(db, Actor("desk", "desk 1"), group["id"], jpeg_with_location()).ok
    assert dl.photos(db.cursor(), group["forum_id"]) == {}


def test_a_blind_recount_shows_its_differences_until_finalised(db, group):
    forum = forum_mod.get_forum(db.cursor(), group["forum_id"])
    expert = Actor("expert", "expert's phone", group["id"])
    p = group["problems"]
    assert dl.recount_differences(db.cursor(), group["id"]) == []  # no recount: nothing to compare
    assert dl.set_recount(db, expert, p[0], 4).ok
    assert dl.set_recount(db, expert, p[1], 3).ok
    differences = dl.recount_differences(db.cursor(), group["id"])
    assert [(d["problem_id"], d["count"], d["recount"]) for d in differences] == [(p[1], 2, 3), (p[2], 1, None)]
    assert dl.set_recount(db, expert, p[1], "x").reason == "invalid"
    assert dl.set_recount(db, expert, p[1], 2).ok and dl.set_recount(db, expert, p[2], 1).ok
    assert dl.recount_differences(db.cursor(), group["id"]) == []
    assert dl.counts(db.cursor(), group["id"])[(p[1], 0)] == 2  # the recount never changes the count
    # the group needs five priorities' worth of problems to finalise: two more
    for i in (3, 4):
        pid = dl.add_problem(db, ORGANIZER, group["id"], f"პრობლემა {i}").value
        assert dl.set_pebbles(db, ORGANIZER, pid, 10 - i).ok
        assert dl.set_recount(db, expert, pid, 10 - i).ok
    assert dl.finalise(db, ORGANIZER, forum, group["id"]).ok
    assert dl.set_recount(db, expert, p[0], 9).reason == "locked"
    recounted = audit_mod.entries(db.cursor(), group["forum_id"], group["id"], role="expert")
    assert len(recounted) == 6 and {e["action"] for e in recounted} == {"vote.recount"}


def test_annex_2_prints_the_photo_and_the_document_hides_small_groups(db, group):
    """The recommendations document read back by pypdf: annex 2 holds group 1's photo under its
    counts; the representation tables say "fewer than 5" and never name a rare village."""
    from pypdf import PdfReader

    from forum_core import participants as people
    from forum_core import report_pdf
    from forum_core.i18n import t

    forum_id = group["forum_id"]
    assert dl.save_photo(db, ORGANIZER, group["id"], jpeg_with_location(size=(800, 600))).ok
    hostile = "<b>სოფელი</b> =cmd|' /C calc'!A0"
    for n, community in enumerate((hostile, "თელავი")):
        person = {"first_name": "ა", "last_name": "ბ", "phone": f"599 33 00 0{n}", "community": community}
        assert people.add(db, ORGANIZER, forum_id, {**person, "gender": "f", "group": group["id"]}).ok
    pdf = report_pdf.recommendations_pdf(db.cursor(), forum_id, "en")
    pages = PdfReader(io.BytesIO(pdf)).pages
    texts = [page.extract_text() for page in pages]
    annex = next(i for i, text in enumerate(texts) if t("en", "report.annex_problems") in text)
    with_photo = [i for i, text in enumerate(texts) if "Photo of the pebble board" in text]
    assert len(with_photo) == 1 and with_photo[0] >= annex
    assert "პრობლემა 0" in texts[with_photo[0]]  # under the group's counts
    assert len(pages[with_photo[0]].images) == 1
    assert b"Tablet camera" not in pdf and b"Exif" not in pdf  # the photo's EXIF is not in the PDF
    whole = "\n".join(texts)
    assert "fewer than 5" in whole and "Who came, against who was invited" in whole
    assert "calc" not in whole and "<b>" not in whole and "თელავი" not in whole
