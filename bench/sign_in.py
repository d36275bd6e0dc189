"""What a person waits for when a device signs in: from the "sign in" click to their role's page
drawn, in a real headless Chromium against ``streamlit run app.py``.

Run: python bench/sign_in.py [--rounds 8]

For each role (organizer, desk, facilitator) and each round, a fresh browser context (a device
never seen) opens /signin?lang=ka, types its code and a name, and clicks "sign in". The clock
runs from the click until the role's page has its heading and its run is over. Printed per
role: median and p95, and how many sign-ins loaded the app a second time (the page's own
marker survives unless the browser loaded the app again: the old way, through /api/device's
redirect, which is now only the fallback when the page cannot ask for its cookie).

The forum is the demo forum; its codes are made before the server starts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("FORUM_TEST_CHEAP_HASH", "1")  # the codes' hashing is not what is measured

import streamlit_client as sc  # noqa: E402

from forum_core import access, demo  # noqa: E402
from forum_core import forum as forum_mod  # noqa: E402
from forum_core.db import Actor, Database  # noqa: E402
from forum_core.i18n import t  # noqa: E402

ORGANIZER_CODE = "BE-NCHORG"
CHROMIUM = (
    "/usr/bin/chromium-headless-shell" if Path("/usr/bin/chromium-headless-shell").exists() else "/usr/bin/chromium"
)
READY = """(title) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute("data-test-script-state") === "notRunning" && document.title.startsWith(title)
    && document.querySelector("h1") !== null;
}"""
HOME_TITLE = {"organizer": "nav.setup", "desk": "nav.registration", "facilitator": "nav.facilitator"}


def build(path: Path) -> dict[str, str]:
    """The demo forum and one code for a desk and for group 1's facilitator: role -> code."""
    db = Database(path)
    organizer = Actor("organizer", "bench")
    forum_id = demo.load_demo(db, organizer).value
    group = forum_mod.groups(db.cursor(), forum_id)[0]["id"]
    codes = {"organizer": ORGANIZER_CODE}
    for role, group_id in (("desk", None), ("facilitator", group)):
        codes[role] = access.create_code(db, organizer, forum_id, role, group_id, f"bench {role}").value[1]
    db.close()
    return codes


def drawn(page, title: str, seconds: float = 30) -> None:
    """Wait for the page titled ``title`` to be drawn, through a load of the app if one comes."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            page.wait_for_function(READY, arg=title, polling=20, timeout=max(1, deadline - time.monotonic()) * 1000)
            return
        except Exception:  # the app loaded again while it was being looked at: look again
            if time.monotonic() > deadline:
                raise


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    path = Path(tempfile.mkdtemp()) / "forum.duckdb"
    codes = build(path)
    env = {"FORUM_ORGANIZER_CODE": ORGANIZER_CODE, "FORUM_BACKUP_MINUTES": "0"}
    waits: dict[str, list[float]] = {role: [] for role in codes}
    reloads: dict[str, int] = dict.fromkeys(codes, 0)
    with sc.server(path, extra_env=env) as (_process, port), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n in range(args.rounds + 1):  # the first round warms the server and the browser: not counted
            for role, code in codes.items():
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/signin?lang=ka")
                page.wait_for_function(READY, arg=t("ka", "nav.signin"), polling=20)
                page.evaluate("() => { window.loadedOnce = true; }")
                page.locator("input[type=password]").fill(code)
                page.locator(".st-key-sign_in_label input").fill(f"bench {role} {n}")
                time.sleep(0.3)  # the fields' values have reached the server
                started = time.perf_counter()
                page.get_by_role("button", name=t("ka", "access.sign_in"), exact=True).click()
                drawn(page, t("ka", HOME_TITLE[role]))
                took = time.perf_counter() - started
                if n:
                    waits[role].append(took)
                    reloads[role] += not page.evaluate("() => window.loadedOnce === true")
                context.close()
        browser.close()
    print(f"sign-in, click -> role's page drawn, headless Chromium 1280x900, {args.rounds} rounds:")
    for role, values in waits.items():
        values.sort()
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        print(
            f"  {role:12s} median {statistics.median(values) * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms   "
            f"app loaded again: {reloads[role]} of {len(values)}"
        )


if __name__ == "__main__":
    main()
