import os
from pathlib import Path

import pytest

from forum_core import forum as forum_mod
from forum_core.i18n import t
from tests.conftest import ORGANIZER
from tests.pages.conftest import open_app, texts


def save_table(at, table: str, rev: int = 0, edited=None, added=(), deleted=()) -> None:
    """A person's edits in a setup table (its editor's key ``<table>_editor_<rev>``; the count grows
    at each save and each refusal), then its Save button."""
    edits = {"edited_rows": edited or {}, "added_rows": list(added), "deleted_rows": list(deleted)}
    at.session_state[f"{table}_editor_{rev}"] = edits
    at.button(key=f"save_{table}").click().run()


def by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def test_first_start_offers_demo_or_new_forum_in_georgian(db_file):
    at = open_app("ka")
    assert at.title[0].value == t("ka", "setup.welcome")
    assert any(b.label == t("ka", "setup.load_demo") for b in at.button)
    at.button(key="load_demo").click().run()
    assert not at.exception
    assert t("ka", "setup.demo_loaded") in texts(at)
    assert at.title[0].value == t("ka", "setup.title")
    assert by_label(at.text_input, t("ka", "label.title")).value.startswith("თელავის")


def test_create_a_new_forum_in_english_with_validation(db_file):
    at = open_app("en")
    by_label(at.text_input, "Forum title").set_value("")
    by_label(at.text_input, "Municipality").set_value("Rustavi municipality")
    at.button[1].click().run()  # the form's submit button
    assert "This field is required." in [e.value for e in at.error]
    assert at.title[0].value == "Population forum"  # nothing created
    by_label(at.text_input, "Forum title").set_value("Rustavi forum 2027")
    by_label(at.text_input, "Venue").set_value("City hall")
    at.button[1].click().run()
    assert not at.exception
    assert at.title[0].value == "Forum setup"
    assert "The forum is created." in texts(at)
    from ui import runtime

    database = runtime.database(os.environ["FORUM_DB"])  # the app's own connection in this process
    forum = forum_mod.get_forum(database.cursor(), forum_mod.current_forum_id(database.cursor()))
    assert forum["municipality"] == "Rustavi municipality"
    names = [g["name"] for g in forum_mod.groups(database.cursor(), forum["id"])]
    assert len(names) == 10 and names[0] == "Social care"


def test_settings_errors_show_next_to_the_field_and_save_nothing(demo_db):
    at = open_app("en")
    by_label(at.text_input, "Forum title").set_value("x" * 10)
    by_label(at.text_input, "Venue").set_value("   ")
    submit = next(b for b in at.button if b.label == "Save")
    submit.click().run()
    assert "This field is required." in [e.value for e in at.error]
    assert "Not saved: correct the marked fields." in [e.value for e in at.error]


def test_a_number_past_its_limit_is_refused_under_its_box_in_georgian(demo_db):
    """The boxes have no limits of their own: Streamlit refused 99999 minutes in the browser and the
    form saved the last number it had taken, without a word (a browser tour); the service says why."""
    at = open_app("ka")
    by_label(at.number_input, t("ka", "label.duration_min")).set_value(99_999)
    next(b for b in at.button if b.label == t("ka", "button.save")).click().run()
    errors = [e.value for e in at.error]
    assert t("ka", "error.out_of_range", min=30, max=720) in errors, errors
    assert by_label(at.number_input, t("ka", "label.duration_min")).value == 99_999  # kept, to correct
    from tests.pages.conftest import app_database

    assert forum_mod.get_forum(app_database().cursor(), 1)["duration_min"] != 99_999


def test_settings_save_in_georgian(demo_db):
    at = open_app("ka")
    by_label(at.text_input, t("ka", "label.title")).set_value("ახალი სახელი")
    by_label(at.number_input, t("ka", "label.pebbles_per_participant")).set_value(4)
    next(b for b in at.button if b.label == t("ka", "button.save")).click().run()
    assert t("ka", "setup.saved") in texts(at)
    at.run()
    assert by_label(at.text_input, t("ka", "label.title")).value == "ახალი სახელი"
    assert by_label(at.number_input, t("ka", "label.pebbles_per_participant")).value == 4


