"""A small HTTP client for the load benchmarks (localhost only): keep-alive connections, logins,
gunicorn started on a free port, and a latency table.

    server = Server(env, workers=2, threads=4, keep_alive=75); server.start()
    cookies = login(server.port, "county_admin", "demo12345")
    user = Browser(server.port, cookies); status, ms = user.get("/registry/households/")
"""

from __future__ import annotations

import http.client
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # never anything else: these scripts load only this machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving fangpin on a free localhost port (as `fangpin serve` runs it)."""

    def __init__(self, env: dict[str, str], *, workers: int, threads: int, keep_alive: int) -> None:
        self.env = env
        self.port = free_port()
        self.command = [
            sys.executable, "-m", "gunicorn", "fangpin.wsgi:application",
            "--bind", f"{HOST}:{self.port}", "--workers", str(workers), "--threads", str(threads),
            "--keep-alive", str(keep_alive), "--timeout", "300", "--log-level", "warning",
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self, wait: float = 120) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]


def login(port: int, username: str, password: str) -> dict[str, str]:
    """The cookies of a logged-in session (the login form, CSRF token included)."""
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    _cookies(page, jar)
    body = page.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token, "no CSRF token on the login page"
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    )
    conn.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"http://{HOST}:{port}/accounts/login/",
        },
    )
    answer = conn.getresponse()
    _cookies(answer, jar)
    answer.read()
    if answer.status != 302:
        raise SystemExit(f"login as {username} failed ({answer.status})")
    conn.close()
    return jar


class Browser:
    """One user's keep-alive connection; a reset connection counts as an error and reconnects."""

    def __init__(self, port: int, cookies: dict[str, str]) -> None:
        self.port = port
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, float]:
        """(status, milliseconds); status 0 is a connection error (reset, refused, timeout)."""
        status, ms, _ = self.fetch(path)
        return status, ms

    def fetch(self, path: str) -> tuple[int, float, bytes]:
        """(status, milliseconds, body)."""
        path = urllib.parse.quote(path, safe="/?=&%:")
        body = b""
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            self.conn.request("GET", path, headers={"Cookie": self.cookie})
            response = self.conn.getresponse()
            body = response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            status = 0
        return status, (time.perf_counter() - started) * 1000, body


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(len(ordered) * pct / 100) - 1)]


class Tally:
    """Latencies and statuses per page label."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def add(self, label: str, status: int, ms: float) -> None:
        self.samples[label].append(ms)
        if not 200 <= status < 400:
            self.errors[label] += 1

    def rows(self) -> list[dict[str, float | int | str]]:
        out = []
        for label in sorted(self.samples):
            values = sorted(self.samples[label])
            out.append(
                {
                    "page": label,
                    "requests": len(values),
                    "errors": self.errors[label],
                    "median_ms": round(statistics.median(values), 1),
                    "p95_ms": round(percentile(values, 95), 1),
                    "max_ms": round(values[-1], 1),
                }
            )
        return out


def table(rows: list[dict[str, float | int | str]]) -> str:
    """A Markdown table of Tally.rows()."""
    head = (
        "| page | requests | errors | median ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|---:|"
    )
    lines = [
        f"| {r['page']} | {r['requests']} | {r['errors']} | {r['median_ms']} | {r['p95_ms']} "
        f"| {r['max_ms']} |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def bench_env(url: str, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "FANGPIN_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
        "FANGPIN_DEMO": "1",  # the demo logins' password
        "PYTHONPATH": str(ROOT),
    }
    env.pop("FANGPIN_TESTING", None)
    return env
