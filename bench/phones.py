"""A hall full of phones: the public results (/results) for a thousand phones while the day goes on.

Run: python bench/phones.py [--phones 1000] [--seconds 120] [--open-within 10]

Starts ``streamlit run app.py`` against a fresh copy of a forum in full swing (demo forum,
group work recorded in eight groups), then:
  1. 16 devices connect in the same second, the first sessions after the start (4 desks,
     10 facilitator tablets, 2 projectors, each signed in with its own device cookie): their
     first page run, from the request to the finished script run, and the server's CPU time
     for it (the wall time depends on what else the shared machine runs; the CPU time less);
  2. the day without phones for ``--seconds`` (and again after step 3: the shared machine's
     load drifts, so "without phones" pools both): the desks check one person in every 5 s (the
     scan over HTTP to /api/scans, then the figures' fragment runs again), the tablets save
     every 10 s, the projectors ask for their screen every 1 s (GET /api/screen, If-None-Match);
  3. the same with ``--phones`` phones: each opens /results at a random moment within
     ``--open-within`` seconds (as a hall does after the QR code appears), then refreshes it
     every 10 s with If-None-Match, as its page script does (304 while nothing changed); the
     phones run in a process of their own (they are other devices), so their client work
     does not delay the timing of the desks and projectors;
  4. the framework's floor: an empty Streamlit page with 16 sessions at the same rates, for
     the app/empty-page ratios of bench/forum_day.py (median and p95 of every refresh and save).
It prints a phone's page p95 (target < 300 ms), a desk's scan and the projector's refresh p95
without and with the phones (target: at most 1.5x), the server's memory (RSS) in both, the
first-run p95 of the 16 devices (target < 1 s) and the ratios. The load generator shares the
machine's cores with the server: the figures are conservative, and vary with the machine's load.

120 s by default: the desks then make 96 scans in each part, and a p95 is the fifth-slowest of
them. In 40 and 60 s runs (32 and 48 scans, the p95 the second- or third-slowest) two identical
runs gave a scan ratio of 2.19x and 0.92x, and the projector's 1.61x and 1.88x against 1.13x and
0.87x in the 120 s run that followed (1 Dec): one slow sample moved the short runs' p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import forum_day as fd  # noqa: E402
import streamlit_client as sc  # noqa: E402

PHONE_REFRESH_S = 10


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def first_runs(port: int, setup: dict, pid: int) -> tuple[list[float], float, list[tuple]]:
    """16 devices connecting in the same second: their first runs, the server's CPU for them, the sessions."""
    started_cpu = cpu_seconds(pid)

    async def one(page: str, token: str, extra=None):
        s = sc.Session(port, page, cookie=f"forum_device={token}")
        await s.connect()
        return page, await s.run(), s, extra

    devices = [one("registration", t) for t in setup["devices"]["desk"]]
    devices += [one("facilitator", t, members) for t, members in setup["devices"]["facilitator"]]
    devices += [one("plenary", t) for t in setup["devices"]["projector"]]
    opened = await asyncio.gather(*devices)
    return [seconds for _, seconds, _, _ in opened], cpu_seconds(pid) - started_cpu, opened


