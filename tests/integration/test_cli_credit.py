"""``aleph-tui credit history|summary|transfer`` as users run them: subprocesses against
the devnet, with a private XDG home and the key in ALEPH_PRIVATE_KEY.

Transfers use fresh keys funded by seeded account 0; read-only commands read seeded
account 2. Bad input must exit 2 with one line on stderr, no traceback, nothing sent.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aleph_tui.core.journal.operation_journal import Journal
from tests.support.credit_helpers import (
    ROOT,
    Key,
    Outcome,
    balance,
    cli_env,
    credits,
    fresh_key,
    funded_key,
    message_status,
    run_cli,
    run_main,
    seeded,
    write_accounts,
)
from tests.support.devnet_process import RunningDevnet
from tests.support.resource_helpers import (
    UNKNOWN_RESOURCE,
    Billed,
    billed_for_seeded_resources,
    effective_origin,
    of_types,
    rows,
)

ENTRY_KEYS = {
    "timestamp",
    "amount",
    "usd",
    "direction",
    "payment_method",
    "token",
    "chain",
    "provider",
    "origin",
    "origin_ref",
    "tx_hash",
    "price",
    "bonus_amount",
    "expiration",
    "credit_ref",
    "credit_index",
}
FILTER_KEYS = {"direction", "payment_method", "from", "to", "resource_types", "resource"}
HISTORY_KEYS = {"network", "address", "page", "page_size", "total", "pages", "filters", "entries"}
SUMMARY_KEYS = {
    "network",
    "address",
    "filters",
    "entry_count",
    "total_amount",
    "total_incoming",
    "total_outgoing",
    "total_amount_usd",
    "total_incoming_usd",
    "total_outgoing_usd",
}
TRANSFER_KEYS = {
    "network",
    "from",
    "to",
    "target",
    "amount",
    "usd",
    "expiration",
    "expiration_ms",
    "spent_lots",
    "channel",
    "item_hash",
    "status",
    "credits_moved",
    "error_code",
    "reason",
    "message",
}


@pytest.fixture(scope="module")
def funder(accounts: list[Any]) -> Key:
    return seeded(accounts, 0)


@pytest.fixture(scope="module")
def reader(accounts: list[Any]) -> str:
    return seeded(accounts, 2).address


def _json(result: subprocess.CompletedProcess[str] | Outcome) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _main(env: dict[str, str], *args: str) -> Outcome:
    """One command through the CLI's main() in this process (see run_main)."""
    return run_main(env, {"command": list(args)})["command"]


def _transfer_args(to: str, amount: str = "1000", *extra: str) -> list[str]:
    return ["credit", "transfer", "--network", "devnet", "--to", to, "--amount", amount, *extra]


def _journal(home: Path) -> Path:
    return home / "data" / "aleph-tui" / "journal.sqlite3"


def _journal_text(home: Path) -> str:
    """The journal's files as text: the database and its write-ahead log."""
    files = sorted(_journal(home).parent.glob("journal.sqlite3*"))
    return b"".join(f.read_bytes() for f in files).decode(errors="replace")


def _usd(credits_: int) -> str:
    text = format((Decimal(credits_) / 1_000_000).normalize(), "f")
    return "0" if text == "-0" else text


# --- history and summary --------------------------------------------------------------


