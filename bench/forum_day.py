"""Forum-day load on the real server: desks, facilitators, projectors and phones at once.

Run: python bench/forum_day.py [--seconds 40] [--viewers 25,50,100,200]

Each round starts ``streamlit run`` against a fresh copy of a forum in full swing (demo
forum, group work recorded in eight groups) and opens real websocket sessions that
speak Streamlit's protocol, as browser tabs do, each signed in with its own device
cookie:
  - 4 registration desks, each checking one person in every 5 s (as the desk's browser
    does: the scan sent to /api/scans over HTTP, then the figures' fragment runs again);
  - 10 facilitator tablets, each saving every 10 s (ticking a member present or absent);
  - 2 projectors, each asking the laptop for its screen every 1 s (GET /api/screen with
    If-None-Match, as ui/components/projector.js does; the page itself runs once);
  - N phones, each opening the public results (/results, a plain HTTP page of the app's
    server, not a Streamlit session) and refreshing it every 10 s with If-None-Match, as
    its page script does.
It reports per page the 50th and 95th percentile from request to finished script run (for
the phones: to the whole HTTP answer), the server's memory, and the largest N at which every
page's 95th percentile stays under 500 ms. The same sessions at the same rates, with the
same number of phones asking the framework's own health address, are put on an empty
Streamlit page (the framework's floor) just before and just after the app, so the app's own
cost shows as a ratio (of the devices' runs and HTTP requests, the scans and the projectors'
screens; the phones' answers are shown apart), and the ratio of the Streamlit runs alone. The
machine's speed is printed before and after (a Python loop, a DuckDB key lookup). The load
generator runs on the same 2 cores as the server, so the figures are conservative.
bench/phones.py measures a thousand phones against the day with none.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import streamlit_client as sc  # noqa: E402

from forum_core import access, checkin, demo  # noqa: E402
from forum_core import deliberation as dl  # noqa: E402
from forum_core import forum as forum_mod  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402

ORGANIZER = Actor("organizer", "bench")
EMPTY_APP = ROOT / "bench" / "empty_app.py"


def build(path: Path, per_group: int = 12) -> dict:
    """A forum in full swing, and a signed-in device (cookie) for every desk and tablet.
    ``per_group``: participants per group (more leave more people to check in)."""
    db = Database(path)
    forum_id = demo.load_demo(db, ORGANIZER, participants_per_group=per_group).value
    demo.simulate_group_work(db, ORGANIZER, forum_id, group_numbers=list(range(1, 9)))
    groups = forum_mod.groups(db.cursor(), forum_id)
    present = checkin.checked_in_ids(db.cursor(), forum_id)
    waiting = [c for pid, c in checkin.tokens_of_forum(db.cursor(), forum_id).items() if pid not in present]
    devices = {"desk": [], "facilitator": [], "projector": []}

    def device(role: str, group_id=None, label="") -> str:
        code = access.create_code(db, ORGANIZER, forum_id, role, group_id, label).value[1]
        return access.sign_in(db, forum_id, code, label, f"bench-{role}-{label}", access.Throttle()).token

    for n in range(4):
        devices["desk"].append(device("desk", label=f"Desk {n + 1}"))
    for g in groups:
        members = [m["id"] for m in dl.members(db.cursor(), forum_id, g["id"])]
        devices["facilitator"].append((device("facilitator", g["id"], f"room {g['room']}"), members))
    for n in range(2):
        devices["projector"].append(device("projector", label=f"projector {n + 1}"))
    db.close()
    return {"devices": devices, "codes": waiting}


async def post_scan(port: int, token: str, scan_id: str, code: str, address: str | None = None) -> int:
    """One scan as the desk's browser sends it: POST /api/scans (plain HTTP/1.1 on the event loop),
    from ``address`` when given (another device on 127/8)."""
    import json

    body = json.dumps(
        {"desk": "bench", "lang": "ka", "scans": [{"id": scan_id, "code": code, "at": int(time.time() * 1000)}]}
    ).encode()
    source = {"local_addr": (address, 0)} if address else {}
    reader, writer = await asyncio.open_connection("127.0.0.1", port, **source)
    writer.write(
        (
            f"POST /api/scans HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Cookie: forum_device={token}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return int(answer.split(b" ", 2)[1])


async def get_page(
    port: int, path: str, etag: str | None = None, cookie: str | None = None
) -> tuple[int, str | None, int]:
    """One GET as a phone's browser sends it (a new connection: the server closes idle ones after
    5 s, a phone asks every 10 s): (status, ETag, body bytes). ``cookie``: a device's (the projector)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    conditional = f"If-None-Match: {etag}\r\n" if etag else ""
    conditional += f"Cookie: {cookie}\r\n" if cookie else ""
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip\r\n"
            f"User-Agent: bench-phone\r\n{conditional}Connection: close\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:] if ": " in line)}
    return int(lines[0].split(" ", 2)[1]), headers.get("etag"), len(body)


