"""One abusive phone against the laptop's memory: uploads (issue 15, part 3).

Run: python bench/upload_attack.py [--uploads 60] [--size-mb 7.9]

Starts the real server (``streamlit run app.py``) on the demo forum and, from one address
(127.0.0.70, a phone on the Wi-Fi), sends many large uploads to Streamlit's upload endpoint
(``/_stcore/upload_file/<session>/<file>``, as a browser's uploader does, XSRF token included):

1. from an anonymous session (no code: the public's sign-in page), ``--uploads`` uploads of
   ``--size-mb`` MB under new file ids, 4 at a time;
2. from a signed-in desk session (a stolen desk code: the desk's page has a QR-photo uploader,
   8 MiB at most), the same, then 8 desk sessions (the most one address may hold) doing the same;
3. then each crafted file, read by the reader the app would use, each in a fresh process:
   a 20000x20000 PNG as a QR photo, a 48-megapixel JPEG, an XLSX with one cell at XFD20000,
   an ODS repeating a cell over 20,000 rows, an XLSX and an export ZIP that unpack to 120 and
   80 MB: the time to the answer and the process's peak memory.

Prints the server's memory (RSS) before, at its peak and after, with the bound it must stay
under: what the server held before, plus what the sessions one address may hold are allowed
to keep, stored or on their way (8 sessions x 3 uploads x 8 MiB for a desk, nothing for the
public), plus 64 MB for the server's own growth under load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import streamlit_client as sc  # noqa: E402
from attack import Tab  # noqa: E402
from forum_day import build  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from ui import runtime  # noqa: E402

PHONE = "127.0.0.70"


class UploadingTab(Tab):
    """A tab that knows its session id (the upload URL names it)."""

    async def connect(self) -> None:
        await super().connect()
        self.session_id = ""

    async def _read_with_form(self) -> None:  # the session id comes in the first message
        import websockets

        try:
            async for raw in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "new_session" and msg.new_session.initialize.session_id:
                    self.session_id = msg.new_session.initialize.session_id
                elif kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self._finished.set()
        except websockets.ConnectionClosed:
            self._finished.set()


async def xsrf_cookie(port: int) -> str:
    """The XSRF cookie a page load gives (its value also goes in the X-Xsrftoken header)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(PHONE, 0))
    writer.write(f"GET /_stcore/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    head = (await reader.read()).split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    writer.close()
    for line in head.split("\r\n"):
        if line.lower().startswith("set-cookie:") and "_streamlit_xsrf=" in line:
            return line.split("_streamlit_xsrf=", 1)[1].split(";", 1)[0]
    return ""


async def upload(port: int, session_id: str, file_id: str, body: bytes, xsrf: str) -> int:
    """PUT one file as the browser's uploader does (multipart/form-data); the HTTP status."""
    boundary = "----forumbench"
    payload = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(PHONE, 0))
    writer.write(
        (
            f"PUT /_stcore/upload_file/{session_id}/{file_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(payload)}\r\n"
            f"X-Xsrftoken: {xsrf}\r\nCookie: _streamlit_xsrf={xsrf}\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    try:  # a refusal comes before the body is read (the middleware answers on the headers)
        answer = await asyncio.wait_for(reader.read(64), 0.2)
    except TimeoutError:
        answer = b""
    try:
        if not answer:
            writer.write(payload)
            await writer.drain()
            answer = await reader.read(64)
    except (ConnectionError, OSError):
        answer = b"HTTP/1.1 000 reset"
    writer.close()
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


async def flood(port: int, tabs: list, uploads: int, size: int, xsrf: str, pid: int) -> tuple[dict, float, float]:
    """Every tab sends ``uploads`` files of ``size`` bytes, 4 at a time; answers, peak RSS, seconds."""
    body = os.urandom(size)
    statuses: dict[int, int] = {}
    peak = sc.rss_mb(pid)
    done = asyncio.Event()

    async def watch():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sc.rss_mb(pid))
            await asyncio.sleep(0.05)

    async def one_tab(tab):
        queue = list(range(uploads))

        async def worker():
            while queue:
                n = queue.pop()
                status = await upload(port, tab.session_id, f"f{n}-{time.monotonic_ns()}", body, xsrf)
                statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(4)))

    watcher = asyncio.create_task(watch())
    started = time.perf_counter()
    await asyncio.gather(*(one_tab(t) for t in tabs))
    seconds = time.perf_counter() - started
    done.set()
    await watcher
    return statuses, peak, seconds


