"""Watch-only accounts against the devnet: ``account balance NAME`` reads a watched
address by its name, and ``account balance --all`` lists every account and watched
address with the totals of credits, USD and ALEPH, computed here from the node's own
answers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from aleph_tui.core.formatting import credits_usd
from tests.support.credit_helpers import (
    Key,
    balance,
    cli_env,
    fresh_key,
    post_transfer,
    run_main,
    seeded,
    write_accounts,
)
from tests.support.devnet_process import RunningDevnet


def _all(*args: str) -> list[str]:
    return ["account", "balance", "--all", *args, "--network", "devnet"]


def test_balance_all_sums_accounts_and_watched_addresses(
    devnet: RunningDevnet, tmp_path: Path, accounts: list[Any]
) -> None:
    funder: Key = seeded(accounts, 0)
    main, cold, empty = fresh_key().address, seeded(accounts, 2).address, fresh_key().address
    assert post_transfer(devnet.api_url, funder, main, 1_250_000).status_code == 200
    write_accounts(
        tmp_path,
        f'default = "main"\n\n[[accounts]]\nname = "main"\nchain = "ETH"\n'
        f'address = "{main}"\nkind = "local"\n',
    )
    env = cli_env(devnet.api_url, tmp_path)
    runs = run_main(
        env,
        {
            "watch-cold": ["account", "watch", "cold", cold],
            "watch-empty": ["account", "watch", "empty", empty],
            "watch-again": ["account", "watch", "cold-again", cold],
        },
    )
    assert runs["watch-again"].returncode == 2
    assert f"ADDRESS: {cold} is already watched as cold" in runs["watch-again"].stderr
    # A file edited by hand (or older) may hold an address twice: counted once in the totals.
    with (tmp_path / "config" / "aleph-tui" / "watched.toml").open("a") as watched:
        watched.write(f'\n[[watched]]\nname = "cold-again"\naddress = "{cold}"\n')
    runs |= run_main(
        env,
        {
            "by-name": ["account", "balance", "cold", "--json", "--network", "devnet"],
            "json": _all("--json"),
            "text": _all(),
            "both": ["account", "balance", "cold", "--all", "--network", "devnet"],
        },
    )
    for name in ("watch-cold", "watch-empty", "by-name", "json", "text"):
        assert runs[name].returncode == 0 and runs[name].stderr == "", (name, runs[name])
    assert runs["both"].returncode == 2
    assert runs["both"].stderr == "aleph-tui: --all: give either ADDRESS or --all, not both\n"

    node = {a: balance(devnet.api_url, a) for a in (main, cold, empty)}
    assert json.loads(runs["by-name"].stdout)["credits"] == node[cold]["credit_balance"] > 0

    data = json.loads(runs["json"].stdout)
    assert [(a["name"], a["kind"], a["watch_only"]) for a in data["accounts"]] == [
        ("main", "local", False),
        ("cold", "watch-only", True),
        ("empty", "watch-only", True),
        ("cold-again", "watch-only", True),
    ]
    for entry in data["accounts"]:
        answer = node[entry["address"]]
        assert entry["credits"] == answer["credit_balance"]
        assert Decimal(entry["aleph"]) == Decimal(str(answer["balance"]))
        assert entry["error"] is None
    credits = sum(int(node[a]["credit_balance"]) for a in node)
    aleph = sum((Decimal(str(node[a]["balance"])) for a in node), Decimal(0))
    assert credits == 1_250_000 + node[cold]["credit_balance"]
    assert data["totals"] == {
        "aleph": format(aleph.normalize(), "f"),
        "credits": credits,
        "credits_usd": format((Decimal(credits) / 1_000_000).normalize(), "f"),
        "addresses": 3,
        "unavailable": 0,
    }

    lines = runs["text"].stdout.splitlines()
    assert lines[0] == "Balances on devnet"
    assert lines[1].split() == ["NAME", "TYPE", "ADDRESS", "ALEPH", "CREDITS", "USD"]
    assert lines[3].split()[:3] == ["cold", "watch-only", cold]
    total = lines[-1].split()
    assert total[:3] == ["TOTAL", "3", "addresses"]
    assert total[-2:] == [f"{credits:,}", credits_usd(credits)]
