"""Keeping the server's processes running (`fangpin serve`): gunicorn and the job worker.

`supervise({"web": [...], "worker": [...]})` starts each command as a child, restarts a child
that exits (after a pause that grows while it keeps dying: 1 s, 2 s, 4 s … up to 30 s, back to
1 s once it has run for a minute), and on SIGTERM or SIGINT stops every child (SIGTERM, then
SIGKILL after `stop_timeout`) before it returns. On Linux each child also gets SIGTERM from the
kernel if the supervisor itself dies without cleaning up (PR_SET_PDEATHSIG), so no worker is left
running behind a killed `serve`.

No Django here: the supervisor holds no database connection and imports nothing of the project.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PR_SET_PDEATHSIG = 1
RUN_RESETS_BACKOFF = 60.0  # seconds of life after which a child's restart pause starts again
MAX_PAUSE = 30.0


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """A child's `preexec_fn` on Linux: the child gets SIGTERM when its parent dies (elsewhere
    nothing happens)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    command: Sequence[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    pause: float = 1.0
    restart_at: float = 0.0
    restarts: int = 0
    exits: list[int] = field(default_factory=list)


def supervise(
    commands: Mapping[str, Sequence[str]],
    *,
    env: Mapping[str, str] | None = None,
    stop_timeout: float = 10.0,
    log: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
    poll: float = 0.2,
) -> dict[str, Child]:
    """Run the commands until SIGTERM or SIGINT; returns the children (their exit codes)."""
    stopping: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    children = {name: Child(name, list(command)) for name, command in commands.items()}
    linux = sys.platform.startswith("linux")

    def start(child: Child) -> None:
        child.process = subprocess.Popen(
            child.command,
            env=dict(env) if env is not None else None,
            preexec_fn=die_with_parent if linux else None,
        )
        child.started = time.monotonic()

    try:
        for child in children.values():
            start(child)
        while not stopping:
            now = time.monotonic()
            for child in children.values():
                if child.process is None:
                    if now >= child.restart_at:
                        child.restarts += 1
                        log(f"重新启动{child.name}进程（第{child.restarts}次）")
                        start(child)
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                child.exits.append(code)
                if now - child.started >= RUN_RESETS_BACKOFF:
                    child.pause = 1.0
                delay, child.pause = child.pause, min(child.pause * 2, MAX_PAUSE)
                child.process = None
                child.restart_at = now + delay
                log(f"{child.name}进程已退出（退出码 {code}），{delay:.0f}秒后重新启动")
            time.sleep(poll)
    finally:
        running = [c.process for c in children.values() if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + stop_timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return children