async def attack(port: int, token: str, pid: int, args) -> None:
    size = int(args.size_mb * 2**20)
    xsrf = await xsrf_cookie(port)
    before = sc.rss_mb(pid)
    print(f"server memory before: {before:.0f} MB (one address: {PHONE})")

    anonymous = UploadingTab(port, "signin", PHONE)
    await anonymous.connect()
    await anonymous.run()
    statuses, peak, seconds = await flood(port, [anonymous], args.uploads, size, xsrf, pid)
    print(
        f"\n1. anonymous session: {args.uploads} uploads of {args.size_mb:g} MB in {seconds:.1f} s, answers {statuses}; "
        f"server peak {peak:.0f} MB (+{peak - before:.0f})"
    )
    await anonymous.close()

    desks = []
    for _ in range(8):  # the most sessions one address may hold
        tab = UploadingTab(port, "registration", PHONE, cookie=f"forum_device={token}")
        await tab.connect()
        await tab.run()
        desks.append(tab)
    statuses, peak1, seconds = await flood(port, desks[:1], args.uploads, size, xsrf, pid)
    print(
        f"2. signed-in desk session: {args.uploads} uploads of {args.size_mb:g} MB in {seconds:.1f} s, "
        f"answers {statuses}; server peak {peak1:.0f} MB (+{peak1 - before:.0f})"
    )
    statuses, peak2, seconds = await flood(port, desks, args.uploads, size, xsrf, pid)
    print(
        f"   8 desk sessions of that address, {args.uploads} uploads each, in {seconds:.1f} s: answers {statuses}; "
        f"server peak {peak2:.0f} MB (+{peak2 - before:.0f})"
    )
    for tab in desks:
        await tab.close()
    held = 8 * runtime.UPLOADS_HELD * runtime.UPLOADING_ROLES["desk"] / 2**20
    slack = 64  # the server's own growth under load (buffers, allocator)
    bound = before + held + slack
    await asyncio.sleep(5)
    after = sc.rss_mb(pid)
    peak = max(peak, peak1, peak2)
    print(
        f"\nserver memory: before {before:.0f} MB, peak {peak:.0f} MB, after the sessions closed {after:.0f} MB "
        f"(Streamlit keeps a closed session's uploads until it forgets the session)"
    )
    print(
        f"bound for one address: {before:.0f} MB + {held:.0f} MB held (8 desk sessions x {runtime.UPLOADS_HELD} "
        f"uploads x 8 MiB, stored or on their way; the public: nothing) + {slack} MB = {bound:.0f} MB; "
        f"peak {'within' if peak <= bound else 'ABOVE'} it"
    )


READER = r"""
import io, json, sys, time
sys.path.insert(0, sys.argv[1])
kind = sys.argv[2]
data = open(sys.argv[3], "rb").read()
from forum_core import checkin, exports, importer
start = time.perf_counter()
try:
    if kind == "photo":
        checkin.read_qr(data); answer = "read"
    elif kind == "export":
        exports.read_parquet_zip(data); answer = "read"
    else:
        importer.read_table(data, "list." + kind); answer = "read"
except Exception as exc:
    answer = f"{type(exc).__name__}: {getattr(exc, 'code', getattr(exc, 'reason', exc))}"
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"answer": answer, "seconds": time.perf_counter() - start, "peak_mb": hwm / 1024}))
"""


def crafted(folder: Path) -> list[tuple[str, str, Path]]:
    """The crafted files (name, reader, path)."""
    import io
    import zipfile

    from PIL import Image

    sys.path.insert(0, str(ROOT / "tests" / "unit"))
    from test_security import HEADER_ROW, SHEET, XLSX_PARTS, ods, ods_cell, xlsx, zipped

    files = []

    def keep(name, kind, data):
        path = folder / name
        path.write_bytes(data)
        files.append((name, kind, path))

    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    keep("20000x20000.png", "photo", buffer.getvalue())
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 6000), "white").save(buffer, "JPEG", quality=50)
    keep("48-megapixel.jpg", "photo", buffer.getvalue())
    keep("cell-at-XFD20000.xlsx", "xlsx", xlsx(HEADER_ROW + '<row r="20000"><c r="XFD20000"/></row>'))
    header = "<table:table-row>" + "".join(ods_cell(h) for h in ("first name", "last name", "phone", "group"))
    keep(
        "repeated-cells.ods",
        "ods",
        ods(
            header + "</table:table-row>"
            '<table:table-row table:number-rows-repeated="20000">' + ods_cell("x", 1000) + "</table:table-row>"
        ),
    )
    keep(
        "unpacks-120MB.xlsx",
        "xlsx",
        zipped({**XLSX_PARTS, "xl/worksheets/sheet1.xml": SHEET, "zeros": b"\0" * (120 << 20)}),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("forum.parquet", b"\0" * (80 << 20))
        archive.writestr("priorities.parquet", b"")
    keep("export-unpacks-80MB.zip", "export", buffer.getvalue())
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=60)
    parser.add_argument("--size-mb", type=float, default=7.9)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    template = work / "template.duckdb"
    setup = build(template)
    db_path = work / "uploads.duckdb"
    shutil.copy(template, db_path)
    with sc.server(db_path, extra_env={"FORUM_BACKUP_MINUTES": "0"}) as (process, port):
        asyncio.run(attack(port, setup["devices"]["desk"][0], process.pid, args))
    print("\n3. crafted files, each read by the app's reader in a fresh process:")
    for name, kind, path in crafted(work):
        out = subprocess.run(
            [sys.executable, "-c", READER, str(ROOT), kind, str(path)], capture_output=True, text=True, check=False
        )
        try:
            result = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            print(f"  {name:28s} {path.stat().st_size / 1024:8.0f} KB  the reader died: {out.stderr[-300:]}")
            continue
        print(
            f"  {name:28s} {path.stat().st_size / 1024:8.0f} KB  {result['answer']:32s} "
            f"{result['seconds'] * 1000:7.0f} ms   peak {result['peak_mb']:.0f} MB (process)"
        )


if __name__ == "__main__":
    main()