def test_language_switch_and_query_parameter(demo_db):
    at = open_app("en")
    assert at.title[0].value == "Forum setup"
    assert t("en", "nav.participants") in {e.proto.label for e in at.get("page_link")}
    switch = at.sidebar.button_group[0]
    switch.set_value("ka").run()
    assert at.title[0].value == t("ka", "setup.title")
    assert at.query_params["lang"] in ("ka", ["ka"])
    # the sidebar's pages, kept in the session between runs (navigation.py), follow the language
    assert t("ka", "nav.participants") in {e.proto.label for e in at.get("page_link")}


def test_restore_a_backup_from_the_page_asks_first(demo_db):
    from forum_core import backup
    from forum_core import participants as people
    from tests.pages.conftest import app_database

    open_app("en", "pages/setup.py")
    db = app_database()
    made = backup.backup(db, demo_db.parent / "backups" / "backup-20270528-100000-000000")
    assert people.add(
        db, ORGANIZER, 1, {"first_name": "ნინო", "last_name": "ახალი", "group": 1, "phone": "599 98 76 54"}
    ).ok  # after it
    assert people.count_active(db.cursor(), 1) == 118
    at = open_app("en", "pages/setup.py")
    at.selectbox(key="restore_choice").set_value(made).run()
    at.button(key="restore_start").click().run()
    # the backup named as the organizer knows it, and no path of the laptop's (a tour saw "/…/forum.duckdb")
    assert t("en", "backup.restore_confirm", name=made.name) in texts(at)
    assert str(db.path) not in texts(at)
    assert people.count_active(db.cursor(), 1) == 118  # nothing happens before the answer
    at.button(key="restore_no").click().run()
    assert people.count_active(db.cursor(), 1) == 118
    at.button(key="restore_start").click().run()
    at.button(key="restore_yes").click().run()
    assert not at.exception
    assert people.count_active(db.cursor(), 1) == 117  # as it was at the backup
    assert t("en", "backup.restored", name=made.name) in texts(at)
    from forum_core import audit

    (entry,) = audit.entries(db.cursor(), 1, kind="backup")  # who restored which backup
    assert entry["action"] == "backup.restore" and entry["after"]["file"] == made.name
    # an uploaded backup is named by its file's name (it was "upload", the folder it is unpacked to)
    at = open_app("en", "pages/setup.py")
    at.file_uploader(key="restore_upload").set_value(
        ("forum-28-may.zip", backup.zip_backup(made), "application/zip")
    ).run()
    at.button(key="restore_start").click().run()
    assert t("en", "backup.restore_confirm", name="forum-28-may.zip") in texts(at)
    at.button(key="restore_no").click().run()


def test_the_municipalitys_official_code_is_typed_on_the_setup_page(demo_db):
    from forum_core import publication
    from tests.pages.conftest import app_database

    at = open_app("en")
    field = by_label(at.text_input, t("en", "label.municipality_code"))
    field.set_value("GE 15; x")
    next(b for b in at.button if b.label == t("en", "setup.municipality_code_save")).click().run()
    assert t("en", "error.bad_code") in [e.value for e in at.error]
    assert publication.municipality_code(app_database().cursor(), 1) == ""  # nothing stored
    by_label(at.text_input, t("en", "label.municipality_code")).set_value("GE-TEL")
    next(b for b in at.button if b.label == t("en", "setup.municipality_code_save")).click().run()
    assert not at.exception and t("en", "setup.municipality_code_saved") in texts(at)
    assert publication.municipality_code(app_database().cursor(), 1) == "GE-TEL"
    assert by_label(at.text_input, t("en", "label.municipality_code")).value == "GE-TEL"


def test_a_closed_database_stops_its_backups_and_is_written_whole(demo_db):
    """What each page test does when it ends (tests/pages/conftest.py): the backup thread stops and
    the database is closed, its write-ahead log folded into the file."""
    from ui import session

    open_app("ka")  # the run starts the backups; the sign-in writes a log beside the file
    backups = session.auto_backup()
    assert backups is not None and backups.running
    assert Path(f"{demo_db}.wal").exists()
    session.close_database(str(demo_db))
    assert not backups.running
    assert not Path(f"{demo_db}.wal").exists()


