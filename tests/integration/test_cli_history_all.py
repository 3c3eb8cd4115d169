"""``aleph-tui credit history --all --format csv|json``: the whole filtered history,
streamed through the dashboard's export code, with memory flat in the number of entries."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.credit_helpers import cli_env, run_cli
from tests.support.devnet_process import RunningDevnet, start_devnet

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = 100_000


@pytest.fixture(scope="module")
def big_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    running = start_devnet(
        tmp_path_factory.mktemp("big-devnet"), "--chain", "embedded", "--history", str(ENTRIES)
    )
    yield running
    running.stop()


def stream(env: dict[str, str], out: Path, *args: str) -> int:
    """Runs ``credit history ARGS`` with stdout to ``out``; the process's peak RSS in KiB
    (its own, from wait4, not the largest of every child this test process reaped)."""
    with out.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "aleph_tui", "credit", "history", "--network", "devnet", *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.PIPE,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, process.stderr and process.stderr.read()
    return usage.ru_maxrss


def node_page(api_url: str, address: str, order: int, size: int = 5) -> list[dict[str, object]]:
    url = f"{api_url}/api/v0/addresses/{address}/credit_history"
    params = {"page": 1, "pagination": size, "sort_order": order}
    response = httpx.get(url, params=params, timeout=60)
    response.raise_for_status()
    items: list[dict[str, object]] = response.json()["credit_history"]
    return items


def test_the_whole_history_streams_as_csv_with_flat_memory(
    big_devnet: RunningDevnet, tmp_path: Path
) -> None:
    address = str(big_devnet.document["history_account"])
    env = cli_env(big_devnet.api_url, tmp_path / "home")
    whole = tmp_path / "all.csv"
    peak_all = stream(env, whole, "--all", "--address", address, "--format", "csv")
    with whole.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == ENTRIES
    # Oldest first, and the ends are the node's own first and last entries.
    oldest, newest = (
        node_page(big_devnet.api_url, address, 1),
        node_page(big_devnet.api_url, address, -1),
    )
    assert [r["credit_ref"] for r in rows[:5]] == [e["credit_ref"] for e in oldest]
    assert [r["credit_ref"] for r in rows[-5:]] == [e["credit_ref"] for e in reversed(newest)]

    # The first tenth of the same history, by date: memory does not grow with the entries.
    cut = rows[ENTRIES // 10 - 1]["timestamp"]
    tenth = tmp_path / "tenth.csv"
    peak_tenth = stream(env, tenth, "--all", "--address", address, "--format", "csv", "--to", cut)
    with tenth.open(newline="") as file:
        assert ENTRIES // 10 <= sum(1 for _ in csv.DictReader(file)) < ENTRIES // 5
    assert peak_all <= peak_tenth * 1.2 + 4096, (peak_all, peak_tenth)


def test_json_to_a_file_holds_the_filtered_set(big_devnet: RunningDevnet, tmp_path: Path) -> None:
    address = str(big_devnet.document["history_account"])
    env = cli_env(big_devnet.api_url, tmp_path / "home")
    out = tmp_path / "incoming.json"
    done = run_cli(
        env,
        "credit", "history", "--network", "devnet", "--address", address, "--all",
        "--format", "json", "--direction", "incoming", "--output", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    summary = httpx.get(
        f"{big_devnet.api_url}/api/v0/addresses/{address}/credit_history",
        params={"page": 1, "pagination": 1, "direction": "incoming"},
        timeout=60,
    ).json()
    assert document["count"] == len(document["entries"]) == summary["pagination_total"]
    assert {e["direction"] for e in document["entries"]} == {"incoming"}
    assert document["filters"]["direction"] == "incoming"
    assert str(out) in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--all"], "--all"),
        (["--format", "csv"], "--format"),
        (["--output", "x.csv"], "--output"),
        (["--all", "--format", "xml"], "--format"),
        (["--all", "--format", ""], "--format"),
        (["--all", "--format", "csv", "--page", "2"], "--page"),
        (["--all", "--format", "csv", "--json"], "--json"),
    ],
)
def test_bad_stream_options_exit_2_naming_the_option(
    big_devnet: RunningDevnet, tmp_path: Path, args: list[str], named: str
) -> None:
    env = cli_env(big_devnet.api_url, tmp_path / "home")
    address = str(big_devnet.document["history_account"])
    done = run_cli(env, "credit", "history", "--network", "devnet", "--address", address, *args)
    assert done.returncode == 2
    assert named in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_an_existing_output_file_is_never_overwritten(
    big_devnet: RunningDevnet, tmp_path: Path
) -> None:
    env = cli_env(big_devnet.api_url, tmp_path / "home")
    out = tmp_path / "kept.csv"
    out.write_text("mine\n")
    address = str(big_devnet.document["history_account"])
    done = run_cli(
        env,
        "credit", "history", "--network", "devnet", "--address", address, "--all",
        "--format", "csv", "--output", str(out),
    )  # fmt: skip
    assert done.returncode == 2 and "--output" in done.stderr
    assert out.read_text() == "mine\n"
