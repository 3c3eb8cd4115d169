"""``aleph-tui account balance [ADDRESS]`` against the devnet: JSON shape, the aleph CLI's
text, addresses, account names, aliases and the default account, and bad input.

The JSON case runs as a real process; the others go through the CLI's main() in this
process (see tests.support.credit_helpers.run_main), which is what ``python -m aleph_tui`` runs.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aleph_tui.core.formatting import credits_usd
from tests.support.credit_helpers import (
    Key,
    balance,
    cli_env,
    fresh_key,
    post_transfer,
    run_cli,
    run_main,
    seeded,
    write_accounts,
)
from tests.support.devnet_process import RunningDevnet

BALANCE_KEYS = {
    "network",
    "address",
    "aleph",
    "aleph_by_chain",
    "locked",
    "available",
    "credits",
    "credits_usd",
    "credit_lots",
}
LOT_KEYS = {"expiration", "amount", "usd"}


@pytest.fixture(scope="module")
def reader(accounts: list[Any]) -> str:
    return seeded(accounts, 2).address


@pytest.fixture(scope="module")
def funder(accounts: list[Any]) -> Key:
    return seeded(accounts, 0)


def _balance(*args: str) -> list[str]:
    return ["account", "balance", *args, "--network", "devnet"]


def test_balance_json_shape_as_a_process(
    devnet: RunningDevnet, tmp_path: Path, reader: str
) -> None:
    result = run_cli(cli_env(devnet.api_url, tmp_path), *_balance(reader.lower(), "--json"))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    node = balance(devnet.api_url, reader)
    assert set(data) == BALANCE_KEYS
    assert (data["network"], data["address"]) == ("devnet", reader)
    assert Decimal(data["aleph"]) == Decimal(str(node["balance"])) > 0
    assert data["aleph_by_chain"] == {"ETH": data["aleph"]}
    assert Decimal(data["available"]) == Decimal(data["aleph"]) - Decimal(data["locked"])
    assert data["credits"] == node["credit_balance"] > 0
    assert Decimal(data["credits_usd"]) == Decimal(data["credits"]) / 1_000_000
    assert data["credit_lots"]
    for lot in data["credit_lots"]:
        assert set(lot) == LOT_KEYS and type(lot["amount"]) is int
        assert Decimal(lot["usd"]) == Decimal(lot["amount"]) / 1_000_000
    assert sum(lot["amount"] for lot in data["credit_lots"]) == data["credits"]
    expirations = [lot["expiration"] for lot in data["credit_lots"] if lot["expiration"]]
    assert expirations == sorted(expirations) and all(e.endswith("Z") for e in expirations)


def test_names_aliases_the_default_account_and_text(
    devnet: RunningDevnet, tmp_path: Path, reader: str, funder: Key
) -> None:
    main_account, friend = fresh_key().address, fresh_key().address
    # Give the default account one lot with a known expiration, sooner than any source lot.
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    expiration_ms = int(expires.timestamp()) * 1000
    response = post_transfer(
        devnet.api_url, funder, main_account, 3_900_000, expiration_ms=expiration_ms
    )
    assert response.status_code == 200, response.text
    write_accounts(
        tmp_path,
        f'default = "main"\n\n[[accounts]]\nname = "main"\nchain = "ETH"\n'
        f'address = "{main_account}"\nkind = "local"\n\n'
        f'[[aliases]]\nname = "reader"\naddress = "{reader.lower()}"\n'
        f'[[aliases]]\nname = "friend"\naddress = "{friend}"\n',
    )
    runs = run_main(
        cli_env(devnet.api_url, tmp_path),
        {
            "default": _balance("--json"),
            "name": _balance("main", "--json"),
            "alias": _balance("reader", "--json"),
            "empty": _balance("friend", "--json"),
            "text": _balance(),
        },
    )
    for run in runs.values():
        assert run.returncode == 0 and run.stderr == "", run.stderr
    default, by_name = json.loads(runs["default"].stdout), json.loads(runs["name"].stdout)
    assert default == by_name
    assert (default["address"], default["credits"], default["credits_usd"]) == (
        main_account,
        3_900_000,
        "3.9",
    )
    assert default["credit_lots"] == [
        {
            "expiration": expires.isoformat().replace("+00:00", "Z"),
            "amount": 3_900_000,
            "usd": "3.9",
        }
    ]
    assert json.loads(runs["alias"].stdout)["address"] == reader
    empty = json.loads(runs["empty"].stdout)
    assert (empty["address"], empty["credits"], empty["credit_lots"]) == (friend, 0, [])
    assert (empty["aleph"], empty["locked"], empty["available"]) == ("0", "0", "0")

    text = runs["text"].stdout.splitlines()
    assert text[0] == f"Address    {main_account}  (devnet)"
    assert [line.split()[0] for line in text[1:5]] == ["ALEPH", "Locked", "Available", "Credits"]
    assert text[4] == "Credits    3,900,000 ($3.90)"
    assert text[5] == "Credits by expiration"
    assert text[6].split() == [
        *expires.strftime("%Y-%m-%d %H:%M").split(),
        "UTC",
        "3,900,000",
        "$3.90",
    ]


def test_the_seeded_lots_in_text(devnet: RunningDevnet, tmp_path: Path, reader: str) -> None:
    run = run_main(cli_env(devnet.api_url, tmp_path), {"text": _balance(reader)})["text"]
    assert run.returncode == 0, run.stderr
    node = balance(devnet.api_url, reader)
    lines = run.stdout.splitlines()
    assert lines[1].startswith("ALEPH      ") and "(ETH " in lines[1]
    lots = lines[lines.index("Credits by expiration") + 1 :]
    assert len(lots) == len(node["credit_balance_details"])
    for line, lot in zip(lots, node["credit_balance_details"], strict=True):
        when = lot["expiration_date"]
        assert line.split()[0] == (when[:10] if when else "never")
        assert line.split()[-2:] == [f"{lot['amount']:,}", credits_usd(lot["amount"])]


BAD = {
    "short": _balance("0x1234"),
    "checksum": _balance("0x90f79bf6EB2c4f870365E785982E1f101E93b906"),
    "zero": _balance("0x" + "0" * 40),
    "unknown-alias": _balance("nobody"),
    "not-a-name": _balance("who?"),
    "no-default-account": _balance(),
    "network": [
        "account",
        "balance",
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "--network",
        "x",
    ],
    "two-addresses": _balance("0x90F79bf6EB2c4f870365E785982E1f101E93b906", "again"),
}


@pytest.fixture(scope="module")
def bad_runs(devnet: RunningDevnet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("balance-bad")
    env = cli_env(devnet.api_url, home)
    runs: dict[str, Any] = dict(run_main(env, BAD))
    runs["process:checksum"] = run_cli(env, *BAD["checksum"])
    return runs


@pytest.mark.parametrize("case", [*BAD, "process:checksum"])
def test_bad_input_exits_2_with_one_line(bad_runs: dict[str, Any], case: str) -> None:
    run = bad_runs[case]
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert run.stdout == ""


def test_bad_input_messages(bad_runs: dict[str, Any]) -> None:
    assert "checksum" in bad_runs["checksum"].stderr
    assert bad_runs["process:checksum"].stderr == bad_runs["checksum"].stderr
    assert "nobody" in bad_runs["unknown-alias"].stderr
    assert "no default account" in bad_runs["no-default-account"].stderr
    assert "ADDRESS" in bad_runs["short"].stderr


def test_a_broken_account_store_is_one_line(devnet: RunningDevnet, tmp_path: Path) -> None:
    write_accounts(tmp_path, "default = [not toml")
    started = time.monotonic()
    run = run_main(cli_env(devnet.api_url, tmp_path), {"c": _balance()})["c"]
    assert run.returncode == 1 and len(run.stderr.strip().splitlines()) == 1
    assert "accounts.toml" in run.stderr and time.monotonic() - started < 10
