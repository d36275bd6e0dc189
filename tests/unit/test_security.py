"""Issue 15 findings, reproduced: sign-in limits that hold (per address and in total, parallel
attempts, a timing oracle, the audit trail under a guessing attack), the organizer code of a
first start only for the laptop itself, public results without names."""

import threading

import pytest

from forum_core import access
from tests.conftest import ORGANIZER


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def scrypt_calls(monkeypatch):
    """Every scrypt check of a typed code, counted (the real function still runs)."""
    calls = []
    real = access._hash

    def counted(code, salt):
        calls.append(code)
        return real(code, salt)

    monkeypatch.setattr(access, "_hash", counted)
    return calls


# --- sign-in: per address and in total ----------------------------------------------------------


def test_rotating_addresses_does_not_buy_more_checks(db, demo_forum, scrypt_calls):
    clock = FakeClock()
    throttle = access.Throttle(clock)
    results = [
        access.sign_in(db, demo_forum, f"WR-ONGCO{n % 10}", "", f"ip:10.0.{n // 250}.{n % 250}", throttle)
        for n in range(200)
    ]  # every guess from another address, all in the same second
    checked = [r for r in results if r.status == "wrong_code"]
    refused = [r for r in results if r.status == "wait"]
    assert len(checked) == access.Throttle.BURST == len(scrypt_calls)
    assert len(refused) == 200 - access.Throttle.BURST and all(0 < r.wait_s <= 1.0 for r in refused)
    # the budget refills at RATE checks per second, whoever asks
    clock.now += 2.0
    more = [access.sign_in(db, demo_forum, "WR-ONGCODE", "", f"ip:10.9.0.{n}", throttle) for n in range(50)]
    assert sum(r.status == "wrong_code" for r in more) == 2 * access.Throttle.RATE
    # a right code gives its check back: organizers signing in do not use up the budget
    code = access.create_code(db, ORGANIZER, demo_forum, "desk").value[1]
    clock.now += 10.0
    for n in range(30):
        assert access.sign_in(db, demo_forum, code, "", f"ip:10.8.0.{n}", throttle).status == "signed_in"


def test_thirty_parallel_attempts_of_one_client_get_five_checks(db, demo_forum, scrypt_calls):
    throttle = access.Throttle(FakeClock())
    start = threading.Barrier(30)
    results = []

    def guess(n):
        start.wait()
        results.append(access.sign_in(db, demo_forum, f"WR-ONGCO{n % 10}", "phone", "ip:10.0.0.66", throttle))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 30
    assert sum(r.status == "wrong_code" for r in results) == access.Throttle.FREE_TRIES
    assert len(scrypt_calls) == access.Throttle.FREE_TRIES  # the others were never evaluated
    assert throttle.wait("ip:10.0.0.66") == 1.0


def test_the_check_costs_the_same_with_or_without_the_prefix(db, demo_forum, scrypt_calls):
    code = access.create_code(db, ORGANIZER, demo_forum, "moderator").value[1]
    scrypt_calls.clear()
    wrong_secret = code[:2] + ("22222222" if code[2:] != "222222" else "333333")[:6]
    no_prefix = (
        next(
            a + b
            for a in "23456789"
            for b in "ABCDEF"
            if a + b not in {r[0] for r in db.cursor().execute("SELECT prefix FROM access_code").fetchall()}
        )
        + "XYZ234"
    )
    throttle = access.Throttle(FakeClock())
    assert access.sign_in(db, demo_forum, wrong_secret, "", "a", throttle).status == "wrong_code"
    with_prefix = len(scrypt_calls)
    assert access.sign_in(db, demo_forum, no_prefix, "", "b", throttle).status == "wrong_code"
    without_prefix = len(scrypt_calls) - with_prefix
    assert with_prefix == without_prefix == 1
    # a code of another forum is checked the same way and never signs in here
    assert access.sign_in(db, demo_forum + 7, code, "", "c", throttle).status == "wrong_code"
    assert len(scrypt_calls) == 3
    assert access.sign_in(db, demo_forum, code, "", "d", throttle).status == "signed_in"


