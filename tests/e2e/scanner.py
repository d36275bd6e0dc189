"""A handheld scanner in keyboard mode, as the desk's page sees one.

A scanner types a code's characters and Enter about 10 ms apart. The browser stamps each key with
the time the keyboard sent it (``event.timeStamp``), however busy the page is when it handles
the key; the desk's script (ui/components/desk.js) tells a scan from a person's typing by those
stamps. Playwright's own typing sends a key only once the page has handled the previous one, so
on a loaded 2-core machine its keys are stamped as slowly as a person types: here each key is
sent through the DevTools protocol with the time a scanner would have sent it.
"""

from __future__ import annotations

import time

KEY_GAP_S = 0.010  # a scanner's pace


def _cdp(page):
    """One DevTools session per page, kept on the page."""
    session = getattr(page, "_scanner_cdp", None)
    if session is None:
        session = page.context.new_cdp_session(page)
        page._scanner_cdp = session
    return session


def _key(session, key: str, at: float) -> None:
    if key == "Enter":
        down = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"}
    else:
        down = {"key": key, "text": key, "unmodifiedText": key}
    session.send("Input.dispatchKeyEvent", {"type": "keyDown", "timestamp": at, **down})
    session.send("Input.dispatchKeyEvent", {"type": "keyUp", "timestamp": at + 0.002, "key": down["key"]})


def scan(page, code: str, first_key_late_s: float = 0.0) -> None:
    """The code's characters and Enter, stamped ``KEY_GAP_S`` apart, into whatever has the focus.
    ``first_key_late_s``: the page gets the first key that long before the others (a loaded
    tablet that handled the first key and then stalled); their stamps are still a scanner's."""
    session = _cdp(page)
    start = time.time()
    for n, key in enumerate([*code, "Enter"]):
        if n == 1 and first_key_late_s:
            time.sleep(first_key_late_s)
        _key(session, key, start + n * KEY_GAP_S)
