"""`streamlit run app.py` serves HTTPS on the laptop's own certificate, with nothing else to do.

The real server on a free port and a fresh database: the certificate it made is the one it
serves (Python verifies the connection against that file alone), it names the address devices
open, nothing answers plain HTTP on that port, the device cookie a sign-in sets over TLS is
Secure, HttpOnly and SameSite=Strict, and another site's page cannot show the app in a frame. Beside it, the public results answer plain HTTP on their own
port (phones: no certificate warning), and that port answers nothing else.
(The pages' addresses: tests/pages/test_addresses.py and tests/pages/test_public_port.py.)
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import pytest
from cryptography import x509

from forum_core import network
from forum_core.i18n import t
from tests.e2e.conftest import ARTIFACTS, ORGANIZER_CODE
from tests.e2e.test_forum_day import device_cookie

pytestmark = pytest.mark.e2e


def test_the_app_serves_https_on_its_own_certificate_and_the_cookie_is_secure(browser, tmp_path):
    import streamlit_client as sc

    db = tmp_path / "forum.duckdb"
    public = sc.free_port()
    env = {"FORUM_ORGANIZER_CODE": ORGANIZER_CODE, "FORUM_BACKUP_MINUTES": "0", "FORUM_PUBLIC_PORT": str(public)}
    log = ARTIFACTS / "https.server.log"
    with sc.server(db, extra_env=env, log=log, https=True) as (_, port):
        cert = tmp_path / "tls" / network.CERT_FILE
        assert cert.exists() and (tmp_path / "tls" / network.KEY_FILE).exists()
        trusting = ssl.create_default_context(cafile=str(cert))  # this certificate and nothing else
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/api/ping", context=trusting, timeout=10) as answer:
            assert json.loads(answer.read()) == {"ok": True}
        # no other site may steer the app's pages (Streamlit's default lets its cloud's sites do it)
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/_stcore/host-config", context=trusting) as answer:
            assert json.loads(answer.read())["allowedOrigins"] == []
        with pytest.raises(OSError):  # no plain HTTP beside it
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ping", timeout=5)

        # the public results for phones: plain HTTP on their own port, the same page, nothing else
        with urllib.request.urlopen(f"http://127.0.0.1:{public}/results?lang=en", timeout=10) as answer:
            assert answer.status == 200 and b"data-etag" in answer.read()
            assert "script-src 'sha256-" in answer.headers["Content-Security-Policy"]
            assert answer.headers["Set-Cookie"] is None
        for path in ("/api/ping", "/_stcore/health", "/setup"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{public}{path}", timeout=10)
            assert refused.value.code == 404, path
        told = f"(plain HTTP): {network.results_url(port, True, None, public, network.find())}"
        assert told in log.read_text(errors="replace")  # the terminal names it

        found = network.find()
        served = x509.load_pem_x509_certificate(cert.read_bytes())
        assert found.host in network.certificate_names(served)[0] | {"localhost"}

        context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"https://127.0.0.1:{port}/?lang=en")
        page.locator("input[type=password]").fill(ORGANIZER_CODE)
        page.get_by_role("button", name=t("en", "access.sign_in"), exact=True).click()
        page.wait_for_url("**/setup**")
        cookie = device_cookie(page)  # set by /api/device's answer, over TLS
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        # another site's page cannot show the app in a frame (to lay its own buttons over it)
        framing = context.new_page()
        framing.set_content(f'<iframe onload="this.dataset.loaded = 1" src="https://127.0.0.1:{port}/signin"></iframe>')
        framing.wait_for_selector("iframe[data-loaded]", state="attached")  # an error page loads too
        frame = framing.frames[1]
        assert frame.url.startswith("chrome-error://"), frame.url

        context.close()