async def day(port: int, opened: list[tuple], codes: list[str], phones: int, crowd, args, pid: int) -> dict:
    """The forum day for ``args.seconds`` with ``phones`` phones; every figure in seconds."""
    times: dict[str, list[float]] = defaultdict(list)
    opening: dict[str, list[bool]] = defaultdict(list)  # per sample: made while the phones were opening?
    statuses: Counter = Counter()
    rss: list[float] = []
    errors: list[str] = []
    begun = time.perf_counter()
    stop = begun + args.seconds

    async def every(interval: float, action):
        await asyncio.sleep(random.uniform(0, interval))  # not all in step
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await action()
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

    async def desk(s: sc.Session, token: str):
        async def scan():
            if not codes:
                return
            started = time.perf_counter()
            status = await fd.post_scan(port, token, f"{token[:8]}-{len(codes)}", codes.pop())
            times["desk scan answered (HTTP)"].append(time.perf_counter() - started)
            opening["desk scan answered (HTTP)"].append(started - begun < args.open_within)
            if status != 200:
                errors.append(f"scan answered {status}")
            times["desk figures after a scan"].append(await s.run(fragment=True))  # figures.js

        await every(5, scan)

    async def tablet(s: sc.Session, members: list[int]):
        state = dict.fromkeys(members, False)

        async def save():
            member = random.choice(members)
            state[member] = not state[member]
            times["tablet save"].append(await s.run(widgets={f"here_{member}": state[member]}))

        await every(10, save)

    async def projector(s: sc.Session):  # what ui/components/projector.js asks each second
        token = s.cookie.split("=", 1)[1]
        await every(1, fd.screen_asker(port, token, times["projector screen (HTTP)"], errors))

    async def memory():
        while time.perf_counter() < stop:
            rss.append(sc.rss_mb(pid))
            await asyncio.sleep(1)

    tasks = []
    for page, _, session, extra in opened:
        if page == "registration":
            tasks.append(desk(session, session.cookie.split("=", 1)[1]))
        elif page == "facilitator":
            tasks.append(tablet(session, extra))
        else:
            tasks.append(projector(session))
    tasks.append(memory())
    started_cpu = cpu_seconds(pid)
    if phones:  # the phones' process (started before the server, waiting): go
        crowd.stdin.write(b"go\n")
        crowd.stdin.flush()
    await asyncio.gather(*tasks)
    if phones:
        out, _ = await asyncio.to_thread(crowd.communicate)
        answer = json.loads(out)
        times.update(answer["times"])
        statuses.update({int(k): v for k, v in answer["statuses"].items()})
        errors.extend(answer["errors"])
    for _, _, session, _ in opened:
        errors.extend(session.errors)
        session.errors.clear()
    return {
        "times": times,
        "opening": opening,
        "statuses": statuses,
        "rss": rss,
        "errors": errors,
        "cpu": cpu_seconds(pid) - started_cpu,
    }


async def hall(port: int, phones: int, seconds: float, open_within: float) -> dict:
    """``phones`` phones: each opens /results at a random moment within ``open_within`` seconds (the
    hall scans the QR code), then asks every 10 s with If-None-Match, as its page script does."""
    times: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    async def phone():
        await asyncio.sleep(random.uniform(0, open_within))
        etag = None
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status, etag_now, _ = await fd.get_page(port, "/results?lang=ka", etag)
            except OSError as failed:
                errors.append(f"phone: {failed}")
                status, etag_now = 0, None
            took = time.perf_counter() - started
            times["phone opens /results" if etag is None else "phone refresh (If-None-Match)"].append(took)
            times["phone, every request"].append(took)
            statuses[status] += 1
            etag = etag_now or etag
            await asyncio.sleep(max(0.0, PHONE_REFRESH_S - took))

    await asyncio.gather(*(phone() for _ in range(phones)))
    return {"times": times, "statuses": statuses, "errors": errors}


def ms(values, q):
    return sc.pct(values, q) * 1000


