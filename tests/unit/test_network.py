"""The address devices in the hall open (forum_core/network.py): never localhost when the
laptop has a network address, the organizer's own address first."""

from __future__ import annotations

import pytest

from forum_core import network

WIFI = [("docker0", "172.17.0.1"), ("wlp2s0", "192.168.1.23"), ("eth1", "10.8.0.4")]


def test_the_outgoing_interface_is_the_phones_address():
    assert network.choose_host(None, "192.168.1.23", WIFI) == "192.168.1.23"


def test_without_a_route_a_real_interfaces_private_ipv4_address_is_chosen():
    assert network.choose_host(None, None, WIFI) == "192.168.1.23"
    assert network.choose_host(None, "127.0.0.1", [("vboxnet0", "192.168.56.1"), ("wlan0", "10.0.0.9")]) == "10.0.0.9"
    assert network.choose_host(None, None, [("", "fe80::1"), ("", "169.254.3.3")]) == "localhost"
    assert network.choose_host(None, None, []) == "localhost"


@pytest.mark.parametrize(
    "configured, host",
    [("forum.lan", "forum.lan"), ("https://forum.lan:8443/", "forum.lan"), ("10.1.1.1:8501", "10.1.1.1")],
)
def test_the_organizers_address_wins(configured, host):
    assert network.choose_host(configured, "192.168.1.23", WIFI) == host


def test_urls_for_phones():
    found = network.Found(host="192.168.1.23", addresses=("192.168.1.23",), hostname="laptop")
    assert network.phones_url(8501, True, found) == "https://192.168.1.23:8501"
    assert network.phones_url(8501, False, found) == "http://192.168.1.23:8501"
    assert network.base_url("fd00::5", 443, True) == "https://[fd00::5]"
    named = network.Found(host="forum.lan", addresses=(), hostname="laptop", configured="forum.lan")
    assert network.phones_url(8501, True, named) == "https://forum.lan:8501"
    whole = network.Found(host="forum.lan", addresses=(), hostname="laptop", configured="http://forum.lan:80/x")
    assert network.phones_url(8501, True, whole) == "http://forum.lan"
    assert network.page_url("https://forum.lan:8501/", "results", "ka") == "https://forum.lan:8501/results?lang=ka"
    assert not network.Found(host="localhost", addresses=(), hostname="laptop").reachable
    assert found.reachable and named.reachable


def test_found_on_this_machine_is_never_loopback(monkeypatch):
    monkeypatch.delenv(network.ENV_ADDRESS, raising=False)
    found = network.find()
    assert all(network.usable(address) for address in found.addresses)
    assert found.host in found.addresses or found.host == "localhost"
    monkeypatch.setenv(network.ENV_ADDRESS, "forum.lan")
    assert network.find().host == "forum.lan"


def test_the_command_line_tells_the_servers_address(tmp_path, monkeypatch):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text("[server]\nport = 8600\n", encoding="utf-8")
    env = {network.ENV_ADDRESS: "192.168.4.4"}
    assert network.command_line_url(tmp_path, env) == "https://192.168.4.4:8600"
    assert network.command_line_url(tmp_path, {**env, network.ENV_HTTP: "1"}) == "http://192.168.4.4:8600"
    assert network.command_line_url(tmp_path, {**env, "STREAMLIT_SERVER_PORT": "9000"}) == "https://192.168.4.4:9000"


def test_each_slip_names_its_roles_page_at_the_address_and_how_to_accept_the_certificate():

    from forum_core import printing
    from forum_core.i18n import t
    from tests import pdftext

    slips = [
        {"role": "desk", "label": "1", "code": "AB-CDEFGH"},
        {"role": "projector", "label": "", "code": "CD-EFGHJK"},
    ]

    def text(address: str, lang: str) -> str:
        pdf = printing.access_slips_pdf({"title": "ფორუმი"}, slips, lang, address=address)
        return " ".join(" ".join(page.split()) for page in pdftext.pages(pdf))

    secure = text("https://192.168.1.23:8501", "ka")
    assert "https://192.168.1.23:8501/registration" in secure
    assert "https://192.168.1.23:8501/plenary?lang=ka" in secure
    assert secure.count("Android Chrome") == 2 and secure.count("iPad Safari") == 2
    assert t("ka", "access.slip_open") in secure
    plain = text("http://192.168.1.23:8501", "en")
    assert "http://192.168.1.23:8501/registration" in plain and "Android Chrome" not in plain