def test_history_json_shape(devnet: RunningDevnet, tmp_path: Path, reader: str) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    args = ["--network", "devnet", "--address", reader, "--page-size", "3", "--json"]
    data = _json(run_cli(env, "credit", "history", *args))
    assert set(data) == HISTORY_KEYS
    assert (data["network"], data["address"], data["page"], data["page_size"]) == (
        "devnet",
        reader,
        1,
        3,
    )
    assert data["total"] > 3 and data["pages"] == -(-data["total"] // 3)
    assert data["filters"] == dict.fromkeys(FILTER_KEYS)
    assert len(data["entries"]) == 3
    for entry in data["entries"]:
        assert set(entry) == ENTRY_KEYS
        assert type(entry["amount"]) is int and isinstance(entry["usd"], str)
        assert entry["usd"] == _usd(entry["amount"])
        assert entry["timestamp"].endswith("Z")
        assert entry["direction"] == ("incoming" if entry["amount"] > 0 else "outgoing")


def test_history_filters_pages_and_text(devnet: RunningDevnet, tmp_path: Path, reader: str) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    base = ["credit", "history", "--network", "devnet", "--address", reader]
    june = ["--from", "2026-06-01", "--to", "2026-06-30", "--page-size", "1000", "--json"]
    runs = run_main(
        env,
        {
            "june": [*base, "--direction", "outgoing", "--payment-method", "credit_expense", *june],
            "beyond": [*base, "--page", "100000", "--json"],
            "empty": [*base[:-1], fresh_key().address, "--json"],
            "text": [*base, "--page-size", "5"],
        },
    )
    data = _json(runs["june"])
    assert data["filters"] == {
        "direction": "outgoing",
        "payment_method": "credit_expense",
        "from": "2026-06-01T00:00:00Z",
        "to": "2026-06-30T23:59:59.999999Z",
        "resource_types": None,
        "resource": None,
    }
    assert data["entries"] and len(data["entries"]) == data["total"]
    for entry in data["entries"]:
        assert entry["amount"] < 0 and entry["payment_method"] == "credit_expense"
        assert "2026-06-01" <= entry["timestamp"][:10] <= "2026-06-30"

    beyond = _json(runs["beyond"])
    assert beyond["entries"] == [] and beyond["total"] > 0 and beyond["page"] == 100000
    empty = _json(runs["empty"])
    assert (empty["entries"], empty["total"]) == ([], 0)

    text = runs["text"]
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"Credit history of {reader} (devnet): page 1 of ")
    assert lines[1].split()[:3] == ["DATE", "(UTC)", "AMOUNT"] and len(lines) == 7


def test_summary_json_agrees_with_history(
    devnet: RunningDevnet, tmp_path: Path, reader: str
) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    filters = ["--network", "devnet", "--address", reader, "--from", "2026-03-01"]
    summary = _json(run_cli(env, "credit", "summary", *filters, "--json"))
    runs = run_main(
        env,
        {
            "history": ["credit", "history", *filters, "--page-size", "1000", "--json"],
            "text": ["credit", "summary", *filters],
        },
    )
    history = _json(runs["history"])
    assert set(summary) == SUMMARY_KEYS
    assert summary["filters"]["from"] == "2026-03-01T00:00:00Z"
    amounts = [e["amount"] for e in history["entries"]]
    assert summary["entry_count"] == len(amounts) == history["total"]
    assert summary["total_incoming"] == sum(a for a in amounts if a > 0)
    assert summary["total_outgoing"] == sum(a for a in amounts if a < 0)
    assert summary["total_amount"] == sum(amounts)
    assert summary["total_amount_usd"] == _usd(summary["total_amount"])
    assert runs["text"].returncode == 0 and f"Entries   {len(amounts)}" in runs["text"].stdout


@pytest.fixture(scope="module")
def billed(devnet: RunningDevnet, accounts: list[Any], funder: Key) -> Billed:
    return billed_for_seeded_resources(devnet.api_url, accounts, funder)


