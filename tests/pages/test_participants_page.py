import os

from forum_core import participants as people
from forum_core.i18n import t
from tests.pages.conftest import open_app, read, texts
from tests.unit.test_importer import csv_bytes

PAGE = "pages/participants.py"


def app_db():
    from ui import runtime

    return runtime.database(os.environ["FORUM_DB"])


def group_id(number):
    from forum_core import forum as forum_mod

    return next(g["id"] for g in forum_mod.groups(app_db().cursor(), 1) if g["number"] == number)


def by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def found_table(at):
    return next(df.value for df in at.dataframe if "Phone" in df.value.columns or "ტელეფონი" in df.value.columns)


def table_text(at) -> str:
    return "\n".join(df.value.to_csv() for df in at.dataframe)


def test_search_by_transliterated_name_and_phone(demo_db):
    at = open_app("en", PAGE)
    assert "Showing 117 of 117" in texts(at)
    by_label(at.text_input, t("en", "participants.search")).set_value("chikovani").run()
    shown = table_text(at)
    assert "ჩიქოვანი" in shown and "ბერიძე" not in shown
    first = found_table(at)
    phone_digits = first["Phone"].iloc[0].replace(" ", "")[-6:]
    by_label(at.text_input, t("en", "participants.search")).set_value(phone_digits).run()
    assert found_table(at)["Phone"].iloc[0] == first["Phone"].iloc[0]


def test_a_pasted_name_longer_than_allowed_is_kept_and_explained(demo_db):
    """The fields set no Streamlit limit (Streamlit drops a paste longer than its limit without a
    word, in the browser); the service says how long a name may be and nothing is added."""
    at = open_app("en", PAGE)
    prefix = "add0_"
    for name in ("first_name", "last_name", "phone", "community", "email"):
        assert at.text_input(key=prefix + name).proto.max_chars == 0, name
    assert at.text_area(key=prefix + "needs").proto.max_chars == 0
    pasted = "Nino-Mariam-Elene " * 4  # 72 characters, 60 allowed
    at.text_input(key=prefix + "first_name").set_value(pasted)
    at.text_input(key=prefix + "last_name").set_value("Beridze")
    next(b for b in at.button if b.label == t("en", "participants.add")).click().run()
    assert t("en", "error.too_long", max=60, length=len(pasted.strip())) in [e.value for e in at.error]
    assert at.text_input(key=prefix + "first_name").value == pasted
    assert people.count_active(app_db().cursor(), 1) == 117


def test_add_person_refuses_bad_input_in_georgian_then_adds(demo_db):
    at = open_app("ka", PAGE)
    prefix = "add0_"
    at.text_input(key=prefix + "first_name").set_value("ლია")
    at.text_input(key=prefix + "last_name").set_value("<b>ხარაიშვილი</b>")
    at.text_input(key=prefix + "phone").set_value("12345")
    next(b for b in at.button if b.label == t("ka", "participants.add")).click().run()
    errors = [e.value for e in at.error]
    assert t("ka", "error.bad_phone", value="12345") in errors
    assert t("ka", "error.required") in errors  # no group chosen
    assert people.count_active(app_db().cursor(), 1) == 117
    at.text_input(key=prefix + "phone").set_value("598 11 22 33")
    at.selectbox(key=prefix + "group").set_value(group_id(3))
    next(b for b in at.button if b.label == t("ka", "participants.add")).click().run()
    assert t("ka", "participants.added") in texts(at)
    found = people.search(app_db().cursor(), 1, "lia kharaishvili", role="organizer")
    assert [(p["last_name"], p["group_number"], p["phone"]) for p in found] == [
        ("<b>ხარაიშვილი</b>", 3, "+995598112233")
    ]
    # the form is empty again for the next person
    assert at.text_input(key="add1_first_name").value == ""
    # typed markup is shown as text in the table, never rendered
    by_label(at.text_input, t("ka", "participants.search")).set_value("kharaishvili").run()
    assert "<b>ხარაიშვილი</b>" in table_text(at)


def test_edit_move_and_remove_with_confirmation(demo_db):
    at = open_app("en", PAGE)
    by_label(at.text_input, t("en", "participants.search")).set_value("chikovani").run()
    person = people.search(app_db().cursor(), 1, "chikovani", role="organizer")[0]
    at.selectbox(key="edit_choice").set_value(person["id"]).run()
    prefix = f"edit_{person['id']}_{person['version']}_"
    at.text_input(key=prefix + "community").set_value("კონდოლი")
    at.selectbox(key=prefix + "group").set_value(group_id(10))
    next(b for b in at.button if b.label == "Save").click().run()
    assert t("en", "reason.saved") in texts(at)
    after = people.get(app_db().cursor(), person["id"])
    assert (after["community"], after["group_number"], after["version"]) == ("კონდოლი", 10, person["version"] + 1)
    at.button(key="remove_person").click().run()
    assert any("Remove" in m.value and "ჩიქოვანი" in m.value for m in at.markdown)
    from tests.pages.traversal import shown

    assert t("en", "participants.remove_title") in shown(at).markdown  # the dialog is named (it had " ")
    at.button(key="remove_yes").click().run()
    assert t("en", "reason.removed") in texts(at)
    assert people.search(app_db().cursor(), 1, "chikovani", role="organizer") == []
    assert people.get(app_db().cursor(), person["id"])["removed_at"] is not None


