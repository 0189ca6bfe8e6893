"""`fangpin serve` keeps its processes running (issue 17.5): a dead child is started again, and
SIGTERM or SIGINT to the supervisor stops every child."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SUPERVISOR = """
import sys
from core.supervise import supervise
code = "import os, sys, time; open(sys.argv[1], 'a').write(f'{os.getpid()}\\\\n'); time.sleep(600)"
child = [sys.executable, "-c", code]
supervise({"a": [*child, sys.argv[1]], "b": [*child, sys.argv[2]]}, stop_timeout=5)
print("stopped", flush=True)
"""


def _pids(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _wait(predicate, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_dead_child_is_restarted_and_a_signal_stops_them_all(tmp_path, stop_signal):
    a, b = tmp_path / "a.pids", tmp_path / "b.pids"
    proc = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(a), str(b)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait(lambda: len(_pids(a)) == 1 and len(_pids(b)) == 1)
        first = _pids(a)[0]
        os.kill(first, signal.SIGKILL)
        assert _wait(lambda: len(_pids(a)) == 2), "the killed child was not started again"
        assert _alive(_pids(a)[1]) and _alive(_pids(b)[0])
        proc.send_signal(stop_signal)
        out, _ = proc.communicate(timeout=20)
        assert "stopped" in out and proc.returncode == 0
        assert _wait(lambda: not any(_alive(p) for p in _pids(a) + _pids(b)), 5)
    finally:
        if proc.poll() is None:
            proc.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cmdline(pid: int) -> bytes:
    """A process's command line; empty once it has gone (a short-lived child, between the listing
    and the reading)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _children(pid: int) -> set[int]:
    """Every descendant of pid (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def test_serve_restarts_a_killed_worker_and_sigterm_stops_gunicorn_and_the_worker(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "SECRET_KEY": "test",
        "FANGPIN_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("FANGPIN_TESTING", None)
    serve = subprocess.Popen(
        [sys.executable, "-m", "fangpin.cli", "serve", "--no-demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def worker_pids() -> list[int]:
            commands = {p: _cmdline(p) for p in _children(serve.pid)}
            return [p for p, c in commands.items() if b"worker" in c and b"gunicorn" not in c]

        def up() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return bool(worker_pids())
            except OSError:
                return False

        assert _wait(up, 120), "serve did not start"
        (worker,) = worker_pids()
        os.kill(worker, signal.SIGKILL)
        assert _wait(lambda: bool(worker_pids()) and worker_pids() != [worker], 60)
        # gunicorn binds its socket before it forks its workers, so they may still be starting.
        assert _wait(
            lambda: len(_children(serve.pid)) >= 3, 60
        )  # gunicorn, its workers, the job worker
        everyone = _children(serve.pid)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        assert _wait(lambda: not any(_alive(p) for p in everyone), 30), "children left running"
    finally:
        if serve.poll() is None:
            serve.kill()