def test_history_and_summary_by_resource_type_and_resource(
    devnet: RunningDevnet, tmp_path: Path, billed: Billed
) -> None:
    """--resource-type and --resource select what the node's own rows say they should
    (computed here from the unfiltered rows and the messages' types), in the page, its
    total and the summary; the JSON names the filters as sent."""
    api, address = devnet.api_url, billed.address
    every = rows(api, address)
    instance, store = billed.by_type["INSTANCE"], billed.by_type["STORE"]
    by_types = {
        "instance": (["--resource-type", "instance"], ["INSTANCE"]),
        "compute": (["--resource-type", "INSTANCE,program"], ["INSTANCE", "PROGRAM"]),
        "repeated": (
            ["--resource-type", "store", "--resource-type", "Program,store"],
            ["STORE", "PROGRAM"],
        ),
        "post": (["--resource-type", "post"], ["POST"]),
    }
    by_resource = {
        "vm": instance.upper(),  # hex in any case: the node's is lower case
        "file": store,
        "unknown": UNKNOWN_RESOURCE,  # no such message: matched by hash all the same
    }
    expected: dict[str, list[dict[str, Any]]] = {
        name: of_types(api, every, types) for name, (_, types) in by_types.items()
    }
    for name, resource in by_resource.items():
        expected[name] = [r for r in every if effective_origin(r) == resource.lower()]
    # The incoming transfer is billed to no resource: with a type, nothing is incoming.
    expected["incoming-vm"] = []
    sizes = {name: len(found) for name, found in expected.items()}
    assert sizes == {
        "instance": 2,
        "compute": 3,
        "repeated": 2,
        "post": 0,
        "vm": 2,
        "file": 1,
        "unknown": 1,
        "incoming-vm": 0,
    }
    options = {name: args for name, (args, _) in by_types.items()}
    options |= {name: ["--resource", resource] for name, resource in by_resource.items()}
    options["incoming-vm"] = ["--direction", "incoming", "--resource-type", "instance"]

    env = cli_env(api, tmp_path)
    base = ["--network", "devnet", "--address", address, "--json"]
    commands: dict[str, list[str]] = {}
    for name, args in options.items():
        commands[f"history:{name}"] = ["credit", "history", *base, "--page-size", "1000", *args]
        commands[f"summary:{name}"] = ["credit", "summary", *base, *args]
    commands["text"] = ["credit", "summary", "--network", "devnet", "--address", address]
    commands["text"] += options["vm"]
    runs = run_main(env, commands)

    def key(row: dict[str, Any]) -> tuple[str, int]:
        return str(row["credit_ref"]), int(row["credit_index"])

    for name, want in expected.items():
        history, summary = _json(runs[f"history:{name}"]), _json(runs[f"summary:{name}"])
        assert sorted(map(key, history["entries"])) == sorted(map(key, want)), name
        assert history["total"] == summary["entry_count"] == len(want), name
        amounts = [int(r["amount"]) for r in want]
        assert summary["total_amount"] == sum(amounts)
        assert summary["total_outgoing"] == sum(a for a in amounts if a < 0)
        assert summary["total_incoming"] == sum(a for a in amounts if a > 0)
        assert history["filters"] == summary["filters"]
    filters = _json(runs["history:repeated"])["filters"]
    assert (filters["resource_types"], filters["resource"]) == (["STORE", "PROGRAM"], None)
    filters = _json(runs["summary:vm"])["filters"]
    assert (filters["resource_types"], filters["resource"]) == (None, instance)
    text = runs["text"]
    assert text.returncode == 0 and "Entries   2" in text.stdout, text.stderr


# --- transfers ------------------------------------------------------------------------


def test_transfer_with_yes_and_json(devnet: RunningDevnet, tmp_path: Path, funder: Key) -> None:
    sender, recipient = funded_key(devnet.api_url, funder, 3_000_000), fresh_key().address
    env = cli_env(devnet.api_url, tmp_path, sender.private_key)
    expiration = ["--expiration", "2099-01-01T00:00:00Z", "-y", "--json"]
    data = _json(run_cli(env, *_transfer_args(recipient.lower(), "1_250_000", *expiration)))
    assert set(data) == TRANSFER_KEYS
    assert data == {
        **data,
        "network": "devnet",
        "from": sender.address,
        "to": recipient,
        "target": recipient.lower(),
        "amount": 1_250_000,
        "usd": "1.25",
        "expiration": "2099-01-01T00:00:00Z",
        "expiration_ms": 4070908800000,
        "channel": "ALEPH_CREDIT",
        "status": "processed",
        "error_code": None,
        "reason": None,
        "message": None,
    }
    assert credits(devnet.api_url, recipient) == 1_250_000
    # The expiry each spent part really got, as the quote said before signing.
    (part,) = data["spent_lots"]
    assert part["amount"] == 1_250_000
    assert balance(devnet.api_url, recipient)["credit_balance_details"] == [
        {"expiration_date": part["expiration"], "amount": 1_250_000}
    ]
    status = message_status(devnet.api_url, data["item_hash"])
    assert status is not None and status["status"] == "processed"
    journal = _journal_text(tmp_path)
    assert data["item_hash"] in journal and '"completed"' in journal
    assert sender.private_key[2:] not in journal


