"""The bad-input corpus (issue 6): every case as data, run by the commands' tests
(tests/test_bad_input_cli.py) and the forms' tests (tests/test_bad_input_forms.py).

A case is what a user types into one form or command, the field the refusal must name
and a fragment of the rule it must state. Placeholders in braces are filled per run:
``{recipient}`` a fresh address, ``{sender}`` the sending account, ``{aleph_token}``,
``{usdc_token}`` and ``{credit_contract}`` the network's contracts, and the rest below.

Exit code 2 is bad input. The two "more than the balance" cases exit 1: the input is
well formed and the refusal comes from the node's or the chain's balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

CLI = "cli"
FORM = "form"
BOTH = (CLI, FORM)

# Well-formed look-alikes of other chains' addresses (public examples, nobody's key).
SOLANA = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
SUBSTRATE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
BITCOIN = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
# 64 hex digits as a pasted private key would be; must never be echoed back.
KEY_LIKE = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
# As long as a Solana secret key in base58 (88 characters); as sensitive, never echoed.
SOLANA_SECRET = "4" + "Zx9" * 29
# A refusal may quote short input back, never long input (which could be a secret).
ECHO_LIMIT = 24


def echoed_secret(message: str, typed: list[str]) -> bool:
    """Whether ``message`` quotes any long typed value back."""
    return any(len(text) > ECHO_LIMIT and text in message for text in typed)


@dataclass(frozen=True)
class Case:
    name: str
    inputs: dict[str, str]  # what is typed, by field; the other fields stay valid
    field: str  # the field the message names ("" for a balance refusal)
    rule: str  # a fragment of the rule the message states
    surfaces: tuple[str, ...] = BOTH
    exit_code: int = 2

    @property
    def id(self) -> str:
        return self.name


def case(
    name: str, field_: str, rule: str, surfaces: tuple[str, ...] = BOTH, **inputs: str
) -> Case:
    return Case(name, inputs, field_, rule, surfaces)


# --- credit transfer: fields to, amount, expiration, channel ---------------------------

TRANSFER_DEFAULTS = {
    "to": "{recipient}",
    "amount": "1000",
    "expiration": "",
    "channel": "ALEPH_CREDIT",
}

TRANSFER: list[Case] = [
    # addresses
    case("to-too-short", "to", "0x followed by 40 hexadecimal", to="0x1234"),
    case("to-too-long", "to", "0x followed by 40 hexadecimal", to="{recipient}0"),
    case("to-not-hex", "to", "0x followed by 40 hexadecimal", to="0x" + "g" * 40),
    case("to-wrong-checksum", "to", "wrong EIP-55 checksum", to="{recipient_bad_checksum}"),
    case("to-zero-address", "to", "zero address", to="0x" + "0" * 40),
    case(
        "to-aleph-token",
        "to",
        "ALEPH token contract; credits sent there are lost",
        to="{aleph_token}",
    ),
    case("to-usdc-token", "to", "USDC token contract", to="{usdc_token}"),
    case("to-credit-contract", "to", "payment processor", to="{credit_contract}"),
    case("to-self", "to", "the node refuses transfers to oneself", to="{sender}"),
    case("to-self-lowercase", "to", "oneself", to="{sender_lower}"),
    case("to-self-by-alias", "to", "oneself", to="me"),
    case("to-unknown-alias", "to", "'nobody' is not an address", to="nobody"),
    case("to-not-a-name", "to", "only letters, digits", to="no such name"),
    case("to-no-0x-prefix", "to", "missing the 0x prefix", to="{recipient_no_prefix}"),
    case("to-solana-address", "to", "Solana or Substrate address", to=SOLANA),
    case("to-substrate-address", "to", "Solana or Substrate address", to=SUBSTRATE),
    case("to-bitcoin-address", "to", "Bitcoin address", to=BITCOIN),
    case("to-ens-name", "to", "ENS names are not resolved", to="vitalik.eth"),
    case("to-account-on-solana", "to", "is on SOL, not an EVM chain", to="phantom"),
    case(
        "to-long-unknown-name",
        "to",
        "nor the name of an account or an alias",
        to=SOLANA_SECRET,
    ),
    case("to-private-key", "to", "a private key or a hash, not an address", to=KEY_LIKE),
    case("to-empty", "to", "is empty", (CLI,), to=""),
    # amounts
    case("amount-zero", "amount", "at least 1 credit", amount="0"),
    case("amount-negative", "amount", "at least 1 credit", amount="-5"),
    case("amount-fraction", "amount", "credits are whole numbers", amount="1.5"),
    case("amount-tiny-fraction", "amount", "whole numbers", amount="0.000001"),
    case("amount-text", "amount", "'ten' is not a number", amount="ten"),
    case("amount-thousands-comma", "amount", "is not a number", amount="1,000"),
    case("amount-huge", "amount", "larger than any credit balance", amount="1e30"),
    case("amount-huge-digits", "amount", "larger than any credit balance", amount="9" * 30),
    case("amount-nan", "amount", "finite number", amount="NaN"),
    case("amount-infinity", "amount", "finite number", amount="Infinity"),
    case("amount-pasted-key", "amount", "the value is not a number", amount=KEY_LIKE),
    case("amount-empty", "amount", "is not a number", (CLI,), amount=""),
    # expirations
    case(
        "expiration-past", "expiration", "must be in the future", expiration="2020-01-01T00:00:00Z"
    ),
    case("expiration-epoch", "expiration", "in the future", expiration="1970-01-01T00:00:00Z"),
    case("expiration-malformed", "expiration", "RFC 3339", expiration="tomorrow"),
    case("expiration-impossible-day", "expiration", "RFC 3339", expiration="2099-02-30T00:00:00Z"),
    case(
        "expiration-no-timezone", "expiration", "needs a timezone", expiration="2099-01-01T00:00:00"
    ),
    case("expiration-date-only", "expiration", "needs a timezone", expiration="2099-01-01"),
    case("expiration-unix-seconds", "expiration", "RFC 3339", expiration="4102444800"),
    # channel
    case("channel-space", "channel", "64 letters", channel="ALEPH CREDIT"),
    case("channel-too-long", "channel", "64 letters", channel="C" * 65),
    case("channel-empty", "channel", "64 letters", (CLI,), channel=""),
    # more than the balance: well formed, refused by the quote
    Case(
        "amount-beyond-balance",
        {"amount": "{beyond}"},
        "",
        "insufficient credits: required",
        exit_code=1,
    ),
]

# --- credit buy: token and amount (and, for the wrong chain, the RPC) -----------------

BUY: list[Case] = [  # grouped by token: the form switches token as rarely as it can
    case("amount-zero", "amount", "must be greater than zero", token="aleph", amount="0"),
    case(
        "aleph-19-decimals",
        "amount",
        "at most 18 decimals for ALEPH",
        token="aleph",
        amount="0." + "0" * 18 + "1",
    ),
    case("amount-huge", "amount", "larger than any ALEPH balance", token="aleph", amount="1e60"),
    case("amount-negative", "amount", "greater than zero", token="eth", amount="-1"),
    case(
        "eth-19-decimals",
        "amount",
        "at most 18 decimals for ETH",
        token="eth",
        amount="1." + "0" * 18 + "5",
    ),
    case(
        "usdc-7-decimals", "amount", "at most 6 decimals for USDC", token="usdc", amount="1.0000001"
    ),
    case("amount-text", "amount", "'abc' is not a number", token="usdc", amount="abc"),
    case("amount-nan", "amount", "finite number", token="usdc", amount="NaN"),
    case("amount-empty", "amount", "is not a number", (CLI,), token="usdc", amount=""),
    case("token-unknown", "token", "invalid choice: 'btc'", (CLI,), token="btc", amount="1"),
    Case(
        "beyond-balance",
        {"token": "usdc", "amount": "10000000"},
        "",
        "Insufficient USDC balance. Required 10000000 USDC",
        exit_code=1,
    ),
    # An RPC node on another chain than the network's: refused before any balance is read.
    case(
        "wrong-chain-rpc",
        "rpc-url",
        "the RPC node is on chain id",
        token="usdc",
        amount="1",
        rpc="{wrong_chain_rpc}",
    ),
]

# --- commands only: reading, accounts, the signing key's chain --------------------------

# (command line after ``aleph-tui``, field, rule); {reader} is a seeded address.
COMMANDS: list[Case] = [
    Case("history-page-zero", {"argv": "credit history --page 0"}, "--page", "at least 1"),
    Case(
        "history-page-size-huge",
        {"argv": "credit history --page-size 100000"},
        "--page-size",
        "at most 1000",
    ),
    Case(
        "history-from-text",
        {"argv": "credit history --from yesterday"},
        "--from",
        "a date (2026-05-01)",
    ),
    Case(
        "history-to-no-timezone",
        {"argv": "credit history --to 2026-06-01T10:00:00"},
        "--to",
        "needs a timezone",
    ),
    Case(
        "history-address-solana",
        {"argv": f"credit history --address {SOLANA}"},
        "--address",
        "Solana",
    ),
    Case(
        "summary-address-zero",
        {"argv": "credit summary --address 0x" + "0" * 40},
        "--address",
        "zero address",
    ),
    Case(
        "balance-address-short",
        {"argv": "account balance 0x12"},
        "ADDRESS",
        "0x followed by 40 hexadecimal",
    ),
    Case(
        "balance-address-checksum",
        {"argv": "account balance {recipient_bad_checksum}"},
        "ADDRESS",
        "checksum",
    ),
    Case(
        "alias-add-short-address",
        {"argv": "account alias add pal 0x1234"},
        "address",
        "0x followed by 40",
    ),
    Case(
        "alias-add-zero-address",
        {"argv": "account alias add pal 0x" + "0" * 40},
        "address",
        "zero address",
    ),
    Case(
        "alias-add-bad-name",
        {"argv": "account alias add pal! {recipient}"},
        "name",
        "only letters, digits",
    ),
    # Checked before the network: the refusal does not wait for (or need) the node.
    Case(
        "transfer-node-down",
        {"argv": "credit transfer --to 0x1234 --amount 5 -y --api-url http://127.0.0.1:9"},
        "--to",
        "0x followed by 40 hexadecimal",
    ),
    Case(
        "transfer-key-chain",
        {"argv": "credit transfer --to {recipient} --amount 5 -y --chain SOL"},
        "--chain",
        "invalid choice: 'SOL'",
    ),
    Case(
        "transfer-unknown-signing-account",
        {"argv": "credit transfer --to {recipient} --amount 5 -y --account nobody"},
        "--account",
        "account 'nobody' not found",
    ),
    Case(
        "buy-signing-account-on-solana",
        {"argv": "credit buy --token usdc --amount 1 -y --account phantom"},
        "--account",
        "only EVM keys can sign",
    ),
    Case(
        "buy-key-chain",
        {"argv": "credit buy --token usdc --amount 1 -y --chain SOL"},
        "--chain",
        "invalid choice: 'SOL'",
    ),
]

# --- account dialogs: (dialog, field values), the error line's field and rule ----------

DIALOGS: list[Case] = [
    Case(
        "alias-address-short",
        {"dialog": "alias", "name": "pal", "address": "0x1234"},
        "address",
        "0x followed by 40",
    ),
    Case(
        "alias-address-zero",
        {"dialog": "alias", "name": "pal", "address": "0x" + "0" * 40},
        "address",
        "zero address",
    ),
    Case(
        "alias-address-checksum",
        {"dialog": "alias", "name": "pal", "address": "{recipient_bad_checksum}"},
        "address",
        "checksum",
    ),
    Case(
        "alias-address-solana",
        {"dialog": "alias", "name": "pal", "address": SOLANA},
        "address",
        "Solana",
    ),
    Case(
        "alias-address-missing",
        {"dialog": "alias", "name": "pal", "address": ""},
        "address",
        "is required",
    ),
    Case(
        "alias-name-missing",
        {"dialog": "alias", "name": "", "address": "{recipient}"},
        "name",
        "is required",
    ),
    Case(
        "import-key-short",
        {"dialog": "import", "name": "cold", "key": "0x1234"},
        "private key",
        "64 hexadecimal",
    ),
    Case(
        "import-key-zero",
        {"dialog": "import", "name": "cold", "key": "0" * 64},
        "private key",
        "not a valid secp256k1 key",
    ),
    Case(
        "import-name-missing",
        {"dialog": "import", "name": "", "key": KEY_LIKE},
        "name",
        "is required",
    ),
    Case("create-name-missing", {"dialog": "create", "name": ""}, "name", "is required"),
]


def on(surface: str, cases: list[Case]) -> list[Case]:
    return [c for c in cases if surface in c.surfaces]


def filled(text: str, values: dict[str, str]) -> str:
    return text.format_map(values)


CORPUS_SIZE = (
    len(on(CLI, TRANSFER))
    + len(on(FORM, TRANSFER))
    + len(on(CLI, BUY))
    + len(on(FORM, BUY))
    + len(COMMANDS)
    + len(DIALOGS)
)


# The aleph CLI's accounts.toml of every run: "me" is the sender, "friend" the recipient,
# and "phantom" an account on Solana (as the aleph CLI can hold).
ACCOUNTS_TOML = """
[[accounts]]
name = "phantom"
chain = "SOL"
address = "{solana}"
kind = "ledger"

