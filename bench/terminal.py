"""Run a full-screen program in a pseudo-terminal and time it until some text is on screen.

Nothing inside the program is hooked: "painted" means the text reached the terminal, as
a user would see it. Escape sequences are stripped before matching.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

COLUMNS, ROWS = 140, 40
ESCAPES = re.compile(
    rb"\x1b(\[[0-9;?<=>$ ]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>78DEHMc])"
)
QUIT = b"\x11"  # ctrl+q


def seconds_until_painted(
    command: list[str], pattern: re.Pattern[bytes], env: dict[str, str], timeout: float = 60.0
) -> float:
    """Seconds from starting ``command`` in a 140×40 pty until ``pattern`` is on screen."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {**env, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    screen = b""
    try:
        deadline = start + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{command[0]}: nothing matching {pattern.pattern!r} painted")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the program ended and closed the terminal
                chunk = b""
            if not chunk:
                text = ESCAPES.sub(b"", screen).decode(errors="replace")[-2000:]
                raise RuntimeError(f"{command[0]} ended before painting; screen:\n{text}")
            screen += chunk
            if pattern.search(ESCAPES.sub(b"", screen)):
                return time.perf_counter() - start
    finally:
        _stop(process, master)


def run_to_exit(command: list[str], env: dict[str, str], timeout: float = 300.0) -> int:
    """Run ``command`` in a 140×40 pty until it exits by itself; its exit status."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {**env, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    os.read(master, 65536)  # drained, so the program never blocks writing
                except OSError:  # it ended and closed the terminal
                    break
        return process.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        _stop(process, master)


def _stop(process: subprocess.Popen[bytes], master: int) -> None:
    with contextlib.suppress(OSError):
        os.write(master, QUIT)
    deadline = time.monotonic() + 5
    while process.poll() is None and time.monotonic() < deadline:
        # Drain the terminal so the program never blocks writing while it quits.
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            with contextlib.suppress(OSError):
                os.read(master, 65536)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    os.close(master)
