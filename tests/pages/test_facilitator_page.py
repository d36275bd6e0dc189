"""A whole group session on the facilitator page, in Georgian and in English.

The autosaving text fields are drawn by the browser (ui/components/autosave.js) and save
through POST /api/text; here their data (field id, stored text) is read off the page and
their saves go through the same service the route calls (``deliberation.save_text``).
"""

import json
import os

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from forum_core import deliberation as dl
from forum_core import forum as forum_mod
from forum_core.i18n import t
from tests.pages import traversal
from tests.pages.conftest import open_app, texts

PAGE = "pages/facilitator.py"


def drawn_after(at, key: str):
    """The element drawn right after the widget ``key``, in the same block (None when it is the last)."""
    for node in traversal.nodes(at):
        children = list((getattr(node, "children", None) or {}).values())
        for n, child in enumerate(children):
            if getattr(child, "key", None) == key:
                return children[n + 1] if n + 1 < len(children) else None
    raise AssertionError(f"no widget {key!r} on the page")


def app_db():
    from ui import runtime

    return runtime.database(os.environ["FORUM_DB"])


def go(at, step):
    at.segmented_control(key="fac_step").set_value(step).run()
    assert not at.exception, at.exception


def fields(at) -> dict[str, dict]:
    """The autosaving text fields on the page: field id -> the data the browser gets."""
    found = {}
    for element in at.get("bidi_component"):
        data = json.loads(element.proto.json or "{}")
        if element.proto.component_name == "forum_autosave":
            found[data["field"]] = data
    return found


