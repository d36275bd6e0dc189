"""How long a desk's waiting scans take to arrive once the Wi-Fi is back (issue 14).

Run: python bench/offline_desk.py [--scans 50] [--rounds 3]

Starts ``streamlit run app.py`` on a copy of the demo forum, puts a TCP proxy
(tests/e2e/netcut.py) between a real Chromium desk page and the server, cuts the network,
scans N invitation codes with the keyboard (as a handheld scanner types them), restores
the network and measures, in the browser, the time from the restore until the last
waiting scan was answered (the desk's list of waiting scans is empty). It then checks in
the database that each of the N people is checked in exactly once. Target: all delivered
within 3 s of the connection returning.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import streamlit_client as sc  # noqa: E402

from forum_core import access, checkin, demo  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402
from tests.e2e.netcut import NetCut  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "forum.duckdb"
        db = Database(path)
        forum_id = demo.load_demo(db, Actor("organizer", "bench")).value
        code = access.create_code(db, Actor("organizer", "bench"), forum_id, "desk", None, "Desk 1").value[1]
        token = access.sign_in(db, forum_id, code, "Desk 1", "bench", access.Throttle()).token
        for n in range(args.scans * args.rounds):  # enough people nobody has scanned yet
            from forum_core import participants as people

            people.add(
                db,
                Actor("organizer", "bench"),
                forum_id,
                {"first_name": f"სახელი{n:04d}", "last_name": f"გვარი{n:04d}", "phone": f"5{n:08d}", "group": 1},
                phone_required=False,
            )
        codes = list(checkin.tokens_of_forum(db.cursor(), forum_id).values())
        db.close()
        delivered, ok = [], []
        with sc.server(path, extra_env={"FORUM_BACKUP_MINUTES": "0", "FORUM_ORGANIZER_CODE": "BE-NCHORG"}) as (_, port):
            net = NetCut(port)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_cookies([{"name": "forum_device", "value": token, "domain": "127.0.0.1", "path": "/"}])
                page = context.new_page()
                page.goto(f"{net.url}/registration?lang=ka")
                page.wait_for_selector("[data-testid=desk-scan-box]:focus", timeout=60_000)
                for r in range(args.rounds):
                    batch = codes[r * args.scans : (r + 1) * args.scans]
                    net.cut()
                    for c in batch:
                        page.keyboard.type(c)
                        page.keyboard.press("Enter")
                    page.wait_for_function(
                        f"document.querySelectorAll('.forum-desk-waiting li').length == {len(batch)}", timeout=60_000
                    )
                    page.wait_for_timeout(1500)
                    page.evaluate("window.__restored = performance.now()")
                    net.restore()
                    page.wait_for_function(
                        "document.querySelectorAll('.forum-desk-waiting li').length == 0", timeout=60_000, polling=10
                    )
                    delivered.append(page.evaluate("performance.now() - window.__restored") / 1000)
                    ok.append(len(batch))
                browser.close()
            net.close()
        db = Database(path)
        cur = db.cursor()
        once = cur.execute(
            "SELECT count(*) FROM (SELECT participant_id FROM checkin_event WHERE kind = 'check_in' "
            "GROUP BY participant_id HAVING count(*) = 1)"
        ).fetchone()[0]
        twice = cur.execute(
            "SELECT count(*) FROM (SELECT participant_id FROM checkin_event WHERE kind = 'check_in' "
            "GROUP BY participant_id HAVING count(*) > 1)"
        ).fetchone()[0]
        db.close()
    print(f"{args.scans} scans waiting in the browser, {args.rounds} rounds")
    print(
        "delivered after the connection returned: "
        + ", ".join(f"{s:.2f} s" for s in delivered)
        + f" (median {statistics.median(delivered):.2f} s; target < 3 s)"
    )
    print(f"people checked in exactly once: {once} of {sum(ok)}; more than once: {twice}")
    print("command: python bench/offline_desk.py --scans", args.scans, "--rounds", args.rounds)


if __name__ == "__main__":
    main()
