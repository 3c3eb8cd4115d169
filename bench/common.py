"""What every benchmark shares: the result row, a devnet subprocess, timing helpers."""

from __future__ import annotations

import contextlib
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aleph_tui.devnet.process import RunningDevnet, start_devnet

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
class Devnet(RunningDevnet):
    """A running ``aleph-tui devnet`` subprocess and its state directory."""

    state_dir: Path = field(default=Path())


@contextlib.contextmanager
def devnet(*args: str) -> Iterator[Devnet]:
    """Start ``aleph-tui devnet --port 0 *args`` in a temporary state directory; stop it after."""
    with tempfile.TemporaryDirectory(prefix="aleph-bench-") as tmp:
        state_dir = Path(tmp) / "state"
        started = start_devnet(
            Path(tmp), "--state", str(state_dir), *args, timeout=DEVNET_START_TIMEOUT_S
        )
        running = Devnet(started.process, started.document, started.log_path, state_dir)
        try:
            yield running
        finally:
            running.stop()


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
