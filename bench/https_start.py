"""What HTTPS by default costs: the server's start (HTTPS restarts the command once on its
certificate, ui/tls.py) and a small request over a kept-alive connection, HTTPS against
plain HTTP (FORUM_HTTP=1), on a fresh database each time.

    python bench/https_start.py --starts 3 --pings 300
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import streamlit_client as sc  # noqa: E402


def pings(port: int, https: bool, db: Path, count: int) -> list[float]:
    """Seconds per GET /api/ping on one kept-alive connection (a page's connection watch)."""
    if https:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=sc.tls_context(db), timeout=10)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        conn.request("GET", "/api/ping")
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 200
        times.append(time.perf_counter() - start)
    conn.close()
    return times


def handshakes(port: int, https: bool, db: Path, count: int) -> list[float]:
    """Seconds per new connection and its first request (a phone opening the app)."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        times += pings(port, https, db, 1)
        times[-1] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--pings", type=int, default=300)
    args = parser.parse_args()
    env = {"FORUM_BACKUP_MINUTES": "0"}
    for https in (False, True):
        starts, kept, fresh = [], [], []
        for _ in range(args.starts):
            with tempfile.TemporaryDirectory() as folder:
                db = Path(folder) / "forum.duckdb"
                began = time.perf_counter()
                with sc.server(db, extra_env=env, https=https) as (_, port):
                    starts.append(time.perf_counter() - began)
                    kept += pings(port, https, db, args.pings)
                    fresh += handshakes(port, https, db, max(1, args.pings // 10))
        name = "HTTPS (own certificate, one restart)" if https else "plain HTTP (FORUM_HTTP=1)"
        print(
            f"{name}: start to healthy median {statistics.median(starts):.2f} s (of {len(starts)}); "
            f"/api/ping kept-alive median {statistics.median(kept) * 1000:.2f} ms, "
            f"p95 {sc.pct(kept, 95) * 1000:.2f} ms; new connection + request median "
            f"{statistics.median(fresh) * 1000:.2f} ms"
        )


if __name__ == "__main__":
    main()
