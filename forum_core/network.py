"""The laptop on the venue's network: the address devices in the hall open, and the
certificate that lets them open it over HTTPS.

Found once when the app starts (:func:`at_start`): the address of the interface a packet to
the local network would leave by (a UDP socket is "connected", nothing is sent), and every
other non-loopback address of the laptop (the certificate below names them all).
The organizer can name another with ``FORUM_ADDRESS`` (a name the venue's router gives the
laptop, ``forum.lan``; an IP; or a whole address ``https://forum.lan:8501``): it wins.

The same answer is shown on ``/control`` and ``/access``, encoded in the projector's QR code
and printed on the access slips (page and command line), so no device is told ``localhost``.
Phones are given the public results on a plain-HTTP port beside HTTPS (:func:`results_url`,
:func:`public_port`; ui/public_port.py serves it): no certificate warning on residents' phones.
HTTPS is the default; ``FORUM_HTTP=1`` asks for plain HTTP (tests, benchmarks, an organizer
who knows why).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import ipaddress
import os
import re
import socket
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ENV_ADDRESS = "FORUM_ADDRESS"
ENV_HTTP = "FORUM_HTTP"
ENV_PUBLIC_PORT = "FORUM_PUBLIC_PORT"
DEFAULT_PORT = 8501
ROOT = Path(__file__).resolve().parent.parent

# Interfaces that are not the venue's Wi-Fi or cable: containers, virtual machines, tunnels.
_VIRTUAL_PREFIXES = ("docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "lxc", "lxd", "tun", "tap", "wg", "zt")


def https_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """HTTPS unless the organizer asked for plain HTTP (``FORUM_HTTP=1``, ``true`` or ``yes``)."""
    value = (environ if environ is not None else os.environ).get(ENV_HTTP, "")
    return value.strip().lower() not in {"1", "true", "yes", "on"}


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None


def usable(address: str) -> bool:
    """Whether another device could reach the laptop at ``address``: not loopback, link-local,
    unspecified or multicast."""
    ip = _ip(address)
    return ip is not None and not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def outgoing_address() -> str | None:
    """The address of the interface a packet to the local network leaves by (no packet is sent:
    connecting a UDP socket only picks the route). None without any route."""
    for target in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect((target, 1))
                address = probe.getsockname()[0]
        except OSError:
            continue
        if usable(address):
            return address
    return None


def _linux_ipv4() -> list[tuple[str, str]]:
    """(interface, IPv4 address) of every interface that has one, asked of the kernel."""
    import fcntl
    import struct

    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            with contextlib.suppress(OSError):
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))  # SIOCGIFADDR
                found.append((name, socket.inet_ntoa(packed[20:24])))
    return found


def interface_addresses() -> list[tuple[str, str]]:
    """(interface or "", address) for every address of the laptop another device might reach."""
    found: list[tuple[str, str]] = []
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, ImportError):
            found += _linux_ipv4()
    with contextlib.suppress(OSError, UnicodeError):  # Windows and macOS list their addresses here
        for info in socket.getaddrinfo(socket.gethostname(), None, proto=socket.IPPROTO_TCP):
            found.append(("", str(info[4][0]).split("%")[0]))
    seen, result = set(), []
    for name, address in found:
        if usable(address) and address not in seen:
            seen.add(address)
            result.append((name, address))
    return result


def _preference(item: tuple[str, str]) -> tuple[int, int, int]:
    name, address = item
    ip = _ip(address)
    virtual = name.lower().startswith(_VIRTUAL_PREFIXES)
    return (int(virtual), int(ip is None or ip.version != 4), int(ip is None or not ip.is_private))


def choose_host(configured: str | None, outgoing: str | None, interfaces: list[tuple[str, str]]) -> str:
    """The host phones open: the organizer's choice, else the outgoing interface's address,
    else the likeliest interface (a private IPv4 address of a real interface), else localhost."""
    if configured:
        return split_configured(configured)[1]
    if outgoing and usable(outgoing):
        return outgoing
    candidates = sorted((item for item in interfaces if usable(item[1])), key=_preference)
    return candidates[0][1] if candidates else "localhost"


def split_configured(text: str) -> tuple[str | None, str, int | None]:
    """``FORUM_ADDRESS`` as (scheme or None, host, port or None): ``forum.lan``,
    ``192.168.1.10:8501``, ``[fe80::1]``, ``https://forum.lan:8501/``."""
    text = text.strip()
    parts = urlsplit(text if "://" in text else f"//{text}")
    scheme = parts.scheme.lower() or None
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or text).strip("[]"), port


@dataclass(frozen=True)
class Found:
    """What the laptop's network looks like: the host phones open and every address it has."""

    host: str
    addresses: tuple[str, ...]  # every usable address of the laptop (for the certificate)
    hostname: str
    configured: str | None = None  # FORUM_ADDRESS as the organizer wrote it

    @property
    def reachable(self) -> bool:
        """False when no device but the laptop itself can open the host (no network found)."""
        ip = _ip(self.host)
        return self.host != "localhost" and (ip is None or usable(self.host))


def find(environ: Mapping[str, str] | None = None) -> Found:
    """The laptop's addresses now."""
    environ = environ if environ is not None else os.environ
    configured = (environ.get(ENV_ADDRESS) or "").strip() or None
    outgoing = outgoing_address()
    interfaces = interface_addresses()
    addresses = [address for _, address in interfaces]
    if outgoing and outgoing not in addresses:
        addresses.insert(0, outgoing)
    host = choose_host(configured, outgoing, interfaces)
    return Found(host=host, addresses=tuple(addresses), hostname=socket.gethostname(), configured=configured)