def screen_asker(port: int, token: str, times: list[float], errors: list[str]):
    """What a projector's script (ui/components/projector.js) asks each second: GET /api/screen with
    the ETag of the screen it shows (304 while nothing changed); each answer's time goes to ``times``."""
    etag = None

    async def ask() -> None:
        nonlocal etag
        started = time.perf_counter()
        status, etag_now, _ = await get_page(port, "/api/screen?lang=ka", etag, cookie=f"forum_device={token}")
        times.append(time.perf_counter() - started)
        if status not in (200, 304):
            errors.append(f"/api/screen answered {status}")
        etag = etag_now or etag

    return ask


async def phone(port: int, path: str, stop: float, times: list[float] | None, errors: list[str], opening: float = 10):
    """A phone in the hall: opens ``path`` within ``opening`` seconds, then asks every 10 s whether
    it changed (If-None-Match); each answer's time goes to ``times``."""
    await asyncio.sleep(random.uniform(0, opening))
    etag = None
    while time.perf_counter() < stop:
        started = time.perf_counter()
        try:
            status, etag_now, _ = await get_page(port, path, etag)
            if status not in (200, 304):
                errors.append(f"{path} answered {status}")
            etag = etag_now or etag
        except OSError as failed:
            errors.append(f"phone: {failed}")
        took = time.perf_counter() - started
        if times is not None:
            times.append(took)
        await asyncio.sleep(max(0.0, 10 - took))


async def forum_day(port: int, setup: dict, viewers: int, seconds: float, pid: int) -> dict:
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    rss: list[float] = []
    codes = list(setup["codes"])
    random.shuffle(codes)
    stop = time.perf_counter() + seconds

    async def session(page: str, token: str | None = None) -> sc.Session:
        s = sc.Session(port, page, cookie=f"forum_device={token}" if token else None)
        await s.connect()
        times[f"{page} (first run)"].append(await s.run())
        return s

    async def every(interval: float, action):
        await asyncio.sleep(random.uniform(0, interval))  # not all in step
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await action()
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

    async def desk(token: str):
        s = await session("registration", token)
        n = 0

        async def scan():
            # what the desk's browser does (ui/components/desk.js, figures.js): the scan over HTTP,
            # answered with its card, then the figures' fragment runs again
            nonlocal n
            if codes:
                n += 1
                started = time.perf_counter()
                status = await post_scan(port, token, f"{token[:8]}-{n}", codes.pop())
                times["registration (scan answered, HTTP)"].append(time.perf_counter() - started)  # seconds, as s.run()
                if status != 200:
                    errors.append(f"scan answered {status}")
                times["registration (figures after a scan)"].append(await s.run(fragment=True))

        await every(5, scan)
        errors.extend(s.errors)
        await s.close()

    async def facilitator(token: str, members: list[int]):
        s = await session("facilitator", token)
        state = dict.fromkeys(members, False)

        async def save():
            member = random.choice(members)
            state[member] = not state[member]
            times["facilitator (save)"].append(await s.run(widgets={f"here_{member}": state[member]}))

        await every(10, save)
        errors.extend(s.errors)
        await s.close()

    async def projector(token: str):
        s = await session("plenary", token)
        await every(1, screen_asker(port, token, times["plenary (screen asked, HTTP)"], errors))
        errors.extend(s.errors)
        await s.close()

    async def viewer():
        await phone(port, "/results?lang=ka", stop, times["phone /results (HTTP)"], errors)

    async def memory():
        while time.perf_counter() < stop:
            rss.append(sc.rss_mb(pid))
            await asyncio.sleep(1)

    tasks = [desk(t) for t in setup["devices"]["desk"]]
    tasks += [facilitator(t, m) for t, m in setup["devices"]["facilitator"]]
    tasks += [projector(t) for t in setup["devices"]["projector"]]
    tasks += [viewer() for _ in range(viewers)] + [memory()]
    await asyncio.gather(*tasks)
    return {"times": times, "errors": errors, "rss": rss}


async def empty_floor(port: int, sessions: int, seconds: float, pid: int) -> dict:
    """The framework's floor: the devices' sessions rerunning an empty page, and the phones asking its health address."""
    times: list[float] = []
    rss: list[float] = []
    stop = time.perf_counter() + seconds

    async def one(interval: float):
        s = sc.Session(port, "")
        await s.connect()
        await s.run()
        await asyncio.sleep(random.uniform(0, interval))
        while time.perf_counter() < stop:
            started = time.perf_counter()
            times.append(await s.run())
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
        await s.close()

    async def memory():
        while time.perf_counter() < stop:
            rss.append(sc.rss_mb(pid))
            await asyncio.sleep(1)

    # the same request rate as the forum-day mix: desks 4/5 s, tablets 10/10 s, projectors 2/1 s;
    # the phones ask the framework's own health address as often as they ask /results on the app
    intervals = [5] * 4 + [10] * 10 + [1] * 2
    phones = [phone(port, "/_stcore/health", stop, None, []) for _ in range(sessions - 16)]
    await asyncio.gather(*(one(i) for i in intervals), *phones, memory())
    return {"times": times, "rss": rss}