def show(title: str, result: dict, seconds: float) -> None:
    print(f"\n{title}:")
    for name, values in sorted(result["times"].items()):
        print(f"  {name:32s} median {ms(values, 50):7.1f} ms   p95 {ms(values, 95):7.1f} ms   ({len(values)})")
    print(
        f"  server memory (RSS) {min(result['rss']):.0f}-{max(result['rss']):.0f} MB; server CPU "
        f"{result['cpu'] / seconds:.2f} cores on average; errors {len(result['errors'])}"
        + (f" (first: {result['errors'][0]})" if result["errors"] else "")
        + (f"; phone answers {dict(result['statuses'])}" if result["statuses"] else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--open-within", type=float, default=10)
    parser.add_argument(
        "--per-group", type=int, help="participants per group (people to check in; default: enough for the three days)"
    )
    parser.add_argument("--crowd", help=argparse.SUPPRESS)  # port,phones,seconds,open_within: the phones' process
    args = parser.parse_args()
    if args.crowd:
        port, phones, seconds, open_within = args.crowd.split(",")
        sys.stdin.readline()  # started early (its imports must not land in a timed phase): wait for "go"
        print(json.dumps(asyncio.run(hall(int(port), int(phones), float(seconds), float(open_within)))))
        return
    with open("/proc/loadavg") as fh:
        print(f"load average before (this machine is shared): {fh.read().split()[:3]}")
    work = Path(tempfile.mkdtemp())
    template = work / "template.duckdb"
    # three days of 4 desks scanning every 5 s, in 10 groups, of which the demo checks in about a third
    per_group = args.per_group or max(30, int(args.seconds * 3 * 4 / 5 / 10 / 0.6) + 1)
    setup = fd.build(template, per_group)
    db_path = work / "day.duckdb"
    shutil.copy(template, db_path)
    codes = list(setup["codes"])
    random.shuffle(codes)
    if len(codes) < 3 * 4 * args.seconds / 5:
        print(f"only {len(codes)} people to check in: the desks stop scanning when they run out (--per-group)")
    port = sc.free_port()
    # the phones in a process of their own, as they are other devices: their client work must not
    # delay the desks' and projectors' clients here; started now, so its imports are done before
    crowd = subprocess.Popen(
        [sys.executable, __file__, "--crowd", f"{port},{args.phones},{args.seconds},{args.open_within}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    with sc.server(db_path, port=port, extra_env={"FORUM_BACKUP_MINUTES": "0"}) as (process, port):

        async def whole() -> tuple:
            firsts, cpu, opened = await first_runs(port, setup, process.pid)
            before = await day(port, opened, codes, 0, None, args, process.pid)
            busy = await day(port, opened, codes, args.phones, crowd, args, process.pid)
            after = await day(port, opened, codes, 0, None, args, process.pid)  # the machine's load drifts
            for _, _, session, _ in opened:
                await session.close()
            return firsts, cpu, before, busy, after

        firsts, cpu, before, busy, after = asyncio.run(whole())
    with sc.server(work / "empty.duckdb", app=str(fd.EMPTY_APP)) as (empty_process, empty_port):
        floor = asyncio.run(fd.empty_floor(empty_port, 16, args.seconds / 2, empty_process.pid))

    print(
        f"\n16 devices connecting in the same second (the first sessions after the start): first page run "
        f"median {ms(firsts, 50):.0f} ms, p95 {ms(firsts, 95):.0f} ms, slowest {max(firsts) * 1000:.0f} ms; "
        f"server CPU for them {cpu:.2f} s"
    )
    show(f"4 desks, 10 tablets, 2 projectors, no phones, {args.seconds:.0f} s", before, args.seconds)
    show(
        f"the same with {args.phones} phones opening /results within {args.open_within:.0f} s, "
        f"then refreshing every {PHONE_REFRESH_S} s",
        busy,
        args.seconds,
    )
    show("again without phones (the shared machine's load drifts)", after, args.seconds)
    b = busy["times"]
    q = {name: before["times"].get(name, []) + after["times"].get(name, []) for name in before["times"]}
    phone_p95 = ms(b["phone, every request"], 95) if args.phones else float("nan")
    print("\nsummary:")
    print(f"  phone's page p95 {phone_p95:.1f} ms (target < 300 ms)")
    for name in ("desk scan answered (HTTP)", "desk figures after a scan", "projector screen (HTTP)", "tablet save"):
        without, with_ = ms(q[name], 95), ms(b[name], 95)
        print(
            f"  {name:28s} p95 {without:6.1f} ms without phones (before and after), {with_:6.1f} ms with: "
            f"{with_ / without:.2f}x"
        )
    # the scans while the hall opens the page (the first --open-within seconds) apart from the rest
    scans, during = b["desk scan answered (HTTP)"], busy["opening"]["desk scan answered (HTTP)"]
    for label, part in (("while the phones open", True), ("after", False)):
        chosen = [v for v, d in zip(scans, during) if d == part]
        if chosen:
            print(f"  desk scan with phones, {label}: p95 {ms(chosen, 95):6.1f} ms ({len(chosen)} scans)")
    print(
        f"  server memory (RSS) at most {max(before['rss']):.0f} MB without phones, {max(busy['rss']):.0f} MB with, "
        f"{max(after['rss']):.0f} MB after"
    )
    print(
        f"  server CPU {before['cpu'] / args.seconds:.2f} / {busy['cpu'] / args.seconds:.2f} / "
        f"{after['cpu'] / args.seconds:.2f} cores on average before / with / after the phones"
    )
    print(f"  16 devices' first page run p95 {ms(firsts, 95):.0f} ms (target < 1000 ms)")
    steady = [v for values in q.values() for v in values]
    print(
        f"  app / empty page (16 sessions, same rates, no phones): median "
        f"{ms(steady, 50):.1f} / {ms(floor['times'], 50):.1f} ms = {ms(steady, 50) / ms(floor['times'], 50):.1f}x, "
        f"p95 {ms(steady, 95):.1f} / {ms(floor['times'], 95):.1f} ms = {ms(steady, 95) / ms(floor['times'], 95):.1f}x"
    )
    with open("/proc/loadavg") as fh:
        print(f"  load average after: {fh.read().split()[:3]}")


if __name__ == "__main__":
    main()
