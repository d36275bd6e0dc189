"""Random bytes and random table-like files never break the importer, and a refused import writes nothing."""

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum_core import importer
from forum_core.i18n import t
from tests.conftest import ORGANIZER

HEADERS = importer.TEMPLATE_HEADERS + ["სახელი", "გვარი", "ტელეფონი", "ჯგუფი", "full_name", "", "???"]
CELLS = st.one_of(
    st.text(max_size=30),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["599 12 34 56", "+995599123456", "1", "10", "99", "1990", "ქ", "მ", "", " "]),
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def participants_now(db, forum_id):
    return (
        db.cursor()
        .execute("SELECT count(*), max(updated_at) FROM participant WHERE forum_id = ?", [forum_id])
        .fetchone()
    )


def check(db, forum_id, data: bytes, filename: str) -> None:
    before = participants_now(db, forum_id)
    plan = importer.preview(db.cursor(), forum_id, data, filename)  # a report, never an exception
    lines = importer.report_lines(plan, "ka")
    assert lines and all(isinstance(line, str) for line in lines)
    if plan.problem is not None:
        assert t("en", f"error.{plan.problem.code}") != f"error.{plan.problem.code}"  # a message exists
    outcome = importer.apply(db, ORGANIZER, forum_id, data, filename)
    if not outcome.ok:
        assert participants_now(db, forum_id) == before  # refused: nothing written
    else:
        assert not plan.invalid and plan.problem is None


@FUZZ
@given(
    data=st.binary(max_size=2000),
    name=st.sampled_from(["list.csv", "list.xlsx", "list.xls", "list.ods", "list.txt", "", "x"]),
)
def test_random_bytes(db, forum_id, data, name):
    check(db, forum_id, data, name)


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
    rows=st.lists(st.lists(CELLS, max_size=9), max_size=12),
    sep=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    quote=st.booleans(),
)
def test_random_csv_like_files(db, forum_id, header, rows, sep, encoding, quote):
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quote else value

    text = "\n".join(sep.join(cell(v) for v in line) for line in [header] + rows)
    check(db, forum_id, text.encode(encoding, errors="replace"), "list.csv")


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
    rows=st.lists(
        st.lists(st.one_of(CELLS, st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.none()), max_size=9),
        max_size=8,
    ),
    damage=st.integers(0, 3),
)
def test_random_xlsx_like_files(db, forum_id, header, rows, damage):
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook()
    sheet = book.active
    buffer = io.BytesIO()
    try:
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(buffer)
    except IllegalCharacterError:  # openpyxl itself refuses control characters: no such file can exist
        return
    data = buffer.getvalue()
    if damage == 1:
        data = data[: len(data) // 2]  # a truncated download
    elif damage == 2:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                if "sheet1" not in item.filename:
                    dst.writestr(item, src.read(item))  # a workbook without its sheet
        data = out.getvalue()
    elif damage == 3:
        data = b"PK\x03\x04" + data[4:][::-1]
    check(db, forum_id, data, "list.xlsx")


@FUZZ
@given(
    data=st.binary(max_size=600).map(lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b),
    name=st.sampled_from(["list.xls", "list.csv"]),
)
def test_random_old_excel_like_files(db, forum_id, data, name):
    check(db, forum_id, data, name)


# Letters of the scripts people's names are written in: never taken for encoding damage.
LETTERS = {
    "georgian": "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    "mtavruli": "ᲐᲑᲒᲓᲔᲕᲖᲗᲘᲙᲚᲛᲜᲝᲞᲟᲠᲡᲢᲣᲤᲥᲦᲧᲨᲩᲪᲫᲬᲭᲮᲯᲰ",
    "latin": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "azerbaijani": "abcçdeəfgğhxıijkqlmnoöprsştuüvyzƏÇĞIİÖŞÜ",
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ",
    "armenian": "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆԱԲԳԴԵԶԷԸԹԺԻԼԽԾԿՀՁՂՃՄՅՆՇՈՉՊՋՌՍՎՏՐՑՒՓՔՕՖ",
}


@settings(max_examples=200, deadline=None)
@given(script=st.sampled_from(sorted(LETTERS)), data=st.data())
def test_real_names_are_never_taken_for_encoding_damage(script, data):
    word = st.text(alphabet=LETTERS[script], min_size=1, max_size=14)
    name = data.draw(
        st.lists(word, min_size=1, max_size=3).map(lambda w: data.draw(st.sampled_from([" ", "-"])).join(w))
    )
    assert not importer.damaged(name)


@settings(max_examples=100, deadline=None)
@given(script=st.sampled_from(["georgian", "mtavruli", "cyrillic", "armenian"]), data=st.data())
def test_names_saved_in_a_western_code_page_are_taken_for_damage(script, data):
    name = data.draw(st.text(alphabet=LETTERS[script], min_size=3, max_size=14))
    assert importer.damaged(name.encode("cp1252", errors="replace").decode("cp1252"))  # Excel: "?"
    assert importer.damaged(name.encode("utf-8").decode("cp1252", errors="replace"))  # mojibake
