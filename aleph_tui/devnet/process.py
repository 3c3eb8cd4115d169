"""Run ``aleph-tui devnet`` as users do: a subprocess that prints one JSON line when ready.

The tests and the benchmarks drive the devnet this way, through the real command.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 60.0


@dataclass
class RunningDevnet:
    process: subprocess.Popen[str]
    document: dict[str, Any]
    log_path: Path

    @property
    def api_url(self) -> str:
        return str(self.document["api_url"])

    @property
    def credit_api_url(self) -> str:
        return str(self.document["credit_api_url"])

    @property
    def rpc_url(self) -> str:
        return str(self.document["rpc_url"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_devnet(log_dir: Path, *args: str, timeout: float = START_TIMEOUT_S) -> RunningDevnet:
    """Start ``aleph-tui devnet --port 0 *args``, its stderr logged in ``log_dir``, and
    return once it printed its ready document (killed and raising if it did not)."""
    from aleph_tui.core.paths import open_private

    log_path = log_dir / "devnet.log"
    with open_private(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "aleph_tui", "devnet", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if line:
                return RunningDevnet(process, json.loads(line), log_path)
        if process.poll() is not None:
            break
    process.kill()
    process.wait()
    raise RuntimeError(f"devnet did not start:\n{log_path.read_text()[-3000:]}")