def test_transfer_dry_run_sends_nothing(devnet: RunningDevnet, tmp_path: Path, funder: Key) -> None:
    sender, recipient = funded_key(devnet.api_url, funder, 1_000_000), fresh_key().address
    env = cli_env(devnet.api_url, tmp_path, sender.private_key)
    data = _json(run_cli(env, *_transfer_args(recipient, "500", "--dry-run", "--json")))
    assert set(data) == TRANSFER_KEYS
    assert data["status"] == "dry-run" and data["message"]["item_hash"] == data["item_hash"]
    assert data["message"]["channel"] == "ALEPH_CREDIT" and data["message"]["signature"]
    text = _main(env, *_transfer_args(recipient, "500", "--dry-run"))
    assert text.returncode == 0 and text.stdout.startswith("Dry run: signed, not sent")
    assert message_status(devnet.api_url, data["item_hash"]) is None
    assert credits(devnet.api_url, recipient) == 0
    assert not _journal(tmp_path).exists()


def test_transfer_without_a_terminal_or_yes_is_refused(
    devnet: RunningDevnet, tmp_path: Path, funder: Key
) -> None:
    sender, recipient = funded_key(devnet.api_url, funder, 1_000_000), fresh_key().address
    env = cli_env(devnet.api_url, tmp_path, sender.private_key)
    result = run_cli(env, *_transfer_args(recipient, "500"))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "aleph-tui: no terminal to confirm on, so nothing was signed; pass -y to confirm"
    ]
    assert credits(devnet.api_url, recipient) == 0
    assert credits(devnet.api_url, sender.address) == 1_000_000


Started = tuple[subprocess.Popen[str], int]


def _start_on_terminal(env: dict[str, str], args: list[str], answer: str) -> Started:
    """Start with a pseudo-terminal on stdin, the confirmation's ``answer`` typed ahead."""
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "aleph_tui", *args],
            env=env,
            cwd=ROOT,
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(master, answer.encode() + b"\n")
    finally:
        os.close(slave)
    return process, master


def _finish(started: Started) -> tuple[int, str, str]:
    process, master = started
    try:
        out, err = process.communicate(timeout=60)
    finally:
        os.close(master)
    return process.returncode, out, err


def test_transfer_confirmed_on_a_terminal(
    devnet: RunningDevnet, tmp_path: Path, funder: Key
) -> None:
    sender, funder_b = (funded_key(devnet.api_url, funder, 2_000_000) for _ in range(2))
    declined, accepted = fresh_key().address, fresh_key().address
    no = _start_on_terminal(
        cli_env(devnet.api_url, tmp_path / "a", funder_b.private_key),
        _transfer_args(declined, "1900000"),
        "n",
    )
    yes = _start_on_terminal(
        cli_env(devnet.api_url, tmp_path / "b", sender.private_key),
        _transfer_args(accepted, "1500000"),
        "y",
    )
    (code_no, _, err_no), (code, out, err) = _finish(no), _finish(yes)
    assert code_no == 1 and err_no.strip().endswith("cancelled; nothing was signed")
    assert credits(devnet.api_url, declined) == 0

    assert code == 0, err
    shown = {line.split()[0]: line.split(None, 1)[1] for line in err.splitlines()[1:-1]}
    assert shown["network"].startswith("devnet (http://")
    assert (shown["from"], shown["to"]) == (sender.address, accepted)
    assert shown["amount"] == "1,500,000 ($1.50)"
    assert shown["expiration"].startswith("none")
    assert shown["channel"] == "ALEPH_CREDIT"
    assert shown["spends"].startswith("1,500,000 from lot ")
    assert err.splitlines()[-1] == "Send this transfer? [y/N] "
    assert out.startswith("Transferred 1,500,000 credits ($1.50) to")
    assert f"item_hash  {shown['item_hash']}" in out
    assert credits(devnet.api_url, accepted) == 1_500_000


