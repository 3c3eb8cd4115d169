"""The benchmark suite's own pieces (the benchmarks themselves run with `python -m bench`,
never in the test suite)."""

from __future__ import annotations

import importlib
import os
import re
import sys

import pytest

from bench import terminal
from bench.__main__ import BENCHMARKS
from bench.common import Result, format_line, median, percentile, timed


def test_every_benchmark_module_imports_and_has_run() -> None:
    for number, name in BENCHMARKS.items():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if number in (3, 4) and exc.name == name:  # another engineer's, maybe not yet in
                continue
            raise
        assert callable(module.run), name


def test_ratio_is_value_over_baseline() -> None:
    row = Result(1, "balance", 0.5, "s", 2.0, "≤ 0.25×", True)
    assert row.ratio == 0.25
    assert Result(5, "buy", 0.4, "s", None, "< 2 s", True).ratio is None
    line = format_line(row)
    assert "ratio 0.250×" in line and line.startswith("[ok  ] 1.")
    assert row.as_dict()["ratio"] == 0.25


def test_percentile_and_median() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([3.0], 95) == 3.0
    assert median([5.0, 1.0, 3.0]) == 3.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_timed_measures_the_block() -> None:
    with timed() as timer:
        sum(range(1000))
    assert timer.elapsed > 0


def test_screen_text_is_matched_across_escape_sequences() -> None:
    painted = b"\x1b[1;1H\x1b[38;5;189;48;5;16mCredits 483,147,991\x1b[0m\x1b]22;default\x07"
    assert re.search(rb"Credits 483,147,991", terminal.ESCAPES.sub(b"", painted))


def test_a_program_run_to_its_exit_in_the_pty_gives_its_status() -> None:
    program = (
        "import os, sys; os.write(1, b'x' * 200_000); sys.exit(os.get_terminal_size().columns)"
    )
    # More than a pty holds unread: the output is drained while it runs.
    status = terminal.run_to_exit([sys.executable, "-c", program], dict(os.environ))
    assert status == terminal.COLUMNS  # the size is the pty's, 140 columns


def test_the_command_runs_every_benchmark_by_default_and_refuses_unknown_numbers() -> None:
    from bench.__main__ import chosen

    assert chosen([]) == [1, 2, 3, 4, 5, 6, 7]
    assert chosen(["4", "2"]) == [4, 2]
    with pytest.raises(SystemExit):
        chosen(["9"])


def test_the_dashboard_in_the_bench_paints_at_the_users_frame_cap() -> None:
    """Row 3 runs the dashboard inside the benchmark's process, after rows 1 and 2: none
    of them may import Textual before aleph_tui.ui sets its frame cap."""
    import subprocess
    import sys

    probe = (
        "import bench.b1_cli_balance, bench.b2_tui_start, bench.b3_history; "
        "import textual.constants as c; print(c.MAX_FPS)"
    )
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert done.stdout.strip() == "120", done.stderr


def test_wrk_output_is_read_with_its_errors() -> None:
    from bench.b7_load import parse_wrk

    output = """Running 15s test @ http://127.0.0.1:1/api/v0/addresses/0x1/balance
  2 threads and 200 connections
  Latency Distribution
     50%   20.11ms
     75%   30.00ms
     90%   50.10ms
     99%    1.20s
  100000 requests in 15.00s, 40.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   6666.67
Transfer/sec:      2.67MB
"""
    load = parse_wrk(output)
    assert (load.requests_per_s, load.p99_ms, load.errors) == (6666.67, 1200.0, 12)
    with pytest.raises(RuntimeError):
        parse_wrk("wrk: unable to connect")
