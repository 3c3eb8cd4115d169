"""Row 7: the CCN API under load. wrk (Debian's ``wrk`` package), 200 connections, 2
threads, 15 s per target, on one devnet: balance reads of a seeded account against pages
of its credit history (page 3, 50 rows), in the same run. One row per chain engine.

The target is a ratio, not an absolute figure: balance reads at least as fast as those
history pages, with a p99 no worse, and no errors.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from aleph_tui.devnet.chain.engine import dev_accounts, find_anvil
from bench.common import Result, devnet, main_for

CONNECTIONS = 200
THREADS = 2
DURATION_S = 15
HISTORY_QUERY = "page=3&pagination=50"
WRK_MISSING = "wrk is not installed (Debian: apt-get install wrk)"


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    p99_ms: float
    errors: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> Load:
    """Requests/s, the p99 latency (``--latency``) and every error wrk counted."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if rate is None or p99 is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return Load(float(rate.group(1)), float(p99.group(1)) * _UNITS_MS[p99.group(2)], errors)


def wrk(url: str) -> Load:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{DURATION_S}s",
        "--timeout",
        "10s",
        "--latency",
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=DURATION_S + 60, check=True
    )
    return parse_wrk(done.stdout)


def measure(engine: str) -> Result:
    address = dev_accounts(2)[1].address  # seeded: a year of history
    with devnet("--chain", engine) as net:
        base = f"{net.api_url}/api/v0/addresses/{address}"
        balance = wrk(f"{base}/balance")
        history = wrk(f"{base}/credit_history?{HISTORY_QUERY}")
    ok = (
        balance.requests_per_s >= history.requests_per_s
        and balance.p99_ms <= history.p99_ms
        and balance.errors == history.errors == 0
    )
    return Result(
        number=7,
        measure=f"balance reads under {CONNECTIONS} connections ({engine} chain), "
        f"against history pages ({HISTORY_QUERY})",
        value=balance.requests_per_s,
        unit="req/s",
        baseline=history.requests_per_s,
        target="≥ 1× the history pages' rate, p99 no worse, 0 errors",
        ok=ok,
        note=f"p99 {balance.p99_ms:.0f} ms against {history.p99_ms:.0f} ms; "
        f"errors {balance.errors} and {history.errors}",
    )


def run() -> list[Result]:
    if shutil.which("wrk") is None:
        raise RuntimeError(WRK_MISSING)
    engines = ["embedded"] + (["anvil"] if find_anvil() is not None else [])
    return [measure(engine) for engine in engines]


if __name__ == "__main__":
    main_for(run)
