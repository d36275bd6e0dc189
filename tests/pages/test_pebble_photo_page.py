"""Issue 19 on the pages: the overview's representation table and a group's photo beside its
counts; the facilitator's blind recount, which hides the first count and whose differences
are shown before finalising."""

import io
import os

from PIL import Image

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.db import Actor
from tests.pages.conftest import open_app, texts


def app_db():
    from ui import runtime

    return runtime.database(os.environ["FORUM_DB"])


def frame(at, first_column: str, nth: int = 0):
    """The nth table whose first column is ``first_column`` (AppTest finds tables by place, not key)."""
    return [e.value for e in at.dataframe if list(e.value.columns[:1]) == [first_column]][nth]


def board_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def test_overview_shows_representation_and_a_photo_beside_its_counts(swing_db):
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    assert dl.save_photo(db, Actor("facilitator", "tablet", group["id"]), group["id"], board_photo()).ok
    at = open_app("en", "pages/overview.py")
    assert "Representation" in texts(at) and "8 of 10 groups have finalised their vote" in texts(at)
    shown = frame(at, "Dimension")
    assert list(shown.columns[1:5]) == ["Category", "Invited", "Checked in", "At the vote"]
    assert "Women" in list(shown["Category"]) and "% of population" not in shown.columns
    table = frame(at, "No.")
    assert table["Photo"].iloc[0] != "—" and table["Photo"].iloc[1] == "—"
    at.selectbox(key="overview_photo_group").set_value(group["id"]).run()
    assert not at.exception, at.exception
    assert len(at.get("image")) == 1
    counts = frame(at, "Problem")
    assert list(counts.columns) == ["Problem", "Pebbles when photographed", "Pebbles now"]
    # the population as a third column, typed on the setup page
    setup = open_app("en", "pages/setup.py")
    setup.toggle(key="population_open").set_value(True).run()
    setup.number_input(key="population_gender_f").set_value(5200)
    setup.number_input(key="population_gender_m").set_value(4800)
    setup.button(key="FormSubmitter:population_form-Save").click().run()
    assert not setup.exception, setup.exception
    at.run()
    assert "% of population" in frame(at, "Dimension").columns
    # the audit shows the group's photo beside the counts it was taken with
    audit = open_app("en", "pages/audit.py")
    audit.selectbox(key="replay_group").set_value(group["id"]).run()
    assert not audit.exception, audit.exception
    assert len(audit.get("image")) == 1 and "Pebbles when photographed" in frame(audit, "Problem", 1).columns


def test_a_blind_recount_hides_the_count_and_its_differences_come_before_finalising(demo_db):
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    organizer = Actor("organizer", "laptop")
    for m in dl.members(db.cursor(), 1, group["id"])[:10]:
        dl.mark_present(db, organizer, 1, group["id"], m["id"])
    problems = [dl.add_problem(db, organizer, group["id"], f"problem {i}").value for i in range(6)]
    for pid, n in zip(problems, (9, 7, 6, 5, 4, 1)):
        dl.set_pebbles(db, organizer, pid, n)
    at = open_app("en", "pages/facilitator.py", role="expert", group_number=1)
    at.segmented_control(key="fac_step").set_value("vote").run()
    at.toggle(key="recount_mode").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.dataframe  # no ranking, no first count shown
    assert not [e for e in at.number_input if e.key.startswith("peb_")]
    first = at.selectbox(key="recount_choice").value
    at.number_input(key=f"recount_{first}").set_value(8).run()  # the first count says 9
    assert dl.recounts(db.cursor(), group["id"]) == {(first, 0): 8}
    at.toggle(key="recount_mode").set_value(False).run()
    assert any("differs for 6 problems" in w.value for w in at.warning)


def test_the_facilitator_photographs_the_board_and_the_location_is_gone(demo_db):
    from tests.unit.test_pebble_photo import jpeg_with_location

    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    at = open_app("en", "pages/facilitator.py", role="facilitator", group_number=1)
    at.segmented_control(key="fac_step").set_value("vote").run()
    at.toggle(key="photo_camera").set_value(True).run()
    at.camera_input(key="photo_shot").set_value(("shot.jpg", jpeg_with_location(), "image/jpeg")).run()
    assert not at.exception, at.exception
    assert any(s.value == "Photo saved with the count." for s in at.success)
    facts = dl.photos(db.cursor(), 1)[group["id"]]
    assert len(Image.open(io.BytesIO(dl.photo_image(db.cursor(), facts["id"]))).getexif()) == 0  # no location
    assert len(at.get("image")) == 1  # the photo kept, shown on the vote step
    at.run()  # the same picture is not stored again on the next run
    assert dl.photos(db.cursor(), 1)[group["id"]]["taken"] == 1


def test_a_facilitator_may_upload_a_photo_up_to_its_cap():
    from tests.pages.test_middleware import uploads
    from ui import runtime

    runtime.note_session("facilitator-session", "facilitator")
    runtime.note_session("expert-session", "expert")
    http = uploads()
    photo = b"x" * (12 * 2**20)  # deliberation.PHOTO_MAX_BYTES: refused by the service, with its words
    assert http.put("/_stcore/upload_file/facilitator-session/f1", content=photo).text == f"stored {len(photo)}"
    assert http.put("/_stcore/upload_file/facilitator-session/f2", content=photo * 2).status_code == 413
    assert http.put("/_stcore/upload_file/expert-session/f1", content=b"x").status_code == 403