def test_budget_programs_imported_from_a_file_on_the_page(demo_db):
    """The organizer's file of programs, through the page's uploader and button (it once stopped the
    page with a trace: a list of programs had taken the name of the module that imports them)."""
    from ui import runtime

    at = open_app("ka")
    csv = (
        "სფერო,კოდი,დასახელება,თანხა,წელი,აღწერა\n"
        "ინფრასტრუქტურა,02 01,გზების მოვლა,2500000,2027,ახალი\n"
        "ახალგაზრდობა,05 03,გრანტები,120000,2027,\n"
    ).encode()
    at.file_uploader(key="programs_file").set_value(("პროგრამები.csv", csv, "text/csv")).run()
    at.button(key="programs_import").click().run()
    assert not at.exception, at.exception
    assert t("ka", "setup.programs_imported", count=2) in [s.value for s in at.success]
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    assert {p["name"] for p in forum_mod.budget_programs(db.cursor(), forum_id)} >= {"გზების მოვლა", "გრანტები"}
    # a file without the columns: said in Georgian, the programs as they were
    before = forum_mod.budget_programs(db.cursor(), forum_id)
    at.file_uploader(key="programs_file").set_value(("x.csv", b"a,b\n1,2\n", "text/csv")).run()
    at.button(key="programs_import").click().run()
    assert not at.exception, at.exception
    assert t("ka", "setup.listed_below") in [e.value for e in at.error]
    assert forum_mod.budget_programs(db.cursor(), forum_id) == before