def ms(values, q):
    return sc.pct(values, q) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--viewers", default="25,50,100,200")
    args = parser.parse_args()
    print(f"this machine's speed before: {machine_speed()}")
    work = Path(tempfile.mkdtemp())
    template = work / "template.duckdb"
    setup = build(template)
    largest = None
    for viewers in [int(v) for v in args.viewers.split(",")]:
        db_path = work / f"round-{viewers}.duckdb"
        shutil.copy(template, db_path)
        # The floor is measured just before and just after the app, and the two pooled: this
        # machine's speed drifts by minutes (seen: the reference loop 1.25-7.3 s), and one floor
        # measured on one side of the app gave ratios from 2.1 to 7.1x in five runs of one hour.
        with sc.server(work / "empty.duckdb", app=str(EMPTY_APP)) as (empty_process, empty_port):
            before = asyncio.run(empty_floor(empty_port, 16 + viewers, args.seconds / 2, empty_process.pid))
            with sc.server(db_path, extra_env={"FORUM_BACKUP_MINUTES": "0"}) as (process, port):
                result = asyncio.run(forum_day(port, setup, viewers, args.seconds, process.pid))
            after = asyncio.run(empty_floor(empty_port, 16 + viewers, args.seconds / 2, empty_process.pid))
        floor = {"times": before["times"] + after["times"], "rss": before["rss"] + after["rss"]}
        print(f"\n4 desks, 10 tablets, 2 projectors, {viewers} public viewers, {args.seconds:.0f} s:")
        worst = 0.0
        for page, values in sorted(result["times"].items()):
            p95 = ms(values, 95)
            if "first run" not in page:
                worst = max(worst, p95)
            print(f"  {page:28s} median {ms(values, 50):7.1f} ms   p95 {p95:7.1f} ms   ({len(values)} runs)")
        print(
            f"  server memory (RSS): {min(result['rss']):.0f}-{max(result['rss']):.0f} MB; "
            f"errors shown by pages: {len(result['errors'])}"
        )
        steady = [  # the devices' runs and scans (the phones' HTTP answers are shown above, apart)
            v
            for page, values in result["times"].items()
            if "first run" not in page and "phone" not in page
            for v in values
        ]
        print(f"  all refreshes and saves      median {ms(steady, 50):7.1f} ms   p95 {ms(steady, 95):7.1f} ms")
        print(
            f"  empty Streamlit page, same sessions, rates and phones: median {ms(floor['times'], 50):.1f} ms, "
            f"p95 {ms(floor['times'], 95):.1f} ms (before the app {ms(before['times'], 50):.1f} / "
            f"{ms(before['times'], 95):.1f} ms, after it {ms(after['times'], 50):.1f} / {ms(after['times'], 95):.1f} ms), "
            f"memory {max(floor['rss']):.0f} MB; app/floor ratio "
            f"median {ms(steady, 50) / max(ms(floor['times'], 50), 0.01):.1f}x, "
            f"p95 {ms(steady, 95) / max(ms(floor['times'], 95), 0.01):.1f}x"
        )
        runs = [  # the Streamlit script runs alone (the HTTP answers left out) against the same floor
            v
            for page, values in result["times"].items()
            if "first run" not in page and "HTTP" not in page
            for v in values
        ]
        print(
            f"  Streamlit runs alone (desk figures, tablet saves): median {ms(runs, 50):.1f} ms, p95 "
            f"{ms(runs, 95):.1f} ms; against the empty page median "
            f"{ms(runs, 50) / max(ms(floor['times'], 50), 0.01):.1f}x, p95 "
            f"{ms(runs, 95) / max(ms(floor['times'], 95), 0.01):.1f}x"
        )
        if worst < 500:
            largest = viewers
        else:
            break
    print(f"\nlargest number of public viewers with every page's p95 under 500 ms: {largest}")
    print(f"this machine's speed after: {machine_speed()}")


def machine_speed() -> str:
    """This machine's speed at the moment, printed beside the figures so that runs on different
    days can be told apart: a Python loop (10 million additions) and a DuckDB key lookup in a
    500-row table. They do not move together: on 1 Dec the loop took 1.2 s as on the fast 30 Nov,
    while the lookup took 0.7-1.0 ms against 0.25-0.44 ms, and the app's page runs followed the
    lookup (code that walks much memory is what a busy host slows down)."""
    import statistics

    import duckdb

    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    loop = time.process_time() - started
    con = duckdb.connect(":memory:", config={"threads": 1})
    con.execute("CREATE TABLE t AS SELECT range AS id, 'x' || range AS name FROM range(500)")
    took = []
    for n in range(400):
        started = time.perf_counter()
        con.execute("SELECT name FROM t WHERE id = ?", [n]).fetchall()
        took.append(time.perf_counter() - started)
    con.close()
    return f"Python loop {loop:.2f} s, DuckDB key lookup {statistics.median(took) * 1000:.2f} ms median"


if __name__ == "__main__":
    main()
