"""``aleph-tui check`` (core/flows/account_check.py) against the seeded devnet: what cron
and systemd timers rely on, the exit status (0 all fine, 3 a warning, 1 could not check,
2 bad input) and the report of every account.

Expected alerts are computed independently (tests/support/forecast_reference.py) from
each account's whole history, at the instant the command reports in its JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.support.credit_helpers import Outcome, cli_env, run_main, seeded, write_accounts
from tests.support.devnet_process import RunningDevnet
from tests.support.forecast_reference import (
    DAY,
    PERIOD,
    consumed_over,
    day_by_day,
    history_rows,
    replay,
    when,
)

NAMES = ("alpha", "bravo", "charlie")


@pytest.fixture
def addresses(accounts: list[Any]) -> list[str]:
    return [seeded(accounts, i).address for i in range(3)]


@pytest.fixture
def env(devnet: RunningDevnet, tmp_path: Path, addresses: list[str]) -> dict[str, str]:
    """A home whose account store holds the three seeded accounts."""
    entries = "".join(
        f'[[accounts]]\nname = "{name}"\nchain = "ETH"\naddress = "{address}"\nkind = "local"\n\n'
        for name, address in zip(NAMES, addresses, strict=True)
    )
    write_accounts(tmp_path, f'default = "{NAMES[0]}"\n\n{entries}')
    return cli_env(devnet.api_url, tmp_path)


def expected_alerts(api_url: str, address: str, at: dt.datetime, days: int) -> set[str]:
    rows = history_rows(api_url, address)
    outlook = day_by_day(replay(rows, at), consumed_over(rows, at - PERIOD, at), at)
    horizon = at + days * DAY
    kinds = set()
    if outlook.runs_out is not None and outlook.runs_out <= horizon:
        kinds.add("runs_out")
    if any(expires <= horizon for expires, _ in outlook.lost):
        kinds.add("expiring")
    return kinds


def _report(outcome: Outcome) -> dict[str, Any]:
    assert outcome.stderr == "", outcome
    data: dict[str, Any] = json.loads(outcome.stdout)
    assert outcome.returncode == data["exit_code"]
    return data


def test_check_warns_of_what_runs_out_or_expires_within_the_days(
    devnet: RunningDevnet, env: dict[str, str], addresses: list[str]
) -> None:
    """Every account is checked; each one's alerts are those of the independent
    forecast; a warning anywhere exits 3, none exits 0. The seed holds a lot of
    ``bravo`` expiring in about five days, and every account runs out within a year."""
    base = ["check", "--network", "devnet", "--json"]
    outcomes = run_main(
        env,
        {
            "3": [*base, "--days", "3"],
            "default": base,
            "400": [*base, "--days", "400"],
            "text": ["check", "--network", "devnet", "--days", "400"],
        },
    )
    seen: dict[str, set[str]] = {}
    for days, name in ((3, "3"), (7, "default"), (400, "400")):
        report = _report(outcomes[name])
        at = when(report["at"])
        assert at is not None
        assert report["days"] == days and report["below"] is None
        assert [a["name"] for a in report["addresses"]] == list(NAMES)
        assert [a["address"] for a in report["addresses"]] == addresses
        alerts = set()
        for entry in report["addresses"]:
            expected = expected_alerts(devnet.api_url, entry["address"], at, days)
            assert {a["kind"] for a in entry["alerts"]} == expected, (days, entry)
            assert entry["status"] == ("warning" if expected else "ok")
            assert entry["error"] is None and entry["threshold"] is None
            alerts |= expected
        seen[name] = alerts
        assert report["status"] == ("warning" if alerts else "ok")
        assert outcomes[name].returncode == (3 if alerts else 0)
    assert seen == {"3": set(), "default": {"expiring"}, "400": {"runs_out", "expiring"}}
    text = outcomes["text"]
    assert text.returncode == 3
    lines = text.stdout.splitlines()
    assert lines[0] == "Checked 3 addresses on devnet, 400 days ahead: 0 ok, 3 warnings, 0 failed"
    assert all(line.startswith("WARN") and "credits run out" in line for line in lines[1:])


def test_check_uses_each_accounts_threshold_unless_below_is_given(
    env: dict[str, str], addresses: list[str]
) -> None:
    balance = _report(
        run_main(env, {"c": ["check", "--network", "devnet", "--json", "--days", "1"]})["c"]
    )
    held = {a["address"]: a["balance"] for a in balance["addresses"]}
    outcomes = run_main(
        env,
        {
            "set": ["usage", "threshold", "--address", NAMES[0], str(held[addresses[0]] + 1)],
            "own": ["check", "--network", "devnet", "--json", "--days", "1"],
            "low": ["check", "--network", "devnet", "--json", "--days", "1", "--below", "1"],
            "high": [
                "check",
                "--network",
                "devnet",
                "--json",
                "--days",
                "1",
                "--below",
                str(max(held.values()) + 1),
            ],
            "one": ["check", "--network", "devnet", "--days", "1", "--address", NAMES[2]],
        },
    )
    assert outcomes["set"].returncode == 0
    own = _report(outcomes["own"])
    assert [a["status"] for a in own["addresses"]] == ["warning", "ok", "ok"]
    assert [k["kind"] for k in own["addresses"][0]["alerts"]] == ["below"]
    assert own["addresses"][0]["threshold"] == held[addresses[0]] + 1
    assert outcomes["own"].returncode == 3
    assert _report(outcomes["low"])["status"] == "ok" and outcomes["low"].returncode == 0
    high = _report(outcomes["high"])
    assert [[k["kind"] for k in a["alerts"]] for a in high["addresses"]] == [["below"]] * 3
    assert outcomes["high"].returncode == 3
    one = outcomes["one"]
    # An --address given by name is shown with it, as in the check of every account.
    first, line = one.stdout.splitlines()[:2]
    assert one.returncode == 0 and line.startswith(f"OK   {NAMES[2]} ({addresses[2]})"), line
    assert first == "Checked 1 address on devnet, 1 day ahead: 1 ok, 0 warnings, 0 failed"


def _dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_check_that_cannot_read_the_node_exits_1(env: dict[str, str], addresses: list[str]) -> None:
    """Each address is reported with why it could not be checked; exit 1, not 0."""
    dead = ["check", "--network", "mainnet", "--api-url", _dead_url()]
    outcomes = run_main(env, {"json": [*dead, "--json"], "text": dead})
    report = _report(outcomes["json"])
    assert report["status"] == "error" and outcomes["json"].returncode == 1
    for entry in report["addresses"]:
        assert entry["status"] == "error" and "cannot reach" in entry["error"]
        assert entry["balance"] is None and entry["alerts"] == []
    assert outcomes["text"].returncode == 1
    assert all(
        line.startswith("FAIL") and "could not check" in line
        for line in outcomes["text"].stdout.splitlines()[1:]
    )


def test_check_without_accounts_and_bad_input(devnet: RunningDevnet, tmp_path: Path) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    base = ["check", "--network", "devnet"]
    outcomes = run_main(
        env,
        {
            "none": base,
            "days0": [*base, "--days", "0"],
            "days": [*base, "--days", "week"],
            "below": [*base, "--below", "1.5"],
            "empty": [*base, "--below", " "],
            "address": [*base, "--address", "0x1234"],
        },
    )
    none = outcomes["none"]
    assert none.returncode == 1 and "no accounts to check" in none.stderr
    assert "aleph-tui account watch" in none.stderr  # the way to check an address alone
    for name, option in (
        ("days0", "--days"),
        ("days", "--days"),
        ("below", "--below"),
        ("empty", "--below"),
        ("address", "--address"),
    ):
        outcome = outcomes[name]
        assert outcome.returncode == 2, (name, outcome)
        assert outcome.stdout == ""
        lines = outcome.stderr.strip().splitlines()
        assert len(lines) == 1 and option in lines[0], (name, outcome.stderr)


def test_check_looks_at_watched_addresses_too(
    env: dict[str, str], addresses: list[str], accounts: list[Any]
) -> None:
    """A watch-only address (no key, in aleph-tui's own file) is checked like an account,
    once, even when an account has the same address."""
    watched = seeded(accounts, 4).address
    outcomes = run_main(
        env,
        {
            "watch": ["account", "watch", "savings", watched],
            "again": ["account", "watch", "mirror", addresses[0]],
        },
    )
    assert outcomes["watch"].returncode == 0, outcomes["watch"]
    assert outcomes["again"].returncode == 2, outcomes["again"]  # an account's own address
    assert f"is your account {NAMES[0]}" in outcomes["again"].stderr
    # A watched.toml edited by hand may hold it anyway: still checked once.
    with (Path(env["XDG_CONFIG_HOME"]) / "aleph-tui" / "watched.toml").open("a") as file:
        file.write(f'\n[[watched]]\nname = "mirror"\naddress = "{addresses[0]}"\n')
    check = run_main(env, {"check": ["check", "--network", "devnet", "--json"]})["check"]
    entries = _report(check)["addresses"]
    assert [e["address"] for e in entries] == [*addresses, watched]
    assert [e["watch_only"] for e in entries] == [False, False, False, True]
    assert entries[-1]["name"] == "savings"
