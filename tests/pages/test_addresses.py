"""The organizer's and moderator's pages tell the address devices open (forum_core/network.py),
never localhost, and what it needs (plain HTTP; no network address found)."""

import pytest

from forum_core import network
from forum_core.i18n import t
from tests.pages.conftest import open_app, texts

HALL = network.Found(host="192.168.77.5", addresses=("192.168.77.5",), hostname="forum-laptop")


@pytest.fixture
def laptop_in_the_hall(monkeypatch):
    monkeypatch.setattr(network, "at_start", lambda: HALL)


def test_control_and_access_show_the_address_devices_open(demo_db, laptop_in_the_hall):
    control = texts(open_app("en", "pages/control.py", role="moderator"))
    assert "http://192.168.77.5:8501/plenary?lang=en" in control
    assert "http://192.168.77.5:8501/results?lang=en" in control
    assert "localhost" not in control
    access = texts(open_app("ka", "pages/access.py"))
    assert "http://192.168.77.5:8501" in access and t("ka", "address.plain_http") in access  # AppTest: no TLS


def test_no_network_address_is_said_plainly(demo_db, monkeypatch):
    monkeypatch.setattr(network, "at_start", lambda: network.Found(host="localhost", addresses=(), hostname="x"))
    assert t("en", "address.not_found") in texts(open_app("en", "pages/access.py"))
