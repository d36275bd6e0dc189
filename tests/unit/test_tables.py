"""forum_core.tables: a table edited on a page, put on the rows stored now."""

from forum_core import tables

SHOWN = [
    {"id": 1, "code": "A", "room": "101"},
    {"id": 2, "code": "B", "room": "102"},
    {"id": 3, "code": "C", "room": "103"},
]


def test_with_nothing_saved_meanwhile_the_table_is_saved_as_typed():
    typed = [SHOWN[0] | {"room": "201"}, SHOWN[2], {"id": None, "code": "D", "room": None}]
    assert tables.merge(SHOWN, SHOWN, typed).rows == [
        {"id": 1, "code": "A", "room": "201"},
        {"id": 3, "code": "C", "room": "103"},  # row 2 deleted in the table
        {"id": None, "code": "D", "room": None},
    ]


def test_another_organizers_save_meanwhile_is_kept_and_only_my_changed_cells_are_put_on_it():
    stored = [
        {"id": 1, "code": "A2", "room": "101"},  # another organizer changed the code
        {"id": 3, "code": "C", "room": "303"},
        {"id": 4, "code": "E", "room": "104"},  # added there; row 2 removed there
    ]
    typed = [SHOWN[0] | {"room": "201"}, SHOWN[1], SHOWN[2] | {"code": "C9"}]
    merged = tables.merge(SHOWN, stored, typed)
    assert merged.rows == [
        {"id": 1, "code": "A2", "room": "201"},  # both changes
        {"id": 3, "code": "C9", "room": "303"},
        {"id": 4, "code": "E", "room": "104"},  # kept, after the table's rows
    ]
    assert merged.replaced == [] and merged.restored == []  # no cell changed by both


def test_a_cell_both_organizers_changed_is_saved_as_i_typed_and_names_theirs():
    stored = [SHOWN[0] | {"room": "555"}, SHOWN[1] | {"code": "B"}, SHOWN[2] | {"room": "777", "code": "Z"}]
    typed = [SHOWN[0] | {"room": "201"}, SHOWN[1], SHOWN[2] | {"room": "777", "code": "C9"}]
    merged = tables.merge(SHOWN, stored, typed)
    assert merged.rows == [
        {"id": 1, "code": "A", "room": "201"},
        {"id": 2, "code": "B", "room": "102"},
        {"id": 3, "code": "C9", "room": "777"},  # the same words typed by both: nothing replaced
    ]
    assert merged.replaced == [
        tables.Replaced(row=1, column="room", theirs="555", mine="201"),
        tables.Replaced(row=3, column="code", theirs="Z", mine="C9"),
    ]


def test_a_row_removed_meanwhile_that_i_changed_is_kept_as_a_new_row():
    stored = [SHOWN[0], SHOWN[2]]
    typed = [SHOWN[0], SHOWN[1] | {"room": "999"}, SHOWN[2]]
    merged = tables.merge(SHOWN, stored, typed)
    assert merged.rows[1] == {"id": None, "code": "B", "room": "999"}
    assert merged.restored == [2]  # said to the person: their row 2 comes back as a new row


def test_a_cleared_cell_is_the_same_as_an_empty_one():
    shown = [{"id": 1, "code": "A", "room": None}]
    assert tables.changed_cells(shown[0], {"id": 1, "code": "A", "room": ""}) == {}
    assert tables.changed_cells(shown[0], {"id": 1, "code": "A", "room": "1"}) == {"room": "1"}
    # a whole number the table gives back as a float is the same number
    assert tables.changed_cells({"year": 2027}, {"year": 2027.0}) == {}


def test_a_tables_pending_edits_made_on_its_rows():
    edits = {
        "edited_rows": {"0": {"room": "201"}, 2: {"code": "C9"}},
        "deleted_rows": [1],
        "added_rows": [{"code": "D"}],
    }
    assert tables.with_edits(SHOWN, edits) == [
        {"id": 1, "code": "A", "room": "201"},
        {"id": 3, "code": "C9", "room": "103"},
        {"id": None, "code": "D"},
    ]
    assert tables.with_edits(SHOWN, {}) == SHOWN


def test_rows_whose_deletion_was_refused_are_put_back_at_their_places():
    rows = [SHOWN[0], {"id": None, "code": "D"}]  # row 2 and row 3 deleted, a row added
    assert tables.put_back(rows, SHOWN, {2}) == [SHOWN[0], SHOWN[1], {"id": None, "code": "D"}]
    assert tables.put_back(rows, SHOWN, {3}) == [SHOWN[0], {"id": None, "code": "D"}, SHOWN[2]]
    assert tables.put_back(rows, SHOWN, set()) == rows


def test_rows_another_organizer_added_come_before_the_rows_i_added():
    stored = SHOWN + [{"id": 4, "code": "E", "room": "104"}]
    typed = [*SHOWN, {"id": None, "code": "F", "room": None}]
    assert [r["code"] for r in tables.merge(SHOWN, stored, typed).rows] == ["A", "B", "C", "E", "F"]