@functools.cache
def at_start() -> Found:
    """The laptop's addresses, found once per process (when the server starts: app.py asks first)."""
    return find()


def base_url(host: str, port: int, https: bool) -> str:
    """``https://host:port`` (brackets around IPv6; no port when it is the scheme's own)."""
    scheme = "https" if https else "http"
    shown = f"[{host}]" if ":" in host else host
    if (https and port == 443) or (not https and port == 80):
        return f"{scheme}://{shown}"
    return f"{scheme}://{shown}:{port}"


def phones_url(port: int, https: bool, found: Found | None = None) -> str:
    """The address devices open (no path). ``FORUM_ADDRESS`` may fix the scheme and port too."""
    found = found or at_start()
    if found.configured:
        scheme, host, own_port = split_configured(found.configured)
        https = https if scheme is None else scheme == "https"
        return base_url(host, own_port or port, https)
    return base_url(found.host, port, https)


def public_port(port: int, https: bool, environ: Mapping[str, str] | None = None) -> int | None:
    """The plain-HTTP port of the public results beside an HTTPS server on ``port``: phones in
    the hall open the results from the projector's QR code, and a self-signed certificate would
    greet each of them with a full-page warning. ``FORUM_PUBLIC_PORT`` names it (``0`` or
    ``off``: none); by default the port after ``port``. None on plain HTTP (the main port serves
    the results then) or when the setting is not a port (``ui/public_port.py`` says so)."""
    if not https:
        return None
    value = (environ if environ is not None else os.environ).get(ENV_PUBLIC_PORT, "").strip().lower()
    if not value:
        return port + 1 if 0 < port < 65535 else None
    if value in {"0", "off", "no", "false"} or not value.isdigit():
        return None
    chosen = int(value)
    return chosen if 0 < chosen <= 65535 and chosen != port else None


def results_url(port: int, https: bool, lang: str | None, public: int | None, found: Found | None = None) -> str:
    """The address phones open for the public results (the projector's QR code, ``/control``,
    ``/access``): ``http://host:<public>/results?lang=..`` while the plain-HTTP listener of the
    public results runs beside an HTTPS server (``public``: its port, None when it does not
    run), else the results at the address every device opens."""
    base = phones_url(port, https, found)
    if public and base.startswith("https://"):
        base = base_url(split_configured(base)[1], public, https=False)
    return page_url(base, "results", lang)


def page_url(base: str, page: str = "", lang: str | None = None) -> str:
    """An address of one page: ``page_url(base, "results", "ka")`` → ``…/results?lang=ka``."""
    url = f"{base.rstrip('/')}/{page.strip('/')}" if page else base.rstrip("/")
    return f"{url}?lang={lang}" if lang else url


def configured_server(root: Path | None = None) -> dict:
    """The ``[server]`` table of ``.streamlit/config.toml`` (for the command line, which runs
    without the server)."""
    with contextlib.suppress(OSError, ValueError):
        text = ((root or ROOT) / ".streamlit" / "config.toml").read_text(encoding="utf-8")
        return tomllib.loads(text).get("server", {})
    return {}


def command_line_url(root: Path | None = None, environ: Mapping[str, str] | None = None) -> str:
    """What the server would tell devices to open, for the command line: the port of
    ``.streamlit/config.toml`` (or ``STREAMLIT_SERVER_PORT``), HTTPS unless ``FORUM_HTTP``
    (or the organizer's own certificate there)."""
    environ = environ if environ is not None else os.environ
    server = configured_server(root)
    try:
        port = int(environ.get("STREAMLIT_SERVER_PORT") or server.get("port") or DEFAULT_PORT)
    except ValueError:
        port = DEFAULT_PORT
    https = https_wanted(environ) or bool(server.get("sslCertFile"))
    return phones_url(port, https, find(environ))


# --- the laptop's own certificate ------------------------------------------------------------
# Tablet browsers open the camera only on https:// pages, and on a shared Wi-Fi codes and the
# device cookie must not travel in clear text: the server uses a self-signed certificate naming
# the laptop's addresses, kept beside the database so devices accept it once (ui/tls.py starts
# the server on it; the command line makes it too, so slips printed before the first start
# carry its fingerprint). It is made again only when it no longer names an address the laptop
# has, its key does not match, or it is about to expire (or not valid yet: a clock set back).

CERT_FILE = "forum-cert.pem"
KEY_FILE = "forum-key.pem"
VALID_DAYS = 397  # the longest validity Apple's devices take for a server certificate
RENEW_BEFORE = dt.timedelta(days=30)
_DNS_NAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def folder_for(db_path: str | os.PathLike) -> Path:
    """Where the certificate lives: ``tls/`` beside the database (``data/tls/``)."""
    return Path(db_path).resolve().parent / "tls"


def names_for(found: Found) -> tuple[frozenset[str], frozenset[str]]:
    """(IP addresses, DNS names) the certificate must name for ``found``."""
    ips = {"127.0.0.1", "::1", *found.addresses}
    names = {"localhost"}
    extra = [found.host]
    if found.hostname:  # and the name local networks announce it by (mDNS)
        extra += [found.hostname, f"{found.hostname.split('.')[0]}.local"]
    if found.configured:
        extra.append(split_configured(found.configured)[1])
    for host in extra:
        try:
            ips.add(str(ipaddress.ip_address(host)))
        except ValueError:
            if _DNS_NAME.fullmatch(host or ""):
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
    folder: str | os.PathLike, found: Found, now: dt.datetime | None = None
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
