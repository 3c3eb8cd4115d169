"""What every benchmark shares: the result row, a devnet subprocess, timing helpers."""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEVNET_START_TIMEOUT_S = 180.0


@dataclass
class Result:
    """One row of the issue's table (``number`` is the row, 1..6)."""

    number: int
    measure: str
    value: float
    unit: str
    baseline: float | None
    target: str
    ok: bool
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


@dataclass
class Devnet:
    """A running ``aleph-tui devnet`` subprocess."""

    process: subprocess.Popen[str]
    document: dict[str, Any]
    state_dir: Path
    log_path: Path = field(repr=False)

    @property
    def api_url(self) -> str:
        return str(self.document["api_url"])

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


@contextlib.contextmanager
def devnet(*args: str) -> Iterator[Devnet]:
    """Start ``aleph-tui devnet --port 0 *args`` in a temporary state directory; stop it after."""
    with tempfile.TemporaryDirectory(prefix="aleph-bench-") as tmp:
        state_dir = Path(tmp) / "state"
        log_path = Path(tmp) / "devnet.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "aleph_tui",
                    "devnet",
                    "--port",
                    "0",
                    "--state",
                    str(state_dir),
                    *args,
                ],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            running: Devnet | None = None
            try:
                running = Devnet(process, _await_document(process, log_path), state_dir, log_path)
                yield running
            finally:
                if running is not None:
                    running.stop()
                elif process.poll() is None:
                    process.kill()
                    process.wait()


def _await_document(process: subprocess.Popen[str], log_path: Path) -> dict[str, Any]:
    assert process.stdout is not None
    deadline = time.monotonic() + DEVNET_START_TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if line:
                document: dict[str, Any] = json.loads(line)
                return document
        if process.poll() is not None:
            break
    raise RuntimeError(f"devnet did not start:\n{log_path.read_text()[-3000:]}")


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


class Timer:
    """Seconds between entering and leaving a ``timed()`` block."""

    start: float = 0.0
    elapsed: float = 0.0


@contextlib.contextmanager
def timed() -> Iterator[Timer]:
    timer = Timer()
    timer.start = time.perf_counter()
    try:
        yield timer
    finally:
        timer.elapsed = time.perf_counter() - timer.start


def format_line(result: Result) -> str:
    ratio = result.ratio
    baseline = "—" if result.baseline is None else f"{result.baseline:.4g} {result.unit}"
    ratio_text = "" if ratio is None else f"  ratio {ratio:.3f}×"
    verdict = "ok  " if result.ok else "MISS"
    note = f"  ({result.note})" if result.note else ""
    return (
        f"[{verdict}] {result.number}. {result.measure}: {result.value:.4g} {result.unit}"
        f"  baseline {baseline}{ratio_text}  target {result.target}{note}"
    )


def report(results: Sequence[Result]) -> None:
    for result in results:
        print(format_line(result), flush=True)


def main_for(run: Any) -> None:
    """``python -m bench.bN_name``: run one benchmark and print its lines."""
    results = run()
    report(results)
    sys.exit(0 if all(r.ok for r in results) else 1)
