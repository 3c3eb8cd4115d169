"""Shared by the history/transfer tests: fresh keys funded by seeded account 0, balances.

Every test that moves credits uses fresh keys, so no test depends on another (or on
other test files) and no expected value comes from seeded totals.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account

from aleph_tui.core.aleph.messages import (
    CREDIT_TRANSFER,
    build_post_message,
    credit_transfer_content,
)
from tests.support.isolation import isolated_env

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Key:
    address: str
    private_key: str


def fresh_key() -> Key:
    account = Account.create()
    return Key(str(account.address), "0x" + bytes(account.key).hex())


def seeded(accounts: list[Any], index: int = 0) -> Key:
    return Key(str(accounts[index].address), str(accounts[index].private_key))


def post_transfer(
    api_url: str,
    sender: Key,
    recipient: str,
    amount: int,
    *,
    expiration_ms: int | None = None,
    sync: bool = True,
) -> httpx.Response:
    message = build_post_message(
        sender.private_key,
        sender.address,
        CREDIT_TRANSFER,
        credit_transfer_content([(recipient, amount, expiration_ms)]),
    )
    return httpx.post(
        f"{api_url}/api/v0/messages", json={"sync": sync, "message": message}, timeout=30
    )


def fund(api_url: str, funder: Key, recipient: str, amount: int) -> None:
    response = post_transfer(api_url, funder, recipient, amount)
    assert response.status_code == 200, response.text


def funded_key(api_url: str, funder: Key, amount: int) -> Key:
    key = fresh_key()
    fund(api_url, funder, key.address, amount)
    return key


def balance(api_url: str, address: str) -> dict[str, Any]:
    response = httpx.get(
        f"{api_url}/api/v0/addresses/{address}/balance",
        params={"include_credit_details": "true"},
        timeout=10,
    )
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def credits(api_url: str, address: str) -> int:
    return int(balance(api_url, address)["credit_balance"])


def message_status(api_url: str, item_hash: str) -> dict[str, Any] | None:
    response = httpx.get(f"{api_url}/api/v0/messages/{item_hash}", timeout=10)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def wait_until(check: Callable[[], bool], *, timeout: float = 10.0, what: str = "") -> None:
    """Poll ``check`` until it holds, failing after ``timeout`` seconds (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def cli_env(api_url: str, home: Path, private_key: str | None = None) -> dict[str, str]:
    """The environment of a headless command: the devnet, a private home, a key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALEPH", "TEXTUAL"))}
    env.update(isolated_env(home), ALEPH_DEVNET_URL=api_url, PYTHONDONTWRITEBYTECODE="1")
    if private_key is not None:
        env["ALEPH_PRIVATE_KEY"] = private_key
    return env


def run_cli(
    env: dict[str, str], *args: str, stdin: Any = subprocess.DEVNULL, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aleph_tui", *args],
        env=env,
        cwd=ROOT,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_cli(env: dict[str, str], *args: str, capture: bool = False) -> subprocess.Popen[str]:
    """``aleph-tui ARGS --network devnet -y --json`` as a real process, for the tests that
    kill it mid-way; its output is piped only with ``capture``."""
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "aleph_tui", *args, "--network", "devnet", "-y", "--json"],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        text=True,
    )


def journal_path(home: Path) -> Path:
    """The journal of a command run with ``cli_env(…, home)``."""
    return home / "data" / "aleph-tui" / "journal.sqlite3"


def journal_states(home: Path) -> list[dict[str, Any]]:
    """Every operation's latest committed state in that journal (read while a writer may
    be writing), oldest first; [] when there is none."""
    from dataclasses import asdict

    from aleph_tui.core.journal.operation_journal import Journal

    path = journal_path(home)
    if not path.exists():
        return []
    journal = Journal(path)
    try:
        return [asdict(op) for op in journal.operations()]
    finally:
        journal.close()


def write_accounts(home: Path, text: str) -> None:
    """An aleph CLI accounts.toml in the command's private config home."""
    path = home / "config" / "aleph" / "accounts.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def run_main(env: dict[str, str], commands: dict[str, list[str]]) -> dict[str, Outcome]:
    """Run many commands through ``aleph_tui.cli.main`` (what ``python -m aleph_tui``
    runs) in this process: a few milliseconds each instead of a process start-up.

    One at a time, in a thread of its own (each command runs its own event loop), with
    ``env`` as the environment and stdout/stderr captured.
    """
    import contextlib
    import io
    import threading

    from aleph_tui.cli import main

    outcomes: dict[str, Outcome] = {}

    def work() -> None:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            for name, args in commands.items():
                out, err = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = main(args)
                outcomes[name] = Outcome(code, out.getvalue(), err.getvalue())
        finally:
            os.environ.clear()
            os.environ.update(saved)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "commands did not finish"
    return outcomes
