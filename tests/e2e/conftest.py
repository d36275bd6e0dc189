"""End-to-end fixtures: the real app under ``streamlit run`` and a real Chromium.

The browser is Debian's ``chromium-headless-shell`` (Chromium's headless shell, as Playwright
runs headless; ``.ci/run`` installs it with ``chromium``), else Debian's ``chromium``, or one named
in ``FORUM_CHROMIUM``, or Playwright's own where it is installed. Without any, the tests fail
with a message saying how to install one: they never skip silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
ORGANIZER_CODE = "E2-EORGAN"
# How long a test waits for what a person would see. Long: on a busy 2-core machine (another
# worker's browser and server beside this one's) a page's first run took 15-40 s, and a passing
# test waits only as long as the page takes. Speed is measured in bench/, not here.
expect.set_options(timeout=30_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path(playwright) -> str | None:
    for candidate in (
        os.environ.get("FORUM_CHROMIUM"),
        # Chromium's headless shell (the one Playwright itself runs headless): on the 2-core machine
        # the accessibility test took about a third less CPU with it than with the full browser
        "/usr/bin/chromium-headless-shell",
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    try:
        own = playwright.chromium.executable_path
        return own if own and Path(own).exists() else None
    except Exception:
        return None


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e is a browser test: marked ``e2e`` (``pytest -m "not e2e"``)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = chromium_path(playwright)
        if path is None:
            pytest.fail(
                "No Chromium browser found for the end-to-end tests. Install Debian's: "
                "'apt-get update && apt-get install -y chromium-headless-shell' (or set FORUM_CHROMIUM to a Chromium binary)."
            )
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def close_pages_left_open(request):
    """Close every page a test left open in the session's browser, once the test is over (after
    ``shots`` has photographed them if it failed). A page left open keeps running against its
    stopped server (Streamlit reconnecting, the pages' own connection watch): the five pages the
    forum day left cost Chromium 2.4 core-seconds in each following 20 s, for the rest of the run."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            with contextlib.suppress(Exception):  # a context that is closing already
                context.close()


@pytest.fixture
def app_server(tmp_path, request):
    """The app on a free local port against a fresh database; stopped afterwards. Its log is
    kept under test-artifacts/ with the screenshots. Plain HTTP (``sc.server`` sets
    ``FORUM_HTTP=1`` unless asked for https): serving HTTPS has its own test (test_https.py)."""
    import streamlit_client as sc

    env = {"FORUM_ORGANIZER_CODE": ORGANIZER_CODE, "FORUM_BACKUP_MINUTES": "0"}
    log = ARTIFACTS / f"{request.node.name.replace('[', '-').replace(']', '')}.server.log"
    with sc.server(tmp_path / "forum.duckdb", extra_env=env, log=log) as (process, port):
        yield f"http://127.0.0.1:{port}"


class Shots:
    """Screenshots for looking at after a failure, under test-artifacts/ (ignored by git).

    A test names each step it reaches (``shots(page, "desk-green")``); only when it fails is every
    open page screenshot, named after the last step reached on it. A full-page screenshot costs a
    few hundred milliseconds, and a passing run needs none."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.count = 0
        self.steps: dict[int, str] = {}  # id(page) → the last step reached on it

    def __call__(self, page, step: str) -> None:
        self.count += 1
        self.steps[id(page)] = f"{self.count:02d}-{step}"

    def take(self, browser) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for n, page in enumerate(p for context in browser.contexts for p in context.pages):
            step = self.steps.get(id(page), "no-step")
            try:
                page.screenshot(path=str(self.folder / f"page{n}-{step}.png"), full_page=True, timeout=5000)
            except Exception:  # a page that has crashed or closed: the others still help
                continue


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so a fixture's teardown knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def shots(request, browser):
    shots = Shots(request.node.name.replace("[", "-").replace("]", ""))
    yield shots
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shots.take(browser)