[[aliases]]
name = "me"
address = "{sender}"

[[aliases]]
name = "friend"
address = "{recipient}"
"""


def write_accounts_toml(path: Path, sender: str, recipient: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ACCOUNTS_TOML.format(solana=SOLANA, sender=sender, recipient=recipient))


def values(document: dict[str, object], sender: str, recipient: str) -> dict[str, str]:
    """The placeholders of a run against the devnet described by ``document``."""
    return {
        "sender": sender,
        "sender_lower": sender.lower(),
        "recipient": recipient,
        "recipient_bad_checksum": recipient[:2] + recipient[2:].swapcase(),
        "recipient_no_prefix": recipient[2:],
        "aleph_token": str(document["aleph_token"]),
        "usdc_token": str(document["usdc_token"]),
        "credit_contract": str(document["credit_contract"]),
        "beyond": str(10**12),
    }


def footprint(document: dict[str, object], sender: str, recipient: str) -> dict[str, int]:
    """What sending anything would change: the credits of both ends, the messages the
    sender signed (any status) and its transaction count on the chain."""
    api, rpc = str(document["api_url"]), str(document["rpc_url"])
    with httpx.Client(timeout=10) as client:

        def credits(address: str) -> int:
            answer = client.get(f"{api}/api/v0/addresses/{address}/balance")
            answer.raise_for_status()
            return int(answer.json()["credit_balance"])

        listing = client.get(
            f"{api}/api/v0/messages.json",
            params={
                "addresses": sender,
                "msgStatuses": "pending,processed,rejected",
                "pagination": 1,
            },
        )
        listing.raise_for_status()
        nonce = client.post(
            rpc,
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "eth_getTransactionCount",
                "params": [sender, "pending"],
            },
        )
        nonce.raise_for_status()
        return {
            "sender_credits": credits(sender),
            "recipient_credits": credits(recipient),
            "sender_messages": int(listing.json()["pagination_total"]),
            "sender_nonce": int(nonce.json()["result"], 16),
        }