def test_a_programs_amount_typed_in_the_grid_is_stored_as_written(demo_db):
    """The programs' grid: its number cell read a Georgian decimal comma as nothing ("12500,50" became
    1250050, as in the mayor's answers). The cell is text, shown as every page shows amounts, and
    read by the service; what is not an amount is refused in the page's language, saving nothing."""
    from ui import runtime

    at = open_app("ka")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    first = forum_mod.budget_programs(db.cursor(), forum_id)[0]
    editor = "programs_editor_0"
    at.session_state[editor] = {"edited_rows": {0: {"amount": "ორი მილიონი"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="save_programs").click().run()
    assert any(t("ka", "error.not_an_amount") in e.value for e in at.error), [e.value for e in at.error]
    assert forum_mod.budget_programs(db.cursor(), forum_id)[0]["amount"] == first["amount"]
    # the table, drawn anew with what the save would have stored, keeps the words typed
    shown = next(e for e in at.dataframe if "program_code" in e.value.columns).value
    assert shown["amount"].iloc[0] == "ორი მილიონი"
    editor = "programs_editor_1"
    at.session_state[editor] = {"edited_rows": {0: {"amount": "12 500,50 ₾"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="save_programs").click().run()
    assert not at.error, [e.value for e in at.error]
    assert str(forum_mod.budget_programs(db.cursor(), forum_id)[0]["amount"]) == "12500.50"


@pytest.mark.parametrize("minutes", ["0", "600"])  # automatic backups off, and on
def test_back_up_now_offers_a_zip_named_by_its_time_and_is_audited(demo_db, monkeypatch, minutes):
    """Without automatic backups the download was "backup.zip", and a restore's question then named
    only that (a browser tour); and a backup holds everyone's data: it is in the audit trail."""
    import re

    from forum_core import audit
    from tests.pages.conftest import app_database

    monkeypatch.setenv("FORUM_BACKUP_MINUTES", minutes)
    at = open_app("en", "pages/setup.py")
    at.button(key="backup_now").click().run()
    assert not at.exception
    (download,) = [e for e in at.get("download_button") if e.proto.id.endswith("backup_download")] or [None]
    name = at.session_state["backup_zip"][0]
    assert re.fullmatch(r"backup-\d{8}-\d{6}-\d{6}\.zip", name), name
    assert download is not None and name in download.proto.label
    (entry,) = audit.entries(app_database().cursor(), 1, kind="backup")
    assert entry["action"] == "backup.make" and entry["after"] == {"file": name.removesuffix(".zip")}


def test_the_programs_table_holds_no_id_a_new_row_never_replaces_a_program_and_a_deleted_row_goes(demo_db):
    """A browser tour: the table's menu could show its hidden id column and an id typed over there
    made one program overwrite another; a new row with a stored program's code replaced that program;
    both said "saved". A deleted row said "saved" and the program stayed."""
    from ui import runtime

    at = open_app("en")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    stored = forum_mod.budget_programs(db.cursor(), forum_id)
    editor = next(e for e in at.dataframe if "program_code" in e.value.columns).value
    assert "id" not in editor.columns  # nothing to show and type over
    key = "programs_editor_0"
    taken = {"field": "x", "program_code": stored[0]["program_code"], "name": "new", "amount": "1 000"}
    at.session_state[key] = {"edited_rows": {}, "added_rows": [taken], "deleted_rows": []}
    at.button(key="save_programs").click().run()
    assert t("en", "setup.listed_below") in [e.value for e in at.error]
    assert any(t("en", "error.duplicate_code", other=1) in e.value for e in at.error), [e.value for e in at.error]
    assert forum_mod.budget_programs(db.cursor(), forum_id) == stored
    # the table drawn anew keeps the refused row, last; it and the second row are deleted: the second
    # row's program is gone, the others kept
    shown = next(e for e in at.dataframe if "program_code" in e.value.columns).value
    assert list(shown["name"]) == [p["name"] for p in stored] + ["new"]
    save_table(at, "programs", rev=1, deleted=[1, len(stored)])
    assert not at.error, [e.value for e in at.error]
    assert [p["id"] for p in forum_mod.budget_programs(db.cursor(), forum_id)] == [
        p["id"] for n, p in enumerate(stored) if n != 1
    ]


def test_the_groups_table_holds_no_id_and_saves_each_row_to_its_group(demo_db):
    """The groups' table had the same hidden id column as the programs' (an id typed over would move
    a row's words onto another group): each row is its group by its place in the table."""
    from ui import runtime

    at = open_app("en")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    before = forum_mod.groups(db.cursor(), forum_id)
    editor = next(e for e in at.dataframe if "facilitator" in e.value.columns).value
    assert "id" not in editor.columns
    save_table(at, "groups", edited={2: {"room": "999"}})
    assert not at.error, [e.value for e in at.error]
    after = forum_mod.groups(db.cursor(), forum_id)
    assert [g["id"] for g in after] == [g["id"] for g in before]
    assert [g["room"] for g in after] == [("999" if n == 2 else g["room"]) for n, g in enumerate(before)]
    from forum_core import audit

    said = audit.sentence("en", audit.entries(db.cursor(), forum_id, kind="groups")[0])
    assert said.startswith(f"Working groups saved. group: {before[2]['number']}. {before[2]['name']}; room: "), said


def test_a_row_added_and_left_empty_is_left_out(demo_db):
    """Enter in the last row adds one: each empty row was refused with "required" three times."""
    from ui import runtime

    at = open_app("en")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    count = len(forum_mod.budget_programs(db.cursor(), forum_id))
    save_table(at, "programs", edited={0: {"year": 2029}}, added=[{}, {"name": "  "}])
    assert not at.error, [e.value for e in at.error]
    programs = forum_mod.budget_programs(db.cursor(), forum_id)
    assert len(programs) == count and programs[0]["year"] == 2029


def test_two_organizers_saving_the_same_tables_lose_nothing_and_edit_the_rows_they_saw(demo_db):
    """Two organizers' laptops (a browser tour): the second one's edits were dropped as "nothing
    changed" after the first one saved, because the table under them had changed. Each person's
    edits now go to the rows they saw, put on what the other saved."""
    from ui import runtime

    first, second = open_app("en"), open_app("en")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    seen = forum_mod.budget_programs(db.cursor(), forum_id)
    # the second organizer adds a program listed first: every row below moves down by one
    ahead = {"field": seen[0]["field"], "program_code": "00 00", "name": "ahead", "amount": "5"}
    save_table(second, "programs", added=[ahead])
    assert not second.error, [e.value for e in second.error]
    # the first, on the table as it was shown to them, changes the year in its third row
    save_table(first, "programs", edited={2: {"year": 2031}})
    assert not first.error, [e.value for e in first.error]
    now = {p["id"]: p for p in forum_mod.budget_programs(db.cursor(), forum_id)}
    assert now[seen[2]["id"]]["year"] == 2031  # the row they saw, not the one now third
    assert [p["id"] for p in now.values() if p["year"] == 2031] == [seen[2]["id"]]
    assert any(p["program_code"] == "00 00" for p in now.values())  # the other's program kept
    # the groups: each changes another cell of the same group; both changes are kept
    groups = forum_mod.groups(db.cursor(), forum_id)
    save_table(second, "groups", edited={2: {"room": "R-2"}})
    save_table(first, "groups", edited={2: {"facilitator": "F-1"}})
    assert not first.error and not second.error
    group = next(g for g in forum_mod.groups(db.cursor(), forum_id) if g["id"] == groups[2]["id"])
    assert (group["room"], group["facilitator"]) == ("R-2", "F-1")
    # different cells: nobody's words were replaced, and nobody is told so
    replaced = t("en", "setup.replaced_theirs").split("{")[0]  # "Row "
    assert not [w.value for w in first.warning if w.value.startswith(replaced)]


def test_a_cell_both_organizers_changed_keeps_the_later_words_and_names_the_earlier(demo_db):
    """Both organizers changed the same group's room: the later save said only "Groups saved." and
    the earlier words were gone without a word. The later words are kept (just typed, and a refused
    table cannot keep them pending), and the later organizer is told whose words they replaced; a
    program the other organizer deleted while this one changed it comes back, and they are told."""
    from ui import runtime

    first, second = open_app("en"), open_app("en")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    group = forum_mod.groups(db.cursor(), forum_id)[2]
    save_table(second, "groups", edited={2: {"room": "R-2"}})
    save_table(first, "groups", edited={2: {"room": "[R-1]"}})
    assert not first.error, [e.value for e in first.error]
    stored = next(g for g in forum_mod.groups(db.cursor(), forum_id) if g["id"] == group["id"])
    assert stored["room"] == "[R-1]"
    said = t("en", "setup.replaced_theirs", row=3, column=t("en", "label.room"), theirs="R\\-2", mine="\\[R\\-1\\]")
    assert said in [w.value for w in first.warning], [w.value for w in first.warning]
    # a program deleted on the second laptop while the first changes its year: kept, as a new row
    programs_before = forum_mod.budget_programs(db.cursor(), forum_id)
    save_table(second, "programs", deleted=[1])
    assert len(forum_mod.budget_programs(db.cursor(), forum_id)) == len(programs_before) - 1
    save_table(first, "programs", edited={1: {"year": 2033}})
    assert not first.error, [e.value for e in first.error]
    after = forum_mod.budget_programs(db.cursor(), forum_id)
    assert len(after) == len(programs_before)
    assert [(p["name"], p["year"]) for p in after if p["program_code"] == programs_before[1]["program_code"]] == [
        (programs_before[1]["name"], 2033)
    ]
    assert t("en", "setup.restored_row", row=2) in [w.value for w in first.warning]


def test_saving_one_table_keeps_the_unsaved_typing_in_the_other(demo_db):
    """A browser tour: typing left unsaved in the groups' table was gone after the programs were
    saved (one count renewed every table), and "Save groups" then said "saved", storing nothing."""
    from ui import runtime

    at = open_app("en")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    group = forum_mod.groups(db.cursor(), forum_id)[1]
    at.session_state["groups_editor_0"] = {"edited_rows": {1: {"room": "R-9"}}, "added_rows": [], "deleted_rows": []}
    save_table(at, "programs", edited={0: {"year": 2032}})
    assert forum_mod.budget_programs(db.cursor(), forum_id)[0]["year"] == 2032
    at.button(key="save_groups").click().run()  # the groups' typing is still in its table
    assert not at.error, [e.value for e in at.error]
    stored = next(g for g in forum_mod.groups(db.cursor(), forum_id) if g["id"] == group["id"])
    assert stored["room"] == "R-9"


def test_a_refused_groups_save_says_its_reason_once_under_the_table(demo_db):
    """A browser tour: a group with members deleted from the table was refused with its reason both
    at the page's top and under the table; the top now says the reasons are listed below."""
    at = open_app("en")
    save_table(at, "groups", deleted=[0])
    said = [e.value for e in at.error]
    assert t("en", "setup.listed_below") in said, said
    words = t("en", "error.group_not_empty").split("”")[1].split("(")[0].strip()  # "still has members"
    assert words and sum(words in x for x in said) == 1, said


def test_a_row_whose_deletion_is_refused_is_back_in_the_table_and_the_other_edits_kept(demo_db):
    """A browser tour: the group whose deletion was refused (it has members) stayed out of the table
    until a reload, which lost the other edits. It is back at once; the other edits stay, unsaved,
    and the next save stores them."""
    from ui import runtime

    at = open_app("en")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    before = forum_mod.groups(db.cursor(), forum_id)
    save_table(at, "groups", edited={1: {"room": "R-5"}}, deleted=[0])
    assert t("en", "setup.listed_below") in [e.value for e in at.error]
    shown = next(e for e in at.dataframe if "facilitator" in e.value.columns).value
    assert list(shown["name"]) == [g["name"] for g in before]  # the refused row back, in its place
    assert list(shown["room"])[:2] == [before[0]["room"], "R-5"]  # the other edit still made
    assert forum_mod.groups(db.cursor(), forum_id)[1]["room"] == before[1]["room"]  # and unsaved
    at.button(key="save_groups").click().run()
    assert t("en", "setup.groups_saved") in [s.value for s in at.success], [e.value for e in at.error]
    assert [g["room"] for g in forum_mod.groups(db.cursor(), forum_id)][:2] == [before[0]["room"], "R-5"]


def test_unsaved_table_edits_survive_a_language_switch(demo_db):
    """A browser tour: typing left unsaved in the groups' table was gone after the sidebar's language
    switch (the columns' titles change, and Streamlit takes the table for a new one). The edits are
    made on the rows the table shows, unsaved until "Save groups", which then stores them all."""
    from ui import runtime

    at = open_app("ka")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    before = forum_mod.groups(db.cursor(), forum_id)
    at.session_state["groups_editor_0"] = {
        "edited_rows": {1: {"room": "R-9"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button_group(key="lang_choice").set_value("en").run()
    assert forum_mod.groups(db.cursor(), forum_id)[1]["room"] == before[1]["room"]  # still unsaved
    at.button(key="save_groups").click().run()
    assert not at.error, [e.value for e in at.error]
    assert t("en", "setup.groups_saved") in [s.value for s in at.success]
    assert [g["room"] for g in forum_mod.groups(db.cursor(), forum_id)] == [
        "R-9" if n == 1 else g["room"] for n, g in enumerate(before)
    ]


def test_a_refusal_names_the_row_the_table_shows_though_another_organizer_added_it(demo_db):
    """A tour: both organizers added group 11; the later save was refused naming "row 12" of a table
    that showed eleven (the other's group was not in it). The refused table now shows the rows the
    save would have stored, the other's group among them, so row 12 is there; the edits stay. And the
    row named is this person's own new group, after the other's (a tour: it named the other's, already
    saved, and a person following it would renumber the other organizer's group)."""
    from ui import runtime

    first, second = open_app("en"), open_app("en")
    db = runtime.database(os.environ["FORUM_DB"])
    forum_id = forum_mod.current_forum_id(db.cursor())
    count = len(forum_mod.groups(db.cursor(), forum_id))
    added = {"number": count + 1, "field": "ახალი", "target_min": 8, "target_max": 12}
    save_table(second, "groups", added=[added | {"name": "Theirs"}])
    assert t("en", "setup.groups_saved") in [s.value for s in second.success]
    save_table(first, "groups", added=[added | {"name": "Mine"}])
    said = [e.value for e in first.error]
    assert t("en", "setup.listed_below") in said, said
    named = [s for s in said if s.startswith(t("en", "label.group_row", row=count + 2, field=t("en", "label.number")))]
    assert named, said  # the other's group, after this person's
    shown = next(e for e in first.dataframe if "facilitator" in e.value.columns).value
    assert list(shown["name"])[count:] == ["Theirs", "Mine"]  # row count + 2, this person's, is in the table
    assert list(shown.index)[-1] == count + 2  # and so numbered, if its numbers are shown
    # the person renumbers their own group (row count + 1) and saves: both groups are stored
    save_table(first, "groups", rev=1, edited={count + 1: {"number": count + 2}})
    assert t("en", "setup.groups_saved") in [s.value for s in first.success], [e.value for e in first.error]
    stored = {g["name"]: g["number"] for g in forum_mod.groups(db.cursor(), forum_id)}
    assert (stored["Mine"], stored["Theirs"]) == (count + 2, count + 1)