def test_import_preview_then_only_valid_rows(demo_db):
    at = open_app("en", PAGE)
    rows = [
        ["ლევან", "ახალაძე", "595 10 20 30", "1", "", "", "", "", ""],
        ["ანა", "ახალაძე", "595 10 20 31", "2", "", "1990", "", "", ""],
        ["ნინო", "", "595 10 20 32", "2", "", "", "", "", ""],
        ["ია", "ახალაძე", "abc-phone", "4", "", "", "", "", ""],
    ]
    at.file_uploader(key="import_file").set_value(("list.csv", csv_bytes(rows), "text/csv")).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"New": "2", "Updated": "0", "Unchanged": "0", "Invalid": "2"}
    problems = at.dataframe[-1].value
    assert list(problems["Line"]) == [4, 5] and list(problems["Column"]) == ["Last name", "Phone"]
    # a table's cell shows text as it is: the typed value quoted as typed, not escaped for Markdown
    assert "abc-phone" in problems["Reason"].iloc[1] and "\\" not in problems["Reason"].iloc[1]
    assert people.count_active(app_db().cursor(), 1) == 117  # nothing written by the preview
    at.button(key="import_confirm").click().run()
    assert "Import done. new: 2, updated: 0, unchanged: 0, skipped: 2" in texts(at)
    assert people.count_active(app_db().cursor(), 1) == 119
    # the same file again: its good rows are on the list, its two bad ones are not (it said "everybody")
    at.file_uploader(key="import_file").set_value(("list-again.csv", csv_bytes(rows), "text/csv")).run()
    shown = [i.value for i in at.info]
    assert t("en", "import.nothing_but_invalid", count=2) in shown and t("en", "import.nothing") not in shown


def test_import_of_an_unreadable_file_says_why_in_georgian(demo_db):
    at = open_app("ka", PAGE)
    at.file_uploader(key="import_file").set_value(
        ("list.csv", "a,b\n1,2".encode("utf-16-be")[2:] + b"\xff\xfe\x00", "text/csv")
    ).run()
    shown = [e.value for e in at.error]
    assert shown and shown[0] in (
        t("ka", "error.bad_encoding"),
        t("ka", "error.missing_columns", columns="first_name, last_name, phone, group"),
    )
    assert not any(b.key == "import_confirm" for b in at.button)


def test_print_all_invitations_with_progress_and_reissue_a_code(demo_db):
    from forum_core import checkin

    at = open_app("en", "pages/participants.py")
    at.button(key="make_invitations").click().run()
    assert not at.exception
    assert any(b.key == "dl_invitations" for b in at.get("download_button"))
    person = people.search(app_db().cursor(), 1, "chikovani", role="organizer")[0]
    old = checkin.token_of(app_db().cursor(), person["id"])
    by_label(at.text_input, t("en", "participants.search")).set_value("chikovani").run()
    at.selectbox(key="edit_choice").set_value(person["id"]).run()
    at.button(key="reissue_code").click().run()
    new = checkin.token_of(app_db().cursor(), person["id"])
    assert new != old and f"New code: {new[:3]}-{new[3:6]}-{new[6:]}" in texts(at)


def test_import_preview_lists_changes_and_possible_duplicates_and_the_organizer_decides(demo_db):
    person = people.search(app_db().cursor(), 1, "chikovani", role="organizer")[0]
    other_group = 2 if person["group_number"] != 2 else 3
    rows = [
        [person["first_name"], person["last_name"], person["phone"], str(other_group), "", "", "", "", ""],
        [person["first_name"], person["last_name"], "595 10 20 99", "1", "", "", "", "", ""],
    ]
    at = open_app("en", PAGE)
    at.file_uploader(key="import_file").set_value(("list.csv", csv_bytes(rows), "text/csv")).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {"New": "1", "Updated": "1", "Unchanged": "0", "Invalid": "0"}
    shown = table_text(at)
    assert f"{person['group_number']}. {person['group_name']}" in shown and "Group" in shown  # before -> after
    assert "What changes for people already on the list" in texts(at)
    assert "+995 595 10 20 99" in shown and "already on the list" in shown  # the possible duplicate
    assert people.get(app_db().cursor(), person["id"])["group_number"] == person["group_number"]  # nothing written
    at.radio(key="import_duplicates_choice").set_value("skip").run()
    at.button(key="import_confirm").click().run()
    assert "Import done. new: 0, updated: 1, unchanged: 0, skipped: 1" in texts(at)
    assert people.count_active(app_db().cursor(), 1) == 117
    assert people.get(app_db().cursor(), person["id"])["group_number"] == other_group


def test_import_of_an_ods_file_made_by_an_office_suite(demo_db):
    from pathlib import Path

    data = (Path(__file__).parent.parent / "fixtures" / "participants.ods").read_bytes()
    at = open_app("ka", PAGE)
    at.file_uploader(key="import_file").set_value(("სია.ods", data, "application/vnd.oasis.opendocument.spreadsheet"))
    at.run()
    assert not at.exception and not at.error
    assert {m.value for m in at.metric} >= {"5"}
    assert t("ka", "import.sheet_used", sheet="სია", line=3) in texts(at)


def test_print_tab_names_people_whose_names_cannot_be_printed(demo_db):
    from tests.conftest import ORGANIZER

    assert people.add(
        app_db(), ORGANIZER, 1, {"first_name": "明", "last_name": "王", "phone": "595 10 20 77", "group": group_id(1)}
    ).ok
    at = open_app("en", PAGE)
    warnings = [read(w.value) for w in at.warning]
    assert any("明 王 (1) — 明王" in w for w in warnings), warnings
