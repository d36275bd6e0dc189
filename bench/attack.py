"""A desk's scans while someone on the Wi-Fi attacks the laptop (issue 15's figures).

Run: python bench/attack.py [--seconds 20] [--guesses-per-second 10] [--sessions 300]

Starts the real server (``streamlit run app.py``) on a forum in full swing and times what a
registration desk waits for (its own address, 127.0.0.50, as a tablet on the Wi-Fi has):
every 0.5 s a scan sent to /api/scans over HTTP (answered with its card), then the page's run
after it, and every 5 s a reload (a new session's first run). Three rounds of the same length:

1. no attack;
2. a sign-in guessing attack: wrong codes typed into the sign-in form of new sessions, at
   ``--guesses-per-second`` (default 10), each from another address (rotating through
   127.0.0.100-250, as phones or a script with many addresses would): the sign-in limits hold
   them to a few code checks a second in total;
3. one client (127.0.0.9) opening ``--sessions`` sessions (default 300), all at once, and
   opening them again as they are refused: the per-address limit takes 8 and refuses the rest
   (a page load past 8 gets 429).

All traffic stays on this machine's loopback range. The load generator shares the 2 cores
with the server, so the figures are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import forum_day  # noqa: E402
import streamlit_client as sc  # noqa: E402
import websockets  # noqa: E402
from forum_day import build  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402

DESK_ADDRESS = "127.0.0.50"
ATTACKER = "127.0.0.9"


class Tab(sc.Session):
    """A browser tab from a given source address that types codes into the sign-in form."""

    def __init__(self, port: int, page: str, address: str, cookie: str | None = None):
        super().__init__(port, page, cookie=cookie, address=address)

    async def guess(self, code: str) -> float:
        """Type a code into the sign-in form and press "sign in" (what the browser sends)."""
        msg = BackMsg()
        state = msg.rerun_script
        for key, value in (("sign_in_code", code), ("sign_in_label", "phone")):
            widget = state.widget_states.widgets.add()
            widget.id, widget.string_value = self.widget_ids[key], value
        submit = state.widget_states.widgets.add()
        submit.id, submit.trigger_value = self.submit_id, True
        state.query_string, state.page_name = "lang=ka", self.page
        state.context_info.url = f"http://127.0.0.1:{self.port}/{self.page}"
        self._finished.clear()
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._finished.wait(), 60)
        return time.perf_counter() - start


async def post_scan(port: int, token: str, scan_id: str, code: str) -> int:
    return await forum_day.post_scan(port, token, scan_id, code, address=DESK_ADDRESS)


async def page_load(port: int, address: str) -> int:
    """GET / as a browser's first request (the HTML shell): 200, or 429 past the per-address limit."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
    writer.write(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read(64)
    writer.close()
    return int(answer.split(b" ", 2)[1])


async def round_(port: int, setup: dict, attack: str, seconds: float, args, pid: int, side: str = "desk") -> dict:
    """One round: ``side`` "desk" times the desk (and the server's memory), "attacker" attacks."""
    times: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    rss: list[float] = []
    codes = list(setup.get("codes", []))  # each round has a fresh copy of the database: the same people wait
    token = setup["devices"]["desk"][0] if setup else ""
    stop = time.perf_counter() + seconds

    async def desk():
        tab = Tab(port, "registration", DESK_ADDRESS, cookie=f"forum_device={token}")
        await tab.connect()
        await tab.run()
        n = 0
        while time.perf_counter() < stop and codes:
            n += 1
            started = time.perf_counter()
            status = await post_scan(port, token, f"{attack}-{n}", codes.pop())
            times["scan answered (HTTP)"].append(time.perf_counter() - started)
            counts[f"scan status {status}"] += 1
            times["desk page after the scan"].append(await tab.run())
            await asyncio.sleep(max(0.0, 0.5 - (time.perf_counter() - started)))
        await tab.close()

    async def reloads():
        while time.perf_counter() < stop:
            await asyncio.sleep(5)
            tab = Tab(port, "registration", DESK_ADDRESS, cookie=f"forum_device={token}")
            started = time.perf_counter()
            await tab.connect()
            await tab.run()
            times["desk reload (new session's first run)"].append(time.perf_counter() - started)
            await tab.close()

    async def guesser(n: int):
        # each guess: a new tab on the sign-in page from another address, one wrong code typed
        address = f"127.0.0.{100 + n % 150}"
        try:
            tab = Tab(port, "signin", address)
            await tab.connect()
            await tab.run()
            if not tab.submit_id:
                counts["guess: no sign-in form"] += 1
                return
            if args.open_only:  # only the new tab, no code typed: what the sessions alone cost
                counts["tabs opened, no guess"] += 1
                await tab.close()
                return
            times["attacker: guess answered"].append(await tab.guess(f"ZZ{random.randrange(10**6):06d}"))
            counts["guesses sent"] += 1
            await tab.close()
        except (TimeoutError, OSError, websockets.WebSocketException):
            counts["guess refused"] += 1

    async def guessing():
        pending, n = set(), 0
        interval = 1 / args.guesses_per_second
        while time.perf_counter() < stop:
            pending.add(asyncio.create_task(guesser(n)))
            n += 1
            await asyncio.sleep(interval)
        await asyncio.gather(*pending)

    async def one_client_sessions():
        held = []

        async def open_one():
            tab = Tab(port, "signin", ATTACKER)
            try:
                await tab.connect()
                await tab.run(timeout=30)
                counts["attacker: sessions accepted"] += 1
                held.append(tab)
            except (TimeoutError, OSError, websockets.WebSocketException):
                counts["attacker: sessions refused"] += 1

        await asyncio.gather(*(open_one() for _ in range(args.sessions)))
        while time.perf_counter() < stop:  # and again, with page loads, as they are refused
            status = await page_load(port, ATTACKER)
            counts[f"attacker: page load {status}"] += 1
            await open_one()
            await asyncio.sleep(0.05)
        for tab in held:
            await tab.close()

    async def memory():
        while time.perf_counter() < stop:
            rss.append(sc.rss_mb(pid))
            await asyncio.sleep(0.5)

    tasks = [desk(), reloads(), memory()] if side == "desk" else []
    if side == "attacker" and attack == "guessing":
        tasks.append(guessing())
    elif side == "attacker" and attack == "sessions":
        tasks.append(one_client_sessions())
    await asyncio.gather(*tasks)
    return {"times": times, "counts": counts, "rss": rss}


def cpu_seconds(pid: int) -> float:
    """Processor time the server has used so far (user + system, all its threads)."""
    import os

    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ms(values, q) -> float:
    return sc.pct(values, q) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--guesses-per-second", type=float, default=10)
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--open-only", action="store_true", help="the guessing round opens tabs without guessing")
    parser.add_argument("--rounds", default="none,guessing,sessions")
    parser.add_argument("--attacker", help=argparse.SUPPRESS)  # a round's attack, in a process of its own
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attacker:
        result = asyncio.run(round_(args.port, {}, args.attacker, args.seconds, args, 0, side="attacker"))
        print(json.dumps({"times": result["times"], "counts": result["counts"]}))
        return
    work = Path(tempfile.mkdtemp())
    template = work / "template.duckdb"
    setup = build(template)
    random.shuffle(setup["codes"])
    print(f"desk at {DESK_ADDRESS}: a scan every 0.5 s over HTTP, the page's run after it, a reload every 5 s")
    for attack in args.rounds.split(","):
        db_path = work / f"{attack}.duckdb"
        shutil.copy(template, db_path)
        with sc.server(db_path, extra_env={"FORUM_BACKUP_MINUTES": "0"}) as (process, port):
            before = cpu_seconds(process.pid)
            # the attack runs in a process of its own, so its client work does not delay the desk's
            attacker = None
            if attack != "none":
                attacker = subprocess.Popen(
                    [sys.executable, __file__, "--attacker", attack, "--port", str(port)]
                    + ["--seconds", str(args.seconds), "--sessions", str(args.sessions)]
                    + ["--guesses-per-second", str(args.guesses_per_second)]
                    + (["--open-only"] if args.open_only else []),
                    stdout=subprocess.PIPE,
                    text=True,
                )
            result = asyncio.run(round_(port, setup, attack, args.seconds, args, process.pid))
            result["cpu"] = cpu_seconds(process.pid) - before
            if attacker is not None:
                attacked = json.loads(attacker.communicate(timeout=args.seconds + 120)[0].strip().splitlines()[-1])
                result["times"].update(attacked["times"])
                result["counts"].update(attacked["counts"])
        title = {
            "none": "no attack",
            "guessing": f"sign-in guessing, {args.guesses_per_second:g} guesses/s from rotating addresses",
            "sessions": f"one client opening {args.sessions} sessions",
        }[attack]
        print(f"\n{title} ({args.seconds:.0f} s):")
        for name, values in sorted(result["times"].items()):
            print(f"  {name:40s} median {ms(values, 50):7.1f} ms   p95 {ms(values, 95):7.1f} ms   ({len(values)})")
        for name, count in sorted(result["counts"].items()):
            print(f"  {name:40s} {count}")
        print(
            f"  server memory (RSS) {min(result['rss']):.0f}-{max(result['rss']):.0f} MB; server processor "
            f"{result['cpu']:.1f} s in {args.seconds:.0f} s ({result['cpu'] / args.seconds:.0%} of one core)"
        )


if __name__ == "__main__":
    main()