def test_transfer_beyond_the_balance_or_to_an_alias(
    devnet: RunningDevnet, tmp_path: Path, funder: Key
) -> None:
    sender, friend = funded_key(devnet.api_url, funder, 1_000_000), fresh_key().address
    write_accounts(tmp_path, f'[[aliases]]\nname = "friend"\naddress = "{friend}"\n')
    env = cli_env(devnet.api_url, tmp_path, sender.private_key)
    runs = run_main(
        env,
        {
            "too-much": _transfer_args("friend", "1000001", "-y"),
            "alias": _transfer_args("friend", "2500", "-y", "--json"),
        },
    )
    assert runs["too-much"].returncode == 1 and runs["too-much"].stdout == ""
    assert runs["too-much"].stderr.strip().splitlines() == [
        "aleph-tui: insufficient credits: required 1,000,001, available 1,000,000; nothing was sent"
    ]
    data = _json(runs["alias"])
    assert (data["target"], data["to"], data["status"]) == ("friend", friend, "processed")
    assert credits(devnet.api_url, friend) == 2500
    journal = Journal(_journal(tmp_path))
    (op,) = [o for o in journal.operations() if o.details["item_hash"] == data["item_hash"]]
    assert len(journal.history(op.id)) == 3  # one transfer only, its three steps


# --- bad input: exit 2, one line, nothing sent ----------------------------------------

_BAD_KEY = "0x" + "12" * 8
_TRANSFER_CASES: dict[str, list[str]] = {
    "amount-zero": ["--amount", "0"],
    "amount-negative": ["--amount=-5"],
    "amount-fraction": ["--amount", "1.5"],
    "amount-text": ["--amount", "ten"],
    "amount-huge": ["--amount", "1e30"],
    "amount-empty": ["--amount", ""],
    "to-short": ["--to", "0x1234"],
    "to-checksum": ["--to", "RECIPIENT_BAD_CHECKSUM"],
    "to-zero": ["--to", "0x" + "0" * 40],
    "to-unknown-alias": ["--to", "nobody"],
    "to-not-a-name": ["--to", "no such name"],
    "to-self": ["--to", "SENDER"],
    "to-empty": ["--to", ""],
    "expiration-past": ["--expiration", "2020-01-01T00:00:00Z"],
    "expiration-no-timezone": ["--expiration", "2099-01-01T00:00:00"],
    "expiration-text": ["--expiration", "tomorrow"],
    "channel-space": ["--channel", "ALEPH CREDIT"],
    "channel-empty": ["--channel", ""],
    "network-unknown": ["--network", "nowhere"],
    "private-key": ["--private-key", _BAD_KEY],
    "unknown-option": ["--amout", "5"],
}
_MISSING_CASES: dict[str, list[str]] = {
    "to-missing": ["credit", "transfer", "--network", "devnet", "--amount", "5", "-y"],
    "amount-missing": ["credit", "transfer", "--network", "devnet", "--to", "RECIPIENT", "-y"],
}
_READ_CASES: dict[str, list[str]] = {
    "page-zero": ["--page", "0"],
    "page-negative": ["--page=-1"],
    "page-text": ["--page", "two"],
    "page-size-zero": ["--page-size", "0"],
    "page-size-huge": ["--page-size", "100000"],
    "direction": ["--direction", "sideways"],
    "payment-method": ["--payment-method", "credit expense"],
    "from-text": ["--from", "yesterday"],
    "from-impossible-day": ["--from", "2026-02-30"],
    "to-before-from": ["--from", "2026-06-02", "--to", "2026-06-01"],
    "to-no-timezone": ["--to", "2026-06-01T10:00:00"],
    "address-short": ["--address", "0x12"],
    "address-unknown-alias": ["--address", "nobody"],
    "address-not-a-name": ["--address", "what?"],
    "resource-type-unknown": ["--resource-type", "vm"],
    "resource-type-empty-item": ["--resource-type", "store,"],
    "resource-type-empty": ["--resource-type", ""],
    "resource-not-a-hash": ["--resource", "my-vm"],
    "resource-address": ["--resource", "0x" + "ab" * 20],
    "resource-empty": ["--resource", " "],
}
BAD_INPUT = (
    [f"transfer:{name}" for name in _TRANSFER_CASES]
    + [f"transfer:{name}" for name in _MISSING_CASES]
    + [f"history:{name}" for name in _READ_CASES]
    + ["summary:from-text", "summary:address-short", "summary:page-is-not-an-option"]
)


# A sample also runs as real processes: exit code and stderr at the process level.
IN_A_PROCESS = ("transfer:amount-zero", "transfer:to-self", "history:page-zero")


