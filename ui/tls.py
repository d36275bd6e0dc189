"""HTTPS by default: the laptop's own certificate, and the server started on it.

Tablet browsers open the camera only on ``https://`` pages, and on a shared Wi-Fi the codes
and the device cookie must not travel in clear text. ``streamlit run app.py`` therefore serves
HTTPS with a self-signed certificate made here for the laptop's addresses
(``forum_core.network``: every usable IP, the host name, ``localhost``, the organizer's
``FORUM_ADDRESS``), kept beside the database (``data/tls/``) so the devices accept it once: it
is reused across restarts and made again only when it no longer names an address the laptop
has, or is about to expire.

Streamlit 1.67 runs an ``st.App`` under uvicorn, which builds its TLS context from
``server.sslCertFile`` / ``server.sslKeyFile`` *before* it imports ``app.py``; nothing of the
app runs earlier. So when ``app.py`` is imported by a server not yet on TLS, :func:`start`
makes (or renews) the certificate and starts the same command again, once, with those two
options set (as ``STREAMLIT_SERVER_SSL_*`` environment variables, which Streamlit reads like
its command-line flags); ``FORUM_TLS_RESTARTED`` guards against a loop. Everything of
Streamlit's that depends on TLS (secure cookies, the printed address) then sees it from its
first line. ``FORUM_HTTP=1`` keeps plain HTTP; an organizer's own certificate in
``.streamlit/config.toml`` is used as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import ipaddress
import logging
import os
import socket
import sys
from pathlib import Path

from forum_core import network

CERT_FILE = "forum-cert.pem"
KEY_FILE = "forum-key.pem"
VALID_DAYS = 397  # the longest validity Apple's devices take for a server certificate
RENEW_BEFORE = dt.timedelta(days=30)
GUARD = "FORUM_TLS_RESTARTED"
ENV_CERT = "STREAMLIT_SERVER_SSL_CERT_FILE"
ENV_KEY = "STREAMLIT_SERVER_SSL_KEY_FILE"

_LOG = logging.getLogger("forum.tls")


def folder_for(db_path: str | os.PathLike) -> Path:
    """Where the certificate lives: ``tls/`` beside the database (``data/tls/``)."""
    return Path(db_path).resolve().parent / "tls"


def names_for(found: network.Found) -> tuple[frozenset[str], frozenset[str]]:
    """(IP addresses, DNS names) the certificate must name for ``found``."""
    ips = {"127.0.0.1", "::1", *found.addresses}
    names = {"localhost"}
    if found.hostname:
        names.add(found.hostname.lower())
    extra = [found.host]
    if found.configured:
        extra.append(network.split_configured(found.configured)[1])
    for host in extra:
        try:
            ips.add(str(ipaddress.ip_address(host)))
        except ValueError:
            if host and host != "localhost":
                names.add(host.lower())
    return frozenset(str(ipaddress.ip_address(ip)) for ip in ips), frozenset(names)


def certificate_names(cert) -> tuple[frozenset[str], frozenset[str]]:
    """(IP addresses, DNS names) a certificate's subjectAltName holds."""
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return frozenset(), frozenset()
    ips = frozenset(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    names = frozenset(name.lower() for name in san.get_values_for_type(x509.DNSName))
    return ips, names


def _still_good(cert_path: Path, key_path: Path, ips: frozenset[str], names: frozenset[str], now: dt.datetime) -> bool:
    """The stored certificate and key belong together, name every address and are not about to expire."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return False
    if cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        return False
    if cert.not_valid_after_utc - now < RENEW_BEFORE or cert.not_valid_before_utc > now + dt.timedelta(minutes=5):
        return False
    have_ips, have_names = certificate_names(cert)
    return ips <= have_ips and names <= have_names


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` at once (a temporary file renamed over it), created with ``mode``
    so a private key is never readable by others, not even for a moment."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)  # the umask may have taken bits away; never adds any
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def make_certificate(
    ips: frozenset[str], names: frozenset[str], hostname: str, now: dt.datetime
) -> tuple[bytes, bytes]:
    """A self-signed server certificate for ``ips`` and ``names``: (certificate PEM, key PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"forum-day {hostname}"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "forum-day app (self-signed)"),
        ]
    )
    alt = [x509.DNSName(name) for name in sorted(names)] + [
        x509.IPAddress(ipaddress.ip_address(ip)) for ip in sorted(ips)
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))  # a tablet's clock a little behind
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def ensure_certificate(
    folder: str | os.PathLike, found: network.Found, now: dt.datetime | None = None
) -> tuple[Path, Path, bool]:
    """The certificate and key for ``found`` in ``folder``: the stored ones when they still name
    every address, else new ones. Returns (certificate path, key path, made now)."""
    folder = Path(folder)
    now = now or dt.datetime.now(dt.UTC)
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    ips, names = names_for(found)
    if _still_good(cert_path, key_path, ips, names, now):
        return cert_path, key_path, False
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    cert_pem, key_pem = make_certificate(ips, names, found.hostname or "laptop", now)
    _write(key_path, key_pem, 0o600)
    _write(cert_path, cert_pem, 0o644)
    return cert_path, key_path, True


def fingerprint(cert_path: str | os.PathLike) -> str:
    """The certificate's SHA-256 fingerprint as browsers show it (AB:CD:…), to compare on a tablet."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return ":".join(f"{byte:02X}" for byte in cert.fingerprint(hashes.SHA256()))


def _close_listening(port: int) -> None:
    """Close this process's listening sockets on ``port`` (bound by Streamlit before it imported
    app.py; inheritable), so the restarted command can bind the same port."""
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0 and obj.type == socket.SOCK_STREAM:
            with contextlib.suppress(OSError):
                address = obj.getsockname()
                if isinstance(address, tuple) and address[1] == port:
                    obj.close()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def start(db_path: str | os.PathLike) -> None:
    """Called by app.py as it is imported: when HTTPS is wanted and the server is not on TLS yet,
    make or renew the certificate and start the same command again on it (once)."""
    from streamlit import config

    if not network.https_wanted():
        return
    if getattr(config, "_server_mode", None) != "starlette-app":
        return  # not `streamlit run` (a test importing app.py, a benchmark's own runner)
    if config.get_option("server.sslCertFile"):
        return  # on TLS: ours after the restart, or the organizer's own certificate
    if os.environ.get(GUARD):
        _say("forum-day app: HTTPS could not be turned on; serving plain HTTP (see README, HTTPS).")
        return
    found = network.at_start()
    cert, key, made = ensure_certificate(folder_for(db_path), found)
    port = int(config.get_option("server.port"))
    url = network.phones_url(port, True, found)
    _say(
        f"forum-day app: {'new' if made else 'same'} HTTPS certificate {cert} (SHA-256 {fingerprint(cert)}); "
        f"devices open {url} — starting on it"
    )
    env = dict(os.environ, **{GUARD: "1", ENV_CERT: str(cert), ENV_KEY: str(key)})
    _close_listening(port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, list(sys.orig_argv), env)
