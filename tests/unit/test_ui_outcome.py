"""ui.session's outcome helpers, without a Streamlit run: the page's ``st`` and language replaced."""

import pytest

from forum_core.validation import FieldError, Outcome
from ui import session


class _FakeStreamlit:
    def __init__(self):
        self.shown = []

    def __getattr__(self, kind):
        return lambda message, **kwargs: self.shown.append((kind, message))


@pytest.fixture
def shown(monkeypatch):
    fake = _FakeStreamlit()
    monkeypatch.setattr(session, "st", fake)
    monkeypatch.setattr(session, "lang", lambda: "en")
    return fake.shown


def test_outcome_message_names_the_reason_and_each_field(shown):
    assert session.outcome_message(Outcome(False, "outside_group")).startswith("This belongs to another working group")
    message = session.outcome_message(Outcome(False, "invalid", (FieldError("phone", "bad_phone", {"value": "12"}),)))
    first, errors = message.split("\n\n")
    assert first == "Not saved: please correct the errors."
    assert errors.startswith("- ") and "12" in errors


def test_show_outcome_picks_the_colour(shown):
    session.show_outcome(Outcome(True, "saved"))
    session.show_outcome(Outcome(True, "added"), success="The participant is added.")
    session.show_outcome(Outcome(True, "unchanged"), success="Saved!")  # nothing happened: not green
    session.show_outcome(Outcome(False, "stale"))
    session.show_outcome(Outcome(False, "not_allowed"))
    clash = FieldError("room", "room_clash", {"room": "1", "groups": "1, 2"})
    session.show_outcome(Outcome(True, "saved", warnings=(clash,)))
    assert [kind for kind, _ in shown] == ["success", "success", "info", "warning", "error", "success", "warning"]
    assert shown[0][1] == "Saved." and shown[1][1] == "The participant is added." and shown[2][1] == "Nothing changed."
    assert "room 1" in shown[-1][1]


def test_a_refreshing_fragment_of_a_device_signed_out_remotely_stops(monkeypatch, db, demo_forum):
    """Desk figures, the projector and the overview refresh by themselves (fragments): the first
    refresh after the organizer signs a device out reruns the whole page, which shows the sign-in."""
    from types import SimpleNamespace

    from forum_core import access
    from tests.conftest import ORGANIZER

    code = access.create_code(db, ORGANIZER, demo_forum, "projector", None, "hall").value[1]
    me = access.sign_in(db, demo_forum, code, "hall", "test", access.Throttle()).identity
    reruns = []

    class Rerun(Exception):
        pass

    def rerun(scope="fragment"):
        reruns.append(scope)
        raise Rerun

    monkeypatch.setattr(session, "st", SimpleNamespace(session_state={"identity": me}, rerun=rerun))
    monkeypatch.setattr(session, "database", lambda: db)
    session.still_signed_in()  # signed in: the fragment goes on
    assert reruns == []
    access.revoke_device(db, ORGANIZER, me.device_id)
    with pytest.raises(Rerun):
        session.still_signed_in()
    assert reruns == ["app"]