@pytest.fixture(scope="module")
def bad_input_runs(
    devnet: RunningDevnet,
    tmp_path_factory: pytest.TempPathFactory,
    funder: Key,
    reader: str,
) -> dict[str, Any]:
    """Every bad-input case through the CLI's main(), and a sample as subprocesses."""
    home = tmp_path_factory.mktemp("bad-input")
    sender, recipient = funded_key(devnet.api_url, funder, 1_000_000), fresh_key().address
    env = cli_env(devnet.api_url, home, sender.private_key)
    broken = recipient[:2] + recipient[2:].swapcase()

    def transfer_args(change: list[str]) -> list[str]:
        args = [*_transfer_args(recipient, "1000", "-y"), *change]
        swap = {"RECIPIENT_BAD_CHECKSUM": broken, "SENDER": sender.address}
        return [swap.get(a, a) for a in args]

    commands: dict[str, list[str]] = {}
    for name, change in _TRANSFER_CASES.items():
        commands[f"transfer:{name}"] = transfer_args(change)
    for name, args in _MISSING_CASES.items():
        commands[f"transfer:{name}"] = [recipient if a == "RECIPIENT" else a for a in args]
    read = ["--network", "devnet", "--address", reader]
    for name, change in _READ_CASES.items():
        commands[f"history:{name}"] = ["credit", "history", *read, *change]
    commands["summary:from-text"] = ["credit", "summary", *read, "--from", "soon"]
    commands["summary:address-short"] = ["credit", "summary", *read, "--address", "0x12"]
    commands["summary:page-is-not-an-option"] = ["credit", "summary", *read, "--page", "2"]

    results: dict[str, Any] = dict(run_main(env, commands))
    with ThreadPoolExecutor(max_workers=len(IN_A_PROCESS)) as pool:
        futures = {name: pool.submit(run_cli, env, *commands[name]) for name in IN_A_PROCESS}
        results.update({f"process:{name}": f.result() for name, f in futures.items()})
    return {
        "results": results,
        "recipient_credits": credits(devnet.api_url, recipient),
        "sender_credits": credits(devnet.api_url, sender.address),
        "journal": _journal(home).exists(),
    }


@pytest.mark.parametrize("case", BAD_INPUT + [f"process:{name}" for name in IN_A_PROCESS])
def test_bad_input_exits_2_with_one_line(bad_input_runs: dict[str, Any], case: str) -> None:
    result = bad_input_runs["results"][case]
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    if case.startswith("process:"):
        assert result.stderr == bad_input_runs["results"][case.removeprefix("process:")].stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_input_sent_nothing(bad_input_runs: dict[str, Any]) -> None:
    assert bad_input_runs["recipient_credits"] == 0
    assert bad_input_runs["sender_credits"] == 1_000_000
    assert bad_input_runs["journal"] is False


def test_bad_input_messages_name_the_option(bad_input_runs: dict[str, Any]) -> None:
    errors = {name: r.stderr.strip() for name, r in bad_input_runs["results"].items()}
    assert "--amount" in errors["transfer:amount-zero"]
    assert "at least 1 credit" in errors["transfer:amount-zero"]
    assert "whole numbers" in errors["transfer:amount-fraction"]
    assert "--to" in errors["transfer:to-checksum"] and "checksum" in errors["transfer:to-checksum"]
    assert "oneself" in errors["transfer:to-self"]
    assert "nobody" in errors["transfer:to-unknown-alias"]
    assert "future" in errors["transfer:expiration-past"]
    assert "--channel" in errors["transfer:channel-space"]
    assert "--private-key" in errors["transfer:private-key"]
    assert "--page-size" in errors["history:page-size-huge"]
    assert "must not be before --from" in errors["history:to-before-from"]
    assert "--address" in errors["history:address-unknown-alias"]
    assert "--resource-type: 'vm' is not a message type" in errors["history:resource-type-unknown"]
    assert "INSTANCE" in errors["history:resource-type-unknown"]
    assert "--resource-type: has an empty item" in errors["history:resource-type-empty-item"]
    assert "--resource-type: must not be empty" in errors["history:resource-type-empty"]
    assert "--resource: must be a message hash" in errors["history:resource-not-a-hash"]
    assert "--resource: is an address" in errors["history:resource-address"]
    assert "--resource: must not be empty" in errors["history:resource-empty"]
