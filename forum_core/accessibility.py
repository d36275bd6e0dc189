"""The accessibility statement's facts (pages/accessibility.py shows them, in the page's language).

The statement follows the model of the EU Web Accessibility Directive (2016/2102): conformance
status, what does not conform yet, how it was tested, whom to contact, and its date. The
figures here are checked by the browser test that produces them
(tests/e2e/test_accessibility.py: the axe-core version it runs is the one named here).
"""

from __future__ import annotations

from datetime import date

STANDARD = "WCAG 2.2 AA"
STATEMENT_DATE = date(2026, 12, 1)
TESTED_ON = date(2026, 12, 1)
AXE_CORE_VERSION = "4.12.1"  # the axe-core that axe-playwright-python (requirements-dev.txt) bundles
STATUS = "partial"  # partial: the app conforms except for what NOT_YET lists

# What does not conform yet; each is catalog text ``a11y.gap_<name>``.
NOT_YET = (
    "streamlit_labels",  # the framework's calendar, chosen-date description and column menu are in English
    "input_hints",  # messages it draws itself that the app cannot know in advance (a number field's limit)
    "pdf_tags",  # the printed documents (PDF) are not tagged for screen readers
    "projector_motion",  # the projector refreshes every second and cannot be paused by the hall
)


def contact(forum: dict | None) -> str:
    """Whom to tell about a barrier: the forum's organizers as the forum names them, else ''."""
    if not forum:
        return ""
    return " · ".join(
        part for part in ((forum.get("organizers") or "").strip(), forum.get("municipality") or "") if part
    )