def test_a_guessing_attack_cannot_fill_the_audit_trail(db, demo_forum):
    clock = FakeClock()
    throttle = access.Throttle(clock)
    count = "SELECT count(*) FROM audit_log WHERE action = 'access.sign_in_failed'"
    # 1,000 wrong codes from one address over 100 minutes (the throttle lets few through; each
    # minute one entry at most, with the number of attempts it stands for)
    for _ in range(1000):
        access.sign_in(db, demo_forum, "WR-ONGCODE", "", "ip:10.0.0.9", throttle)
        clock.now += 6.0
    one = db.cursor().execute(count).fetchone()[0]
    assert one <= 100
    # 1,000 wrong codes from 1,000 addresses in ten minutes: at most AUDIT_PER_MINUTE entries a minute
    for n in range(1000):
        access.sign_in(db, demo_forum, "WR-ONGCODE", "", f"ip:10.1.{n // 200}.{n % 200}", throttle)
        clock.now += 0.6
    many = db.cursor().execute(count).fetchone()[0] - one
    assert many <= 11 * access.Throttle.AUDIT_PER_MINUTE
    rows = [
        r[0]
        for r in db.cursor()
        .execute("SELECT after FROM audit_log WHERE action = 'access.sign_in_failed' ORDER BY id")
        .fetchall()
    ]
    assert any('"attempts": ' in r and '"attempts": 1,' not in r for r in rows)  # a counter, not a row each
    assert "WRONGCODE" not in repr(rows) and "WR-ONGCODE" not in repr(rows)


def test_the_audit_entry_counts_what_it_stands_for():
    clock = FakeClock()
    throttle = access.Throttle(clock, audit_per_minute=2)
    assert throttle.audit_entry("a") == {"attempts": 1, "failures": 0}
    assert throttle.audit_entry("a") is None and throttle.audit_entry("a") is None
    assert throttle.audit_entry("b")["attempts"] == 1
    assert throttle.audit_entry("c") is None  # the cap of the minute: counted for later
    clock.now += 61.0
    assert throttle.audit_entry("a") == {"attempts": 3, "failures": 0, "unrecorded_elsewhere": 1}
    assert throttle.audit_entry("c") == {"attempts": 2, "failures": 0}


def test_the_throttle_key_of_an_address():
    assert access.client_key("192.168.1.20") == "ip:192.168.1.20"
    assert access.client_key("::ffff:192.168.1.20") == "ip:192.168.1.20"
    # one phone can take any address of its IPv6 /64: they are one client
    assert (
        access.client_key("2001:db8:1:2:aaaa::1")
        == access.client_key("2001:db8:1:2:ffff::99")
        == "ip:2001:db8:1:2::/64"
    )
    assert access.client_key("::1") == "ip:::1"
    assert access.client_key(None, "s1") == "session:s1" and access.client_key("", None) == "session:unknown"
    assert access.client_key("not an address") == "ip:not an address"


# --- the organizer code of a first start --------------------------------------------------------


def test_only_a_browser_on_the_laptop_is_local():
    for address in ("127.0.0.1", "127.0.1.1", "::1", "localhost", "LOCALHOST", "::ffff:127.0.0.1"):
        assert access.is_local_address(address), address
    for address in (
        "192.168.1.23",
        "10.0.0.1",
        "fe80::1",
        "2001:db8::1",
        "0.0.0.0",
        "",
        None,
        "127.0.0.1.evil",
        "localhost.attacker",
    ):
        assert not access.is_local_address(address), address


def test_the_first_start_code_goes_only_to_the_laptop_and_until_an_organizer_signed_in():
    from ui import session

    holder = {"new_code": "AB-CDEFGH"}
    never = lambda: False  # noqa: E731
    assert session.first_start_code_for(holder, "192.168.1.50", never) is None  # a phone on the Wi-Fi
    assert session.first_start_code_for(holder, None, never) is None  # an address not known
    assert session.first_start_code_for(holder, "127.0.0.1", never) == "AB-CDEFGH"
    assert session.first_start_code_for(holder, "::1", never) == "AB-CDEFGH"  # a reload on the laptop
    assert session.first_start_code_for(holder, "127.0.0.1", lambda: True) is None
    assert holder == {} and session.first_start_code_for(holder, "127.0.0.1", never) is None