def type_into(at, field: str, text: str) -> None:
    """What the browser's field does: save with the stored text it shows as the one started from."""
    shown = fields(at)[field]
    outcome = dl.save_text(app_db(), dl_actor(1), field, text, shown["stored"])
    assert outcome.ok, outcome
    at.run()


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_a_whole_group_session(demo_db, lang):
    at = open_app(lang, PAGE)
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    assert at.selectbox(key="facilitator_group").value == group["number"]

    # who is here: tick ten members present
    members = dl.members(db.cursor(), 1, group["id"])
    for m in members[:10]:
        at.checkbox(key=f"here_{m['id']}").check().run()
    assert dl.present_count(db.cursor(), 1, group["id"]) == 10

    # strengths and weaknesses
    go(at, "assessment")
    pasted = "აქტიური ახალგაზრდობა " * 25  # 525 characters: longer than an item may be
    at.text_input(key="new_strength").set_value(pasted).run()
    # said right under the box, without the field's name ("ტექსტი: ტექსტი ძალიან გრძელია"): at the page's
    # top it was out of sight on a tablet once the list was long
    said = drawn_after(at, "new_strength")
    assert said is not None and said.type == "error", said
    assert said.value == t(lang, "error.too_long", max=500, length=len(pasted.strip()))
    assert t(lang, "reason.invalid") not in texts(at)
    assert at.text_input(key="new_strength").value == pasted  # kept, to be shortened
    assert dl.assessment(db.cursor(), group["id"])["strength"] == []
    # the refused text cleared to start again: no error, nothing added ("Text: this field is required")
    at.text_input(key="new_strength").set_value(" ").run()
    assert t(lang, "error.required") not in texts(at)
    assert t(lang, "error.too_long", max=500, length=len(pasted.strip())) not in texts(at)
    assert dl.assessment(db.cursor(), group["id"])["strength"] == []
    at.text_input(key="new_strength").set_value("აქტიური ახალგაზრდობა").run()
    assert at.text_input(key="new_strength").value == ""  # saved: the field is empty for the next one
    at.text_input(key="new_weakness").set_value("<b>ცუდი</b> გზები").run()
    items = dl.assessment(db.cursor(), group["id"])
    assert [i["text"] for i in items["weakness"]] == ["<b>ცუდი</b> გზები"]

    # problems, one flagged by the expert
    go(at, "problems")
    assert t(lang, "fac.no_problems_yet") in texts(at)
    next(b for b in at.button if b.label == t(lang, "fac.add_problem")).click().run()  # no title
    said = texts(at)
    assert f"{t(lang, 'label.problem_title')}: {t(lang, 'error.required')}" in said
    assert t(lang, "label.title") not in said  # the forum's title is not the field
    for n, title in enumerate(["გზები", "წყალი", "განათება", "ნაგავი", "ბაღი", "სპორტი", "პენსიები"]):
        at.text_input(key=f"pt_{n}").set_value(title)
        next(b for b in at.button if b.label == t(lang, "fac.add_problem")).click().run()
        assert t(lang, "fac.problem_added", title=title, count=n + 1) in texts(at)  # said, with the count
    problems = {p["title"]: p["id"] for p in dl.problems(db.cursor(), group["id"])}
    assert len(problems) == 7
    pension = problems["პენსიები"]
    at.selectbox(key="problem_choice").set_value(pension).run()
    at.checkbox(key=f"fo_{pension}").check().run()
    assert dl.problems(db.cursor(), group["id"])[-1]["outside_competence"]
    type_into(at, f"competence_note:{pension}", "ცენტრალური ხელისუფლება")
    assert dl.problems(db.cursor(), group["id"])[-1]["outside_competence"]
    assert fields(at)[f"competence_note:{pension}"]["stored"] == "ცენტრალური ხელისუფლება"
    assert fields(at)[f"problem:{pension}:title"]["stored"] == "პენსიები"

    # the pebble vote: typed counts and + / − buttons
    go(at, "vote")
    # the pebble board's photo: the uploader's own limit is the one its help states (it said 20 MB under "12 MB")
    assert [u.proto.max_upload_size_mb for u in at.get("file_uploader")] == [dl.PHOTO_MAX_BYTES // 2**20] == [12]
    assert pension not in at.selectbox(key="count_choice").options  # excluded from the vote
    for title, n in (("გზები", 8), ("წყალი", 7), ("განათება", 6), ("ნაგავი", 5), ("ბაღი", 2), ("სპორტი", 1)):
        assert at.selectbox(key="count_choice").value == problems[title]  # ▶ walks through them in order
        at.number_input(key=f"peb_{problems[title]}_0").set_value(n).run()
        at.button(key="count_next").click().run()
    at.selectbox(key="count_choice").set_value(problems["სპორტი"]).run()
    at.button(key=f"plus_peb_{problems['სპორტი']}_0").click().run()
    assert at.number_input(key=f"peb_{problems['სპორტი']}_0").value == 2
    result = dl.ranking(db.cursor(), forum_mod.get_forum(db.cursor(), 1), group["id"])
    assert result.tie == sorted([problems["ბაღი"], problems["სპორტი"]])
    assert t(lang, "fac.tie", places=1, count=1, titles="ბაღი, სპორტი") in texts(at)
    at.button(key="start_revote").click().run()
    at.number_input(key=f"peb_{problems['სპორტი']}_1").set_value(6).run()
    at.number_input(key=f"peb_{problems['ბაღი']}_1").set_value(4).run()
    at.button(key="finalise").click().run()
    at.button(key="finalise_yes").click().run()
    assert t(lang, "fac.finalised") in texts(at)
    top = dl.priorities(db.cursor(), group["id"])
    assert [p["title"] for p in top] == ["გზები", "წყალი", "განათება", "ნაგავი", "სპორტი"]

    # initiatives, saved on each change
    go(at, "initiatives")
    first = top[0]["problem_id"]
    assert at.radio(key="priority_choice").value == first
    # a choice not made yet shows "—", as its option does, not Streamlit's English "Choose an option"
    choices = [box for box in at.selectbox if box.key.startswith(f"ini_{first}_")]
    assert len(choices) == 4 and all(box.proto.placeholder == "—" for box in choices), [
        box.proto.placeholder for box in choices
    ]
    at.selectbox(key=f"ini_{first}_kind").set_value("program").run()
    prefix = f"initiative:{group['id']}:{first}"
    assert {f"{prefix}:{name}" for name in dl.INITIATIVE_TEXT} <= set(fields(at))  # every text field autosaves
    assert fields(at)[f"{prefix}:goal"]["multiline"] and fields(at)[f"{prefix}:goal"]["lang"] == lang
    type_into(at, f"{prefix}:title", "გზების შეკეთება")
    type_into(at, f"{prefix}:goal", "გზების შეკეთება")
    assert t(lang, "ini.goal_no_number") in [c.value.replace("💡 ", "") for c in at.caption]
    at.number_input(key=f"ini_{first}_beneficiaries_count").set_value(1200).run()
    # a number past the field's limit: refused, said with the field's name and the limits readable
    # (a tour saw "label.beneficiaries_count: ... 10000000"), and the box shows the stored number again
    at.number_input(key=f"ini_{first}_beneficiaries_count").set_value(99_999_999).run()
    said = "\n".join(e.value for e in at.error)
    assert t(lang, "ini.beneficiaries_count") in said and "label." not in said, said
    assert ("10\u00a0000\u00a0000" if lang == "ka" else "10,000,000") in said, said
    assert at.number_input(key=f"ini_{first}_beneficiaries_count").value == 1200
    type_into(at, f"{prefix}:resources_needed", "ასფალტი")
    assert fields(at)[f"{prefix}:resources_needed"]["stored"] == "ასფალტი"
    row = dl.initiative(db.cursor(), group["id"], first)
    assert (row["kind"], row["title"], row["beneficiaries_count"]) == ("program", "გზების შეკეთება", 1200)
    assert dl.is_complete(row)

    # presenter and the summary
    go(at, "presenter")
    here = [m for m in dl.members(db.cursor(), 1, group["id"]) if m["present"]]
    at.selectbox(key="presenter_choice").set_value(here[0]["id"]).run()
    at.button(key="save_presenter").click().run()
    assert dl.presenter(db.cursor(), group["id"])["id"] == here[0]["id"]
    assert any(b.key == "summary_pdf" for b in at.get("download_button"))


@pytest.mark.parametrize("lang", ["ka"])
def test_a_count_past_the_limit_is_refused_with_the_pages_words_and_the_box_shows_the_stored_count(demo_db, lang):
    """The count's box has no limit of its own: Streamlit refused 9999 in the browser, saying so only in
    a tooltip a tablet cannot hover, over the box's "Enter" hint (a browser tour); the service says why."""
    at = open_app(lang, PAGE)
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    pid = dl.add_problem(db, dl_actor(group["id"]), group["id"], "გზები").value
    assert dl.set_pebbles(db, dl_actor(group["id"]), pid, 4).ok
    at.run()
    go(at, "vote")
    at.number_input(key=f"peb_{pid}_0").set_value(9999).run()
    said = "\n".join(e.value for e in at.error)
    assert t(lang, "error.out_of_range", min=0, max=dl.MAX_PEBBLES) in said, said
    assert at.number_input(key=f"peb_{pid}_0").value == 4
    assert dl.counts(db.cursor(), group["id"])[pid, 0] == 4


def test_over_count_warning_and_markup_shown_as_text(demo_db):
    at = open_app("en", PAGE)
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    pid = dl.add_problem(db, dl_actor(group["id"]), group["id"], "**bold** <i>x</i>").value
    at.run()
    go(at, "vote")
    at.number_input(key=f"peb_{pid}_0").set_value(50).run()
    assert sum("more than possible" in w.value for w in at.warning) == 1
    at.button(key="finalise").click().run()  # the confirmation says it again, where it is decided
    assert sum("more than possible" in w.value for w in at.warning) == 2
    assert any(x.value == "**bold** <i>x</i>" for x in at.text)
    shown = at.dataframe[0].value  # the ranking table shows it as plain text
    assert "**bold** <i>x</i>" in list(shown.iloc[:, 1])


def dl_actor(group_id):
    from forum_core.db import Actor

    return Actor("facilitator", "test", group_id)


def vote_ready(at, titles):
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    ids = [dl.add_problem(db, dl_actor(group["id"]), group["id"], title).value for title in titles]
    at.run()
    go(at, "vote")
    return group, ids


def test_a_second_pass_through_the_count_shows_the_stored_counts(demo_db):
    """Issue 14: on a second pass the boxes showed 0 while the total was right, and "+" then
    added to the stored count (4 -> 5): a recount with "+" doubled a count."""
    at = open_app("en", PAGE)
    group, (roads, water) = vote_ready(at, ["roads", "water"])
    at.number_input(key=f"peb_{roads}_0").set_value(4).run()
    at.button(key="count_next").click().run()  # on to the next problem
    assert at.selectbox(key="count_choice").value == water
    at.button(key="count_prev").click().run()  # and back: the second pass
    assert at.number_input(key=f"peb_{roads}_0").value == 4  # was 0
    at.button(key=f"plus_peb_{roads}_0").click().run()
    assert dl.counts(app_db().cursor(), group["id"])[(roads, 0)] == 5
    assert at.number_input(key=f"peb_{roads}_0").value == 5
    at.button(key=f"minus_peb_{roads}_0").click().run()
    assert dl.counts(app_db().cursor(), group["id"])[(roads, 0)] == 4


def test_plus_acts_on_the_count_shown_never_on_a_newer_one(demo_db):
    at = open_app("en", PAGE)
    group, (roads,) = vote_ready(at, ["roads"])
    at.number_input(key=f"peb_{roads}_0").set_value(4).run()
    dl.set_pebbles(app_db(), dl_actor(group["id"]), roads, 9)  # another tablet recounted meanwhile
    at.button(key=f"plus_peb_{roads}_0").click().run()
    assert dl.counts(app_db().cursor(), group["id"])[(roads, 0)] == 9  # not 10, not 5
    assert any("(9)" in w.value for w in at.warning)
    assert at.number_input(key=f"peb_{roads}_0").value == 9


def test_merge_names_the_problem_that_disappears_and_an_edit_begun_before_is_not_written_over_it(demo_db):
    """Issue 14: saving the edit still open after a merge wrote the pre-merge text over the merged
    problem; and the box "is the same problem as…" named the wrong one."""
    for lang in ("ka", "en"):
        at = open_app(lang, PAGE)
        db = app_db()
        group = forum_mod.groups(db.cursor(), 1)[0]
        keep = dl.add_problem(db, dl_actor(group["id"]), group["id"], f"roads {lang}", "potholes").value
        gone = dl.add_problem(db, dl_actor(group["id"]), group["id"], f"holes {lang}").value
        at.run()
        go(at, "problems")
        at.selectbox(key="problem_choice").set_value(keep).run()
        before = fields(at)[f"problem:{keep}:detail"]["stored"]
        assert before == "potholes"
        merge = at.selectbox(key=f"merge_{keep}")
        assert merge.label == t(lang, "fac.merge_with")
        merge.set_value(gone).run()
        assert t(lang, "fac.merge_effect", gone=f"holes {lang}", kept=f"roads {lang}") in texts(at)
        at.button(key=f"do_merge_{keep}").click().run()
        assert [p["id"] for p in dl.problems(db.cursor(), group["id"]) if p["id"] in (keep, gone)] == [keep]
        merged = dl.problems(db.cursor(), group["id"])
        merged = next(p for p in merged if p["id"] == keep)["detail"]
        assert f"holes {lang}" in merged
        assert fields(at)[f"problem:{keep}:detail"]["stored"] == merged  # the open field shows the merge
        # the tablet's field still holding the pre-merge text sends it with what it started from
        late = dl.save_text(db, dl_actor(group["id"]), f"problem:{keep}:detail", "potholes, fixed", before)
        assert late.reason == "stale" and late.value == merged
        assert next(p for p in dl.problems(db.cursor(), group["id"]) if p["id"] == keep)["detail"] == merged
    en, ka = (t(x, "fac.merge_with") for x in ("en", "ka"))
    assert "disappears" in en and "გაქრება" in ka


def test_a_reload_opens_the_same_step_and_problem(demo_db):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import APP, sign_in_as

    at = open_app("en", PAGE)
    group, (roads, water, light) = vote_ready(at, ["roads", "water", "light"])
    at.button(key="count_next").click().run()
    assert dict(at.query_params)["step"] == "vote" and dict(at.query_params)["problem"] == str(water)
    # a new browser session with the same address: as a reload
    again = AppTest.from_file(APP, default_timeout=30)
    again.session_state["identity"] = sign_in_as("organizer")
    again.run()
    again.switch_page(PAGE)
    again.query_params.update({"lang": "en", "step": "vote", "problem": str(water), "group": "1"})
    again.run()
    assert not again.exception, again.exception
    assert again.segmented_control(key="fac_step").value == "vote"
    assert again.selectbox(key="count_choice").value == water
    again.button(key="count_next").click().run()
    assert again.selectbox(key="count_choice").value == light  # the address is read on opening only


def test_existing_texts_are_autosaving_fields(demo_db):
    at = open_app("ka", PAGE)
    db = app_db()
    group = forum_mod.groups(db.cursor(), 1)[0]
    item = dl.add_item(db, dl_actor(group["id"]), group["id"], "strength", "<b>ხალხი</b>").value
    at.run()
    go(at, "assessment")
    assert fields(at)[f"item:{item}"]["stored"] == "<b>ხალხი</b>"
    assert not [w for w in at.text_input if w.key == f"item_{item}"]
    assert {w.key for w in at.text_input} >= {"new_strength", "new_weakness"}  # adding stays a plain input
    texts_for_browser = fields(at)[f"item:{item}"]["texts"]
    assert texts_for_browser["offline"] == t("ka", "autosave.offline")
    type_into(at, f"item:{item}", "აქტიური ხალხი")
    assert dl.assessment(db.cursor(), group["id"])["strength"][0]["text"] == "აქტიური ხალხი"
    assert fields(at)[f"item:{item}"]["stored"] == "აქტიური ხალხი"


def test_a_message_waiting_for_the_next_run_is_shown_once():
    """A double tap's second click replays the first's outcome before the run that shows it: one
    "Added", not two (seen in Chromium on a slow machine)."""

    def script():
        import streamlit as st

        from ui import session

        if not st.session_state.get("tapped"):
            st.session_state["tapped"] = True
            session.flash("success", "Added: Roads 0 (1 problem in all)")
            session.flash("success", "Added: Roads 0 (1 problem in all)")  # the replayed outcome
            session.flash("error", "another message")
        session.show_flashes()

    app = AppTest.from_function(script).run()
    assert [m.value for m in app.success] == ["Added: Roads 0 (1 problem in all)"]
    assert [m.value for m in app.error] == ["another message"]


def test_a_click_on_the_emptied_form_just_after_adding_repeats_the_answer(demo_db, monkeypatch):
    """A double tap whose second click Streamlit sends after the first run: it comes with the new,
    empty form. Within a moment it gets the first click's answer; a deliberate click later on an
    empty form is told the title is required. (The browser test double-taps for real; how late the
    second click lands there depends on the machine, so the order is tested here.)"""
    from ui import session

    at = open_app("en", PAGE)
    group = forum_mod.groups(app_db().cursor(), 1)[0]
    go(at, "problems")
    add = lambda: next(b for b in at.button if b.label == t("en", "fac.add_problem")).click().run()  # noqa: E731
    at.text_input(key="pt_0").set_value("Roads 0")
    add()
    added = t("en", "fac.problem_added", title="Roads 0", count=1)
    assert added in texts(at)
    assert at.text_input(key="pt_1").value == ""  # the emptied form
    add()  # the second click, on the emptied form
    assert added in texts(at) and t("en", "error.required") not in texts(at)
    assert len(dl.problems(app_db().cursor(), group["id"])) == 1
    monkeypatch.setattr(session, "DOUBLE_TAP_SECONDS", 0.0)  # as if the moment had passed
    add()  # a click on the empty form, later: no longer the same tap
    assert t("en", "error.required") in texts(at) and added not in texts(at)
    assert len(dl.problems(app_db().cursor(), group["id"])) == 1


def test_the_briefing_shows_amounts_in_lari_and_none_as_a_dash(demo_db):
    """The expert's briefing: an amount with tetri as every page says it ("48 750,75 ₾", the table's
    number format rounded it to "48751 ₾"), and a program without an amount as "—" (it said "0 ₾")."""
    from forum_core.db import Actor

    at = open_app("ka", PAGE, role="expert", group_number=1)
    db = app_db()
    forum_id = forum_mod.current_forum_id(db.cursor())
    field = forum_mod.groups(db.cursor(), forum_id)[0]["field"]
    rows = [
        {"field": field, "program_code": "99 01", "name": "ტეტრიანი", "amount": "48 750,75"},
        {"field": field, "program_code": "99 02", "name": "უთანხო", "amount": None},
    ]
    assert forum_mod.save_programs(db, Actor("organizer", "t"), forum_id, rows).ok
    go(at, "briefing")
    table = next(d for d in at.dataframe if t("ka", "fac.amount") in d.value.columns).value
    amounts = dict(zip(table[t("ka", "fac.program_code")], table[t("ka", "fac.amount")]))
    assert amounts["99 01"] == "48\u00a0750,75\u00a0₾"  # spaces that never break; a Georgian decimal comma
    assert pd.isna(amounts["99 02"])  # no amount: drawn as the table's "—"
