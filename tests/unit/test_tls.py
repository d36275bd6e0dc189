"""The laptop's HTTPS certificate (ui/tls.py): what it names, when it is made again, who may
read its key, and when app.py starts the server again on it."""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from forum_core import network
from ui import tls

LAPTOP = network.Found(host="10.20.0.7", addresses=("10.20.0.7", "172.16.4.2"), hostname="Forum-Laptop")


def load(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_certificate_names_every_address_the_host_name_and_localhost(tmp_path):
    found = network.Found(
        host="forum.lan", addresses=LAPTOP.addresses, hostname=LAPTOP.hostname, configured="https://forum.lan:8501"
    )
    cert_path, key_path, made = network.ensure_certificate(tmp_path, found)
    assert made and cert_path.parent == tmp_path
    cert = load(cert_path)
    ips, names = network.certificate_names(cert)
    assert {"10.20.0.7", "172.16.4.2", "127.0.0.1", "::1"} <= ips
    assert {"forum.lan", "forum-laptop", "localhost"} <= names
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert len(network.fingerprint(cert_path).split(":")) == 32


def test_a_restart_keeps_the_certificate_the_devices_accepted(tmp_path):
    cert_path, key_path, made = network.ensure_certificate(tmp_path, LAPTOP)
    first = cert_path.read_bytes(), key_path.read_bytes()
    again = network.ensure_certificate(tmp_path, LAPTOP, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=200))
    assert again == (cert_path, key_path, False)
    assert (cert_path.read_bytes(), key_path.read_bytes()) == first


def test_a_new_address_a_key_that_does_not_match_or_a_near_expiry_makes_a_new_certificate(tmp_path):
    cert_path, key_path, _ = network.ensure_certificate(tmp_path, LAPTOP)
    before = cert_path.read_bytes()

    moved = network.Found(host="192.168.8.20", addresses=("192.168.8.20",), hostname=LAPTOP.hostname)
    assert network.ensure_certificate(tmp_path, moved)[2]
    assert "192.168.8.20" in network.certificate_names(load(cert_path))[0]
    assert cert_path.read_bytes() != before

    # a key left from another certificate (a half-copied folder) is not served with this one
    other = tmp_path / "other"
    network.ensure_certificate(other, moved)
    key_path.write_bytes((other / network.KEY_FILE).read_bytes())
    assert network.ensure_certificate(tmp_path, moved)[2]

    expiring = dt.datetime.now(dt.UTC) + dt.timedelta(days=network.VALID_DAYS - 10)
    assert network.ensure_certificate(tmp_path, moved, now=expiring)[2]
    assert not network.ensure_certificate(tmp_path, moved, now=expiring)[2]
    assert network.ensure_certificate(tmp_path, moved)[2]  # the clock went back: not valid yet, made again


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_private_key_is_readable_by_its_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0)  # a permissive umask: the key's mode must come from the code itself
    try:
        _, key_path, _ = network.ensure_certificate(tmp_path / "tls", LAPTOP)
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_path.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(key_path.parent.stat().st_mode) & 0o077 == 0
    assert not list(key_path.parent.glob(".*.tmp"))


def test_the_certificate_lives_beside_the_database(tmp_path):
    assert network.folder_for(tmp_path / "forum.duckdb") == (tmp_path / "tls").resolve()


@pytest.fixture
def server_starting(monkeypatch, tmp_path):
    """app.py's import under `streamlit run`, not yet on TLS; os.execve recorded, not run."""
    from streamlit import config

    monkeypatch.setattr(config, "_server_mode", "starlette-app")
    monkeypatch.setattr(network, "at_start", lambda: LAPTOP)
    for name in (network.ENV_HTTP, tls.GUARD, tls.ENV_CERT, tls.ENV_KEY):
        monkeypatch.delenv(name, raising=False)
    restarts = []
    monkeypatch.setattr(tls.os, "execve", lambda path, argv, env: restarts.append((path, argv, env)))
    return restarts


def test_the_server_starts_again_once_on_its_certificate(server_starting, tmp_path):
    tls.start(tmp_path / "forum.duckdb")
    (path, argv, env) = server_starting[0]
    assert path == sys.executable and argv == list(sys.orig_argv)
    assert env[tls.ENV_CERT] == str(tmp_path / "tls" / network.CERT_FILE)
    assert env[tls.ENV_KEY] == str(tmp_path / "tls" / network.KEY_FILE)
    assert env[tls.GUARD] == "1"  # the restarted server does not start again
    os.environ[tls.GUARD] = "1"
    try:
        tls.start(tmp_path / "forum.duckdb")
    finally:
        del os.environ[tls.GUARD]
    assert len(server_starting) == 1


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_plain_http_when_the_organizer_asks_for_it(server_starting, monkeypatch, tmp_path, value):
    monkeypatch.setenv(network.ENV_HTTP, value)
    tls.start(tmp_path / "forum.duckdb")
    assert server_starting == [] and not (tmp_path / "tls").exists()
    assert not network.https_wanted()
    assert network.https_wanted({network.ENV_HTTP: "0"}) and network.https_wanted({})


def test_an_organizers_own_certificate_is_used_as_it_is(server_starting, monkeypatch, tmp_path):
    from streamlit import config

    monkeypatch.setattr(config, "get_option", lambda key: "own.pem" if key == "server.sslCertFile" else 8501)
    tls.start(tmp_path / "forum.duckdb")
    assert server_starting == []


def test_importing_app_outside_streamlit_run_changes_nothing(server_starting, monkeypatch, tmp_path):
    from streamlit import config

    monkeypatch.setattr(config, "_server_mode", None)  # a test or a tool importing app.py
    tls.start(tmp_path / "forum.duckdb")
    assert server_starting == []


def test_connections_the_server_accepts_send_small_answers_at_once():
    """Streamlit's listening socket gets TCP_NODELAY, which accepted connections inherit (a kept-
    alive /api/ping took 44 ms without it, waiting for the client's delayed acknowledgement)."""
    import socket

    with socket.socket() as listening:  # as Streamlit makes it: no protocol named, so asyncio sets nothing
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        tls._no_delay(listening.getsockname()[1])
        with socket.create_connection(listening.getsockname()):
            accepted, _ = listening.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
