"""What the headless commands say, as a new user reads it: the option named is the one
given, figures grouped, every error line starting "aleph-tui: ", plurals right."""

from __future__ import annotations

from pathlib import Path

from aleph_tui.devnet.chain.engine import dev_accounts
from tests.support.credit_helpers import Outcome, cli_env, run_main
from tests.support.devnet_process import RunningDevnet


def one_line(outcome: Outcome, code: int) -> str:
    assert outcome.returncode == code, outcome
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in outcome.stderr, outcome.stderr
    return lines[0]


def test_a_scan_without_accounts_names_its_own_option(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    outcome = run_main(env, {"scan": ["pending", "--scan", "--network", "devnet"]})["scan"]
    line = one_line(outcome, 2)
    assert line.startswith("aleph-tui: --address: none given"), line


def test_every_error_line_starts_with_the_program_name(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    watched = dev_accounts(2)[1].address
    transfer = ["credit", "transfer", "--network", "devnet", "--to", watched, "--amount", "1"]
    outcomes = run_main(
        env,
        {
            "watch": ["account", "watch", "bob", watched],
            "network": ["pricing", "--network", "nonet"],
            "watch-only": [*transfer, "--account", "bob", "-y"],
            "parser": ["check", "--days", "x"],
        },
    )
    assert outcomes["watch"].returncode == 0, outcomes["watch"]
    network = one_line(outcomes["network"], 2)
    assert network.startswith("aleph-tui: --network: unknown network 'nonet'"), network
    watch_only = one_line(outcomes["watch-only"], 2)
    assert watch_only.startswith("aleph-tui: --account: 'bob'"), watch_only
    assert one_line(outcomes["parser"], 2).startswith("aleph-tui check: ")