def test_the_first_start_code_is_printed_on_the_console(capsys):
    from forum_core.i18n import t
    from ui import session

    session.announce_organizer_code("AB-CDEFGH")
    out = capsys.readouterr().out
    assert out.count("AB-CDEFGH") == 2  # Georgian, then English
    assert t("ka", "access.first_start_console", code="AB-CDEFGH") in out
    assert t("en", "access.first_start_console", code="AB-CDEFGH") in out


def test_organizer_signed_in(db):
    assert not access.organizer_signed_in(db.cursor())
    code = access.ensure_organizer_code(db)
    assert access.sign_in(db, None, code, "laptop", "c", access.Throttle()).status == "signed_in"
    assert access.organizer_signed_in(db.cursor())


# --- every reader has a limit before it allocates ------------------------------------------------

XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
SHEET = '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
HEADER_ROW = (
    '<row r="1">'
    + "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCD", ("first name", "last name", "phone", "group"))
    )
    + "</row>"
)


def zipped(parts: dict[str, str | bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx(rows: str) -> bytes:
    return zipped({**XLSX_PARTS, "xl/worksheets/sheet1.xml": SHEET + "<sheetData>" + rows + "</sheetData></worksheet>"})


def ods(body: str) -> bytes:
    content = (
        '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:'
        'xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">'
        + body
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return zipped(
        {
            "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
            "META-INF/manifest.xml": manifest,
            "content.xml": content,
        }
    )


def ods_cell(text: str, repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


class PeakMemory:
    """The process's peak resident memory during a block, above what it held before (Linux resets
    the peak through /proc/self/clear_refs): what a reader allocated, whatever allocated it."""

    def __enter__(self):
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        self.before = self._kb("VmRSS")
        return self

    def __exit__(self, *exc):
        self.mb = (self._kb("VmHWM") - self.before) / 1024

    @staticmethod
    def _kb(field: str) -> int:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def refused_quickly(read, code: str, seconds: float = 1.0, mb: float = 100.0):
    import time

    from forum_core.importer import FileProblem

    start = time.perf_counter()
    with PeakMemory() as peak, pytest.raises(FileProblem) as refused:
        read()
    assert refused.value.code == code
    assert time.perf_counter() - start < seconds
    assert peak.mb < mb, f"{peak.mb:.0f} MB"
    return refused.value


def test_a_workbook_reaching_far_is_refused_before_it_is_parsed():
    from forum_core import i18n, importer

    # one cell at A1, one at XFD20000: calamine would allocate 10 GB at once (and abort the process)
    far = xlsx(HEADER_ROW + '<row r="20000"><c r="XFD20000" t="inlineStr"><is><t>x</t></is></c></row>')
    problem = refused_quickly(lambda: importer.read_table(far, "list.xlsx"), "too_many_columns")
    assert i18n.t("ka", f"error.{problem.code}", **problem.params) != f"error.{problem.code}"
    assert "200" in i18n.t("en", f"error.{problem.code}", **problem.params)
    # within the columns, but a rectangle of more than a million cells (a stray cell far down)
    deep = xlsx(HEADER_ROW + '<row r="900000"><c r="AX900000" t="inlineStr"><is><t>x</t></is></c></row>')
    refused_quickly(lambda: importer.read_table(deep, "list.xlsx"), "too_many_cells")
    # cells without positions count one after another: a row of 100,000 empty cells
    wide = xlsx(HEADER_ROW + '<row r="2">' + "<c/>" * 100_000 + "</row>")
    refused_quickly(lambda: importer.read_table(wide, "list.xlsx"), "too_many_columns")
    # a claimed dimension alone is not a reason: the cells decide (calamine does not allocate for it)
    claimed = zipped(
        {
            **XLSX_PARTS,
            "xl/worksheets/sheet1.xml": SHEET
            + '<dimension ref="A1:XFD20000"/><sheetData>'
            + HEADER_ROW
            + "</sheetData></worksheet>",
        }
    )
    assert importer.read_table(claimed, "list.xlsx").headers[:4] == ["first name", "last name", "phone", "group"]


def test_an_ods_with_repeated_cells_is_refused_but_libreoffice_files_are_read():
    from forum_core import importer

    header = "<table:table-row>" + "".join(ods_cell(h) for h in ("first name", "last name", "phone", "group"))
    # what LibreOffice writes: empty columns and a million empty rows repeated after the data
    libreoffice = ods(
        '<table:table-column table:number-columns-repeated="1024"/>'
        + header
        + '<table:table-cell table:number-columns-repeated="1020"/></table:table-row>'
        + "<table:table-row>"
        + "".join(ods_cell(v) for v in ("ნინო", "ბერიძე", "599123456", "1"))
        + "</table:table-row>"
        + '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
    )
    table = importer.read_table(libreoffice, "list.ods")
    assert table.headers[:4] == ["first name", "last name", "phone", "group"] and len(table.rows) == 1
    # one cell with text repeated over 1,000 columns and 20,000 rows: 2.6 GB and 5 s in calamine
    repeated = ods(
        header + "</table:table-row>"
        '<table:table-row table:number-rows-repeated="20000">' + ods_cell("x", 150) + "</table:table-row>"
    )
    refused_quickly(lambda: importer.read_table(repeated, "list.ods"), "too_many_cells")
    wide = ods(header + "</table:table-row><table:table-row>" + ods_cell("x", 1000) + "</table:table-row>")
    refused_quickly(lambda: importer.read_table(wide, "list.ods"), "too_many_columns")


def xls_with_a_cell_moved_to(row: int, column: int) -> bytes:
    """The office suite's XLS fixture with one cell of its sheet moved to ``row``, ``column``
    (the cell record's position rewritten inside the OLE file's Workbook stream)."""
    import io
    import struct
    from pathlib import Path

    import olefile

    data = bytearray((Path(__file__).resolve().parents[1] / "fixtures" / "participants.xls").read_bytes())
    buffer = io.BytesIO(bytes(data))
    ole = olefile.OleFileIO(buffer, write_mode=True)
    stream = bytearray(ole.openstream("Workbook").read())
    position, sheets = 0, 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        sheets += kind == 0x0809  # BOF: the workbook's globals, then each sheet
        if kind == 0x00FD and sheets >= 2:  # a cell (LABELSST) of a sheet
            struct.pack_into("<HH", stream, position + 4, row, column)
            break
        position += 4 + length
    ole.write_stream("Workbook", bytes(stream))
    ole.close()
    return buffer.getvalue()


def test_an_xls_reaching_far_is_refused_before_it_is_parsed():
    from forum_core import i18n, importer

    # a cell at IV65536, the farthest an XLS has: 256 columns
    problem = refused_quickly(
        lambda: importer.read_table(xls_with_a_cell_moved_to(65535, 255), "list.xls"), "too_many_columns"
    )
    assert "200" in i18n.t("en", f"error.{problem.code}", **problem.params)
    # within the columns, a rectangle of 65,536 rows of 21 columns
    refused_quickly(lambda: importer.read_table(xls_with_a_cell_moved_to(65535, 20), "list.xls"), "too_many_cells")
    # the office suite's own file is read as before
    assert importer.read_table(xls_with_a_cell_moved_to(1, 0), "list.xls").headers
    assert importer.read_table(xls_with_a_cell_moved_to(0, 0), "list.xls").headers


def test_a_workbook_that_unpacks_too_large_or_lies_about_its_size_is_refused():
    import io
    import zipfile

    from forum_core import importer

    bomb = zipped({**XLSX_PARTS, "xl/worksheets/sheet1.xml": SHEET, "xl/media/zeros.bin": b"\0" * (120 * 2**20)})
    assert len(bomb) < 200_000
    refused_quickly(lambda: importer.read_table(bomb, "list.xlsx"), "file_too_large")
    # a member that declares 1 KB and unpacks to 50 MB: unpacking stops at 1 KB and fails its CRC
    honest = zipped({**XLSX_PARTS, "xl/sharedStrings.xml": b"<sst>" + b"<si><t>x</t></si>" * 3_000_000})
    with zipfile.ZipFile(io.BytesIO(honest)) as archive:
        info, directory = archive.getinfo("xl/sharedStrings.xml"), archive.start_dir
    lying = bytearray(honest)
    small = (1024).to_bytes(4, "little")
    lying[info.header_offset + 22 : info.header_offset + 26] = small  # the local header's size
    entry = lying.find(b"PK\x01\x02", directory)
    while lying[entry + 46 : entry + 46 + len(info.filename)] != info.filename.encode():
        entry = lying.find(b"PK\x01\x02", entry + 4)
    lying[entry + 24 : entry + 28] = small  # and the central directory's
    refused_quickly(lambda: importer.read_table(bytes(lying), "list.xlsx"), "not_a_table")


def test_a_huge_qr_photo_is_refused_from_its_header():
    import io
    import time

    from PIL import Image

    from forum_core import checkin
    from forum_core.vocabulary import Reason

    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # 400 million pixels in a few hundred KB
    photo = buffer.getvalue()
    start = time.perf_counter()
    with PeakMemory() as peak, pytest.raises(checkin.PhotoRefused) as refused:
        checkin.read_qr(photo)
    assert refused.value.reason == Reason.IMAGE_TOO_LARGE
    assert time.perf_counter() - start < 1.0 and peak.mb < 50
    assert checkin.read_qr(b"\x89PNG\r\n\x1a\n broken") == []  # not a picture: no code


def test_an_export_zip_bomb_is_refused_by_the_comparison():
    from forum_core import exports

    bomb = zipped({"forum.parquet": b"\0" * (80 * 2**20), "priorities.parquet": b"\0" * 1024})
    start = __import__("time").perf_counter()
    with PeakMemory() as peak, pytest.raises(exports.NotAnExport):
        exports.read_parquet_zip(bomb)
    assert __import__("time").perf_counter() - start < 1.0 and peak.mb < 50


def test_a_session_cannot_pile_up_uploads(monkeypatch):
    from ui import middleware, runtime

    runtime.note_session("piling-desk", "desk")
    held = {"piling-desk": 0}
    monkeypatch.setattr(middleware, "_held_bytes", lambda session: held[session])
    size = 8 * 2**20
    scope = {"headers": [(b"content-length", str(size).encode())]}
    assert middleware._upload_refused(scope, "/_stcore/upload_file/piling-desk/f1") == 0
    middleware._arriving("piling-desk", -size)  # stored: Streamlit holds it now
    held["piling-desk"] = (runtime.UPLOADS_HELD - 1) * size + 1  # the page has not dropped the others
    assert middleware._upload_refused(scope, "/_stcore/upload_file/piling-desk/f9") == 413
    # many at once: each counts while it is on its way, before Streamlit holds any of them
    held["piling-desk"] = 0
    answers = [middleware._upload_refused(scope, f"/_stcore/upload_file/piling-desk/g{n}") for n in range(10)]
    assert answers == [0] * runtime.UPLOADS_HELD + [413] * (10 - runtime.UPLOADS_HELD)
    middleware._arriving("piling-desk", -runtime.UPLOADS_HELD * size)


# --- people's text in Markdown elements ------------------------------------------------------------


def test_md_escapes_every_mark_and_reads_back_as_typed():
    import re

    from ui.text import md, md_join

    corpus = [
        "![x](http://attacker.invalid/x.png)",
        "[click](http://attacker.invalid/)",
        "<img src=x onerror=alert(1)> <script>alert(1)</script> &lt;b&gt;",
        "**bold** _it_ `code` ~~s~~ :red[red] :material/home: $x^2$ # head\n- item\n1. first | a |",
        "\u202eevil\u202c \u200bzero\u200dwidth",
        "O'Brien\"; DROP TABLE participant; --\\",
        "ნინო ბერიძე",
    ]
    for text in corpus:
        escaped = md(text)
        bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", escaped)  # what is left once escaped marks are out
        assert not re.search(r"[!-/:-@\[-`{-~]", bare), (text, bare)  # no mark left to start syntax
        assert re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped) == text  # read back as typed
    assert md("ნინო ბერიძე") == "ნინო ბერიძე" and md(None) == "" and md(12) == "12"
    assert md_join(["a*", "b_"]) == "a\\*, b\\_"
