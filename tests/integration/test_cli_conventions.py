"""The command-line conventions a new user relies on: ``--version``, ``--debug``, quiet
closed pipes, no dashboard without a terminal, help on every option, shell completion."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

import aleph_tui
from aleph_tui.cli import CLOSED_PIPE_STATUS, build_parser
from aleph_tui.cli.tui_command import NO_TERMINAL
from tests.support.devnet_process import RunningDevnet

DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ALEPH", "XDG"))},
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        **extra,
    }


def _run(
    argv: list[str], env: dict[str, str], stdout: int = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aleph_tui", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_version_is_the_installed_distributions(tmp_path: Path) -> None:
    done = _run(["--version"], _env(tmp_path))
    assert done.returncode == 0
    assert done.stdout.strip() == f"aleph-tui {metadata.version('aleph-tui')}"
    assert metadata.version("aleph-tui") == aleph_tui.__version__


@pytest.mark.parametrize(
    "argv", [["account", "list", "--json"], ["account", "list"], ["completion", "bash"]]
)
def test_a_closed_pipe_stops_the_command_quietly(argv: list[str], tmp_path: Path) -> None:
    """``aleph-tui … | head``: the reader is gone before anything is written (a pipe
    whose read end is closed), so every write fails, whatever the output's size."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = _run(argv, _env(tmp_path), stdout=write_end)
    finally:
        os.close(write_end)
    assert done.returncode == CLOSED_PIPE_STATUS == 141
    assert done.stderr == ""


def test_the_dashboard_refuses_to_start_without_a_terminal(tmp_path: Path) -> None:
    done = _run(["--devnet"], _env(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip() == f"aleph-tui: {NO_TERMINAL}"
    assert done.stdout == ""  # not one escape code


def test_the_dashboard_on_a_network_refuses_without_a_terminal(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    done = _run(["--network", "devnet"], _env(tmp_path, ALEPH_DEVNET_URL=devnet.api_url))
    assert done.returncode == 1
    assert done.stderr.strip() == f"aleph-tui: {NO_TERMINAL}"
    assert done.stdout == ""


def _failing_buy(
    home: Path, key: str, *options: str, after: tuple[str, ...] = (), **extra: str
) -> subprocess.CompletedProcess[str]:
    env = _env(home, ALEPH_PRIVATE_KEY=key, ALEPH_DEVNET_URL=DEAD_URL, **extra)
    argv = [*options, "credit", "buy", "--network", "devnet", "--token", "usdc", "--amount", "1"]
    return _run([*argv, "-y", *after], env)


@pytest.mark.parametrize("switch", ["--debug before", "--debug after", "ALEPH_TUI_DEBUG=1"])
def test_debug_gives_the_traceback_and_a_private_log_without_secrets(
    switch: str, tmp_path: Path
) -> None:
    key = secrets.token_hex(32)
    if switch == "ALEPH_TUI_DEBUG=1":
        done = _failing_buy(tmp_path, key, ALEPH_TUI_DEBUG="1")
    elif switch == "--debug before":
        done = _failing_buy(tmp_path, key, "--debug")
    else:
        done = _failing_buy(tmp_path, key, after=("--debug",))
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("aleph-tui: devnet unavailable")
    log = tmp_path / "state" / "aleph-tui" / "debug.log"
    assert f"debug log: {log}" in done.stderr
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert "Traceback (most recent call last)" in log.read_text()
    assert key not in log.read_text() and key not in done.stderr


def test_without_debug_a_failure_is_one_line(tmp_path: Path) -> None:
    done = _failing_buy(tmp_path, secrets.token_hex(32))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "state" / "aleph-tui" / "debug.log").exists()


def test_a_bad_debug_variable_is_bad_input(tmp_path: Path) -> None:
    done = _run(["account", "list"], _env(tmp_path, ALEPH_TUI_DEBUG="yes"))
    assert done.returncode == 2
    assert done.stderr.strip() == "aleph-tui: ALEPH_TUI_DEBUG: must be 1 (on) or 0 (off)"


def _parsers(
    parser: argparse.ArgumentParser, path: str
) -> Iterator[tuple[str, argparse.ArgumentParser, argparse.Action]]:
    for action in parser._actions:
        yield path, parser, action
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


def test_every_option_and_command_has_help() -> None:
    missing = []
    for path, _, action in _parsers(build_parser(), "aleph-tui"):
        if isinstance(action, argparse._SubParsersAction):
            helped = {choice.dest for choice in action._choices_actions if choice.help}
            missing += [f"{path} {name}" for name in action.choices if name not in helped]
        elif not action.help:  # argparse.SUPPRESS: hidden on purpose
            missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


# The commands that never read a network: the account store (but `account balance`), the
# devnet itself, the shell completion, and the dashboard server (no --json); and `credit`,
# only a group of commands.
_LOCAL = ("aleph-tui devnet", "aleph-tui account", "aleph-tui completion", "aleph-tui serve")
_NETWORKED = ("aleph-tui account balance",)
COMMON_OPTIONS = {"--network", "--api-url", "--rpc-url", "--json"}


def test_every_command_that_reads_a_network_takes_the_common_options() -> None:
    """The README: every command takes --network, --api-url, --rpc-url and --json. `usage
    threshold --network devnet 5000000` read 'devnet' as its CREDITS (exit 2)."""
    options: dict[str, set[str]] = {}
    for path, _, action in _parsers(build_parser(), "aleph-tui"):
        local = path.startswith(_LOCAL) and path not in _NETWORKED
        if " " in path and not local and path != "aleph-tui credit":
            options.setdefault(path, set()).update(action.option_strings)
    assert {"aleph-tui usage threshold", "aleph-tui account balance"} <= options.keys()
    missing = {path: COMMON_OPTIONS - given for path, given in options.items()}
    assert {path: gaps for path, gaps in missing.items() if gaps} == {}


def test_the_readme_documents_every_command() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    commands = {
        f"{parent} {name}"
        for parent, _, action in _parsers(build_parser(), "aleph-tui")
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }
    assert sorted(c for c in commands if f"`{c}" not in readme and f"\n{c}" not in readme) == []


def test_bash_loads_the_completion_of_every_command(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    script = tmp_path / "aleph-tui.bash"
    done = _run(["completion", "bash"], _env(tmp_path))
    assert done.returncode == 0, done.stderr
    script.write_text(done.stdout)
    # What bash offers after "aleph-tui ", computed by the loaded completion function.
    probe = (
        f"source {script}; COMP_WORDS=(aleph-tui ''); COMP_CWORD=1; COMP_LINE='aleph-tui '; "
        "COMP_POINT=${#COMP_LINE}; _shtab_aleph_tui aleph-tui '' aleph-tui; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    offered = subprocess.run(
        [bash, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    commands = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    assert set(commands) <= {line.strip() for line in offered.stdout.splitlines()}, offered


def test_zsh_completion_names_every_command(tmp_path: Path) -> None:
    done = _run(["completion", "zsh"], _env(tmp_path))
    assert done.returncode == 0
    assert done.stdout.startswith("#compdef aleph-tui")
    commands = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    described = {line.strip().partition(":")[0] for line in done.stdout.splitlines()}
    assert set(commands) <= described
