"""The bad-input corpus (issue 6): every case as data, run by the commands' tests
(tests/integration/test_bad_input_cli.py) and the forms' tests (tests/ui/test_bad_input_forms.py).

A case is what a user types into one form or command, the field the refusal must name
and a fragment of the rule it must state. Placeholders in braces are filled per run:
``{recipient}`` a fresh address, ``{sender}`` the sending account, ``{aleph_token}``,
``{usdc_token}`` and ``{credit_contract}`` the network's contracts, and the rest below.

Exit code 2 is bad input. The two "more than the balance" cases exit 1: the input is
well formed and the refusal comes from the node's or the chain's balance.

Issue 13 added the classes of RELIABILITY.md's "Bad input" rows: empty values of every
option and environment variable, malformed URLs, unknown and taken names, credit amounts
(digits grouped in threes, no exponent, sign or decimals), the transfer channel, the key
of a variable named as the variable, and the other forms' fields (usage, pricing).
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


# Rules stated by more than one case.
EMPTY = "must not be empty"
URL_RULE = "must be an http:// or https:// URL"
SECONDS = "must be a positive number of seconds"
# Valid commands but for the one thing a case changes (a fresh recipient, 5 credits).
TRANSFER_ARGS = "credit transfer --to {recipient} --amount 5 -y --json"
BUY_ARGS = "credit buy --token usdc --amount 1 -y --json"


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
    case("to-empty", "to", "must not be empty", (CLI,), to=""),
    case("to-spaces", "to", "must not be empty", (CLI,), to="  "),
    case("to-key-with-prefix", "to", "a private key or a hash", to="0x" + KEY_LIKE),
    case("to-cyrillic-lookalike", "to", "0x followed by 40", to="{recipient_cyrillic}"),
    case("to-trailing-dot", "to", "0x followed by 40", to="{recipient}."),
    # amounts
    case("amount-zero", "amount", "at least 1 credit", amount="0"),
    case("amount-negative", "amount", "takes no sign", amount="-5"),
    case("amount-fraction", "amount", "credits are whole numbers", amount="1.5"),
    case("amount-tiny-fraction", "amount", "whole numbers", amount="0.000001"),
    case("amount-text", "amount", "'ten' is not a whole number of credits", amount="ten"),
    case("amount-groups-of-two", "amount", "in threes", amount="1,00"),
    case("amount-groups-of-four", "amount", "in threes", amount="1,0000"),
    case("amount-mixed-separators", "amount", "in threes", amount="1,000_000"),
    case("amount-dot-groups", "amount", "grouped by ',' or '_'", amount="1.000.000"),
    case("amount-space-groups", "amount", "is not a whole number", amount="1 000"),
    case("amount-leading-comma", "amount", "is not a whole number", amount=",100"),
    case("amount-trailing-comma", "amount", "is not a whole number", amount="100,"),
    case("amount-huge", "amount", "no exponent", amount="1e30"),
    case("amount-exponent", "amount", "no exponent", amount="1E6"),
    case("amount-exponent-small", "amount", "takes no exponent", amount="1e3"),
    case("amount-exponent-fraction", "amount", "no exponent", amount="1.5e3"),
    case("amount-plus-sign", "amount", "takes no sign", amount="+5"),
    case("amount-hex", "amount", "is not a whole number", amount="0x10"),
    case("amount-fullwidth-digits", "amount", "is not a whole number", amount="１２３"),
    case("amount-arabic-digits", "amount", "is not a whole number", amount="١٢٣"),
    case("amount-with-unit", "amount", "is not a whole number", amount="100 credits"),
    case("amount-huge-digits", "amount", "larger than any credit balance", amount="9" * 30),
    case("amount-huge-grouped", "amount", "larger than any", amount="9,999" + ",999" * 6),
    case("amount-nan", "amount", "is not a whole number", amount="NaN"),
    case("amount-infinity", "amount", "is not a whole number", amount="Infinity"),
    case("amount-pasted-key", "amount", "the value is not a whole number", amount=KEY_LIKE),
    case("amount-empty", "amount", "must not be empty", (CLI,), amount=""),
    case("amount-spaces", "amount", "must not be empty", (CLI,), amount="   "),
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
    case("expiration-year-10000", "expiration", "RFC 3339", expiration="10000-01-01T00:00:00Z"),
    case("expiration-spaces", "expiration", "must not be empty", (CLI,), expiration="  "),
    # channel
    case("channel-space", "channel", "64 letters", channel="ALEPH CREDIT"),
    case("channel-too-long", "channel", "64 letters", channel="C" * 65),
    case("channel-empty", "channel", "must not be empty", channel=""),
    case("channel-slash", "channel", "64 letters", channel="ALEPH/CREDIT"),
    # Credits move only on ALEPH_CREDIT: another channel needs --force-channel (the form
    # posts it only through a confirmation that warns no credits will move).
    case("channel-not-credit", "channel", "pass --force-channel", (CLI,), channel="TEST"),
    case(
        "channel-testnet",
        "channel",
        "credits move only on ALEPH_CREDIT",
        (CLI,),
        channel="ALEPH_TESTNET_CREDIT",
    ),
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
    case(
        "amount-huge",
        "amount",
        "larger than any ALEPH balance",
        token="aleph",
        amount="1" + "0" * 60,
    ),
    # One rule with Transfer's amount: no exponent (Buy read 1e3 as 1000), no sign.
    case("amount-exponent-small", "amount", "takes no exponent", token="aleph", amount="1e3"),
    case("amount-exponent-huge", "amount", "takes no exponent", token="aleph", amount="1e60"),
    case("amount-negative", "amount", "takes no sign", token="eth", amount="-1"),
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
    case("amount-nan", "amount", "'NaN' is not a number", token="usdc", amount="NaN"),
    case("amount-empty", "amount", "must not be empty", (CLI,), token="usdc", amount=""),
    case("amount-spaces", "amount", "must not be empty", (CLI,), token="usdc", amount=" "),
    case("amount-comma-decimal", "amount", "the decimal point is '.'", token="usdc", amount="1,5"),
    case("amount-groups-of-two", "amount", "in threes", token="usdc", amount="1_0"),
    case("amount-infinity", "amount", "is not a number", token="usdc", amount="Infinity"),
    case("amount-pasted-key", "amount", "the value is not a number", token="usdc", amount=KEY_LIKE),
    case("amount-hex", "amount", "is not a number", token="eth", amount="0x10"),
    case("amount-negative-zero", "amount", "takes no sign", token="eth", amount="-0"),
    case("token-empty", "token", "must not be empty", (CLI,), token="", amount="1"),
    case("token-unknown", "token", "invalid choice: 'btc'", (CLI,), token="btc", amount="1"),
    Case(
        "beyond-balance",
        {"token": "usdc", "amount": "10000000"},
        "",
        "Insufficient USDC balance. Required 10,000,000 USDC, available ",
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
    # the node's resource filters: pyaleph's message types; an item hash as aleph-message's
    Case(
        "history-resource-type-unknown",
        {"argv": "credit history --resource-type vm"},
        "--resource-type",
        "'vm' is not a message type",
    ),
    Case(
        "history-resource-type-plural",
        {"argv": "credit history --resource-type store --resource-type instances"},
        "--resource-type",
        "'instances' is not a message type",
    ),
    Case(
        "summary-resource-type-empty-item",
        {"argv": "credit summary --resource-type instance,"},
        "--resource-type",
        "has an empty item",
    ),
    Case(
        "summary-resource-type-spaces-only-item",
        {"argv": "credit summary --resource-type 'store, ,program'"},
        "--resource-type",
        "has an empty item",
    ),
    Case(
        "history-resource-not-a-hash",
        {"argv": "credit history --resource my-vm"},
        "--resource",
        "must be a message hash",
    ),
    Case(
        "history-resource-short-hash",
        {"argv": "credit history --resource " + "ab" * 31},
        "--resource",
        "64 hexadecimal characters, or an IPFS CID",
    ),
    Case(
        "history-resource-bad-cid",
        {"argv": "credit history --resource Qm" + "0" * 44},  # 0 is not base58
        "--resource",
        "must be a message hash",
    ),
    Case(
        "summary-resource-address",
        {"argv": "credit summary --resource {recipient}"},
        "--resource",
        "is an address, not a resource",
    ),
    Case(
        "summary-resource-0x-hash",
        {"argv": "credit summary --resource 0x" + "ab" * 32},
        "--resource",
        "takes no 0x prefix",
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
        "watch-short-address",
        {"argv": "account watch cold 0x1234"},
        "ADDRESS",  # as the usage line names it
        "0x followed by 40",
    ),
    Case(
        "watch-bad-checksum",
        {"argv": "account watch cold {recipient_bad_checksum}"},
        "ADDRESS",  # as the usage line names it
        "checksum",
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
    *[  # empty values: an error naming the option, never a silent default
        Case(name, {"argv": argv}, field, EMPTY)
        for name, argv, field in (
            ("empty-transfer-private-key", f"{TRANSFER_ARGS} --private-key ''", "--private-key"),
            ("empty-transfer-account", f"{TRANSFER_ARGS} --account ''", "--account"),
            ("empty-transfer-network", f"{TRANSFER_ARGS} --network ''", "--network"),
            ("empty-transfer-api-url", f"{TRANSFER_ARGS} --api-url ''", "--api-url"),
            ("empty-transfer-rpc-url", f"{TRANSFER_ARGS} --rpc-url ''", "--rpc-url"),
            ("empty-buy-rpc-url", f"{BUY_ARGS} --rpc-url=", "--rpc-url"),
            ("empty-buy-api-url", f"{BUY_ARGS} --api-url ' '", "--api-url"),
            ("empty-buy-private-key", f"{BUY_ARGS} --private-key ''", "--private-key"),
            ("empty-history-address", "credit history --address ''", "--address"),
            ("empty-history-from", "credit history --from ''", "--from"),
            (
                "empty-history-payment-method",
                "credit history --payment-method ''",
                "--payment-method",
            ),
            ("empty-summary-to", "credit summary --to ''", "--to"),
            ("empty-history-resource-type", "credit history --resource-type ''", "--resource-type"),
            ("empty-summary-resource-type", "credit summary --resource-type=", "--resource-type"),
            ("empty-history-resource", "credit history --resource ' '", "--resource"),
            ("empty-summary-resource", "credit summary --resource ''", "--resource"),
            ("empty-balance-network", "account balance {recipient} --network ''", "--network"),
            ("empty-balance-address", "account balance ''", "ADDRESS"),
            ("empty-alias-add-name", "account alias add '' {recipient}", "NAME"),
            ("empty-alias-add-address", "account alias add pal ''", "ADDRESS"),
            ("empty-watch-name", "account watch '' {recipient}", "NAME"),
            ("empty-watch-address", "account watch cold ''", "ADDRESS"),
            ("empty-use-name", "account use ''", "NAME"),
            ("empty-export-output", "account export me --output ''", "--output/-o"),
            ("empty-import-from-file", "account import cold --from-file ''", "--from-file"),
            ("empty-import-legacy", "account import cold --legacy ''", "--legacy"),
            ("empty-import-private-key", "account import cold --private-key ''", "--private-key"),
            ("empty-usage-group-by", "usage --address {recipient} --group-by ''", "--group-by"),
            ("empty-pricing-entity", "pricing ''", "ENTITY"),
            ("empty-threshold-credits", "usage threshold ''", "CREDITS"),
        )
    ],
    *[  # malformed URLs: bad input (exit 2), not a network error
        Case(name, {"argv": argv}, field, URL_RULE)
        for name, argv, field in (
            ("url-api-not-a-url", f"{TRANSFER_ARGS} --api-url 'not a url'", "--api-url"),
            ("url-rpc-ftp", f"{BUY_ARGS} --rpc-url ftp://127.0.0.1/rpc", "--rpc-url"),
            ("url-api-no-host", "credit history --api-url http://", "--api-url"),
            (
                "url-api-no-scheme",
                "account balance {recipient} --api-url localhost:4024",
                "--api-url",
            ),
            ("url-api-bad-port", "credit summary --api-url http://127.0.0.1:99999", "--api-url"),
            ("url-rpc-space", f"{TRANSFER_ARGS} --rpc-url 'http://127.0.0.1 :8545'", "--rpc-url"),
            ("url-rpc-ws", f"{BUY_ARGS} --rpc-url ws://127.0.0.1:8545", "--rpc-url"),
        )
    ],
    Case(
        "threshold-exponent",
        {"argv": "usage threshold 1e6 --address {recipient}"},
        "CREDITS",
        "no exponent",
    ),
    Case("flow-limit-negative", {"argv": "flow --limit=-1"}, "--limit", "-1 must be ≥ 0"),
    Case(
        "flow-limit-other-digits",
        {"argv": "flow --limit ٣ --network nowhere"},
        "--limit",
        "'٣' is not a whole number",
    ),
    Case("flow-chunk-blocks-zero", {"argv": "flow --chunk-blocks 0"}, "--chunk-blocks", "≥ 1"),
    Case("pending-network-empty", {"argv": "pending --network ''"}, "--network", EMPTY),
    Case(
        "pricing-estimate-units-zero",
        {"argv": "pricing estimate --units 0 --hours 1"},
        "--units",
        "must be at least 1",
    ),
    Case(
        "pricing-estimate-hours-text",
        {"argv": "pricing estimate --units 1 --hours soon"},
        "--hours",
        "'soon' is not a number",
    ),
    # Every decimal option follows the amounts' rule (a new user's finding, 2026-12-07:
    # --hours 1e3 ran as 1,000 h; 1e-3 and +2 were taken; --max-fee-gwei 1e1 too).
    Case(
        "pricing-estimate-hours-exponent",
        {"argv": "pricing estimate --units 2 --hours 1e3"},
        "--hours",
        "takes no exponent",
    ),
    Case(
        "pricing-estimate-hours-small-exponent",
        {"argv": "pricing estimate --units 2 --hours 1e-3"},
        "--hours",
        "takes no exponent",
    ),
    Case(
        "pricing-estimate-hours-sign",
        {"argv": "pricing estimate --units 2 --hours +2"},
        "--hours",
        "takes no sign",
    ),
    Case(
        "pending-max-fee-exponent",
        {"argv": "pending --network devnet --speed-up 1 --max-fee-gwei 1e1"},
        "--max-fee-gwei",
        "takes no exponent",
    ),
    Case(
        "pending-max-fee-sign",
        {"argv": "pending --network devnet --cancel 1 --max-fee-gwei +3"},
        "--max-fee-gwei",
        "takes no sign",
    ),
    # An unknown choice matches nothing: refused with the accepted values, never an
    # empty page (it read "page 1 of 0, 0 entries").
    Case(
        "history-payment-method-unknown",
        {"argv": "credit history --payment-method bogus"},
        "--payment-method",
        "must be one of credit_expense, credit_transfer, token_transfer, grant",
    ),
    Case(
        "check-days-other-digits",
        {"argv": "check --days ٣ --network nowhere"},
        "--days",
        "must be a whole number of days from 1 to 3650",
    ),
    Case(
        "history-page-negative",
        {"argv": "credit history --page=-1"},
        "--page",
        "from 1 to 1000000",
    ),
    Case("devnet-port-too-big", {"argv": "devnet --port 70000"}, "--port", "between 0 and 65535"),
    # An unknown network after the bad value: were the value taken, nothing is contacted.
    Case(
        "flow-chunk-blocks-underscore",
        {"argv": "flow --chunk-blocks 1_0 --network nowhere"},
        "--chunk-blocks",
        "not a whole number",
    ),
    Case("devnet-price-zero", {"argv": "devnet --aleph-usd 0"}, "--aleph-usd", "greater than zero"),
    Case(
        "network-unknown",
        {"argv": "credit history --address {recipient} --network nowhere"},
        "--network",
        "unknown network 'nowhere'",
    ),
    Case(
        "transfer-private-key-short",
        {"argv": f"{TRANSFER_ARGS} --private-key 0x1234"},
        "--private-key",
        "not a valid private key",
    ),
    Case(
        "transfer-private-key-zero",
        {"argv": f"{TRANSFER_ARGS} --private-key {'0' * 64}"},
        "--private-key",
        "not a valid private key",
    ),
    # unknown names and names already taken: bad input (exit 2), naming NAME
    *[
        Case(name, {"argv": argv}, "NAME", rule)
        for name, argv, rule in (
            ("name-use-unknown", "account use nobody", "account 'nobody' not found"),
            ("name-use-an-alias", "account use friend", "account 'friend' not found"),
            ("name-remove-unknown", "account remove nobody -y", "account 'nobody' not found"),
            ("name-export-unknown", "account export nobody", "account 'nobody' not found"),
            (
                "name-alias-remove-unknown",
                "account alias remove nobody",
                "alias 'nobody' not found",
            ),
            ("name-create-taken-by-alias", "account create friend", "'friend' is already an alias"),
            ("name-create-taken-by-account", "account create phantom", "'phantom' already exists"),
            (
                "name-import-taken",
                f"account import me --private-key {KEY_LIKE}",
                "'me' is already an alias",
            ),
            (
                "name-alias-add-taken",
                "account alias add me {recipient}",
                "'me' is already an alias",
            ),
            (
                "name-watch-taken-by-alias",
                "account watch me {recipient}",
                "'me' is already an alias",
            ),
            ("name-unwatch-unknown", "account unwatch nobody", "no watch-only account 'nobody'"),
            (
                "name-alias-add-taken-by-account",
                "account alias add phantom {recipient}",
                "account 'phantom' already exists",
            ),
        )
    ],
    Case(
        "import-from-file-missing",
        {"argv": "account import cold --from-file /nonexistent/key.json"},
        "--from-file",
        "/nonexistent/key.json does not exist",
    ),
    Case(
        "import-from-file-directory",
        {"argv": "account import cold --from-file /"},
        "--from-file",
        "is not a file",
    ),
    Case(
        "import-legacy-missing",
        {"argv": "account import cold --legacy /nonexistent/old.key"},
        "--legacy",
        "does not exist",
    ),
    Case(
        "import-private-key-short",
        {"argv": "account import cold --private-key 0x1234"},
        "--private-key",
        "must be 64 hexadecimal digits",
    ),
]

# --- environment variables: (VAR=value, command line), named as the variable ----------

ENVIRONMENT: list[Case] = [
    Case(name, {"env": env, "argv": argv}, env.split("=")[0], rule)
    for name, env, argv, rule in (
        ("env-private-key-empty", "ALEPH_PRIVATE_KEY=", TRANSFER_ARGS, "is set but empty"),
        ("env-private-key-spaces", "ALEPH_PRIVATE_KEY=  ", BUY_ARGS, "is set but empty"),
        ("env-private-key-short", "ALEPH_PRIVATE_KEY=0x1234", TRANSFER_ARGS, "64 hexadecimal"),
        (
            "env-private-key-not-on-the-curve",
            "ALEPH_PRIVATE_KEY=" + "0" * 64,
            TRANSFER_ARGS,
            "not a valid private key",
        ),
        (
            "env-private-key-import",
            "ALEPH_PRIVATE_KEY=" + "f" * 64,
            "account import cold",
            "is not a valid secp256k1 key",
        ),
        ("env-devnet-url-empty", "ALEPH_DEVNET_URL=", TRANSFER_ARGS, "is set but empty"),
        ("env-devnet-url-not-a-url", "ALEPH_DEVNET_URL=devnet", TRANSFER_ARGS, URL_RULE),
        ("env-devnet-url-ftp", "ALEPH_DEVNET_URL=ftp://127.0.0.1", "credit history", URL_RULE),
        ("env-http-timeout-empty", "ALEPH_TUI_HTTP_TIMEOUT=", TRANSFER_ARGS, "is set but empty"),
        ("env-http-timeout-text", "ALEPH_TUI_HTTP_TIMEOUT=soon", TRANSFER_ARGS, SECONDS),
        ("env-http-timeout-zero", "ALEPH_TUI_HTTP_TIMEOUT=0", "credit history", SECONDS),
        ("env-post-timeout-negative", "ALEPH_TUI_POST_TIMEOUT=-5", TRANSFER_ARGS, SECONDS),
        ("env-post-timeout-nan", "ALEPH_TUI_POST_TIMEOUT=nan", TRANSFER_ARGS, SECONDS),
        ("env-receipt-timeout-empty", "ALEPH_TUI_RECEIPT_TIMEOUT=", BUY_ARGS, "is set but empty"),
        ("env-receipt-timeout-inf", "ALEPH_TUI_RECEIPT_TIMEOUT=inf", BUY_ARGS, SECONDS),
        ("env-follow-timeout-unit", "ALEPH_TUI_FOLLOW_TIMEOUT=30s", BUY_ARGS, SECONDS),
        (
            "env-kdf-unknown",
            "ALEPH_TUI_KDF=md5",
            "account create cold --encrypted",
            "scrypt or pbkdf2",
        ),
        (
            "env-password-empty",
            "ALEPH_PASSWORD=",
            "account create cold --encrypted",
            "is set but empty",
        ),
        ("env-config-home-empty", "ALEPH_CONFIG_HOME=", "account list", "is set but empty"),
    )
]

# --- account dialogs: (dialog, field values), the error line's field and rule ----------
# (a name already taken is refused by the store, whose line quotes the name: field "")

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
    Case(
        "alias-address-private-key",
        {"dialog": "alias", "name": "pal", "address": "0x" + KEY_LIKE},
        "address",
        "a private key or a hash",
    ),
    Case(
        "alias-name-taken",
        {"dialog": "alias", "name": "friend", "address": "{recipient}"},
        "",
        "'friend' is already an alias",
    ),
    Case(
        "alias-name-taken-by-account",
        {"dialog": "alias", "name": "phantom", "address": "{recipient}"},
        "",
        "account 'phantom' already exists",
    ),
    Case(
        "import-key-not-hex",
        {"dialog": "import", "name": "cold", "key": "z" * 64},
        "private key",
        "64 hexadecimal",
    ),
    Case(
        "import-name-taken",
        {"dialog": "import", "name": "me", "key": KEY_LIKE},
        "",
        "'me' is already an alias",
    ),
    Case("create-name-missing", {"dialog": "create", "name": ""}, "name", "is required"),
    Case(
        "create-name-taken",
        {"dialog": "create", "name": "friend"},
        "",
        "'friend' is already an alias",
    ),
]

# --- the other forms' fields: (view, input id, value), the line under the field ---------

FIELDS: list[Case] = [
    Case(name, {"view": view, "input": input_id, "value": value}, field, rule)
    for view, name, input_id, value, field, rule in (
        ("usage", "usage-threshold-zero", "usage-threshold", "0", "threshold", "at least 1 credit"),
        (
            "usage",
            "usage-threshold-fraction",
            "usage-threshold",
            "1.5",
            "threshold",
            "whole numbers",
        ),
        ("usage", "usage-threshold-exponent", "usage-threshold", "1e6", "threshold", "no exponent"),
        ("usage", "usage-threshold-sign", "usage-threshold", "+100", "threshold", "no sign"),
        ("usage", "usage-threshold-groups", "usage-threshold", "10,00", "threshold", "in threes"),
        ("usage", "usage-threshold-text", "usage-threshold", "lots", "threshold", "not a whole"),
        ("usage", "usage-from-text", "usage-from", "yesterday", "from", "a date (2026-05-01)"),
        ("usage", "usage-from-impossible-day", "usage-from", "2026-02-30", "from", "is not a date"),
        (
            "usage",
            "usage-to-no-timezone",
            "usage-to",
            "2026-06-01T10:00:00",
            "to",
            "needs a timezone",
        ),
        ("usage", "usage-to-before-1970", "usage-to", "1969-12-31T00:00:00Z", "to", "before 1970"),
        ("pricing", "pricing-units-zero", "pricing-units", "0", "units", "at least 1"),
        (
            "pricing",
            "pricing-units-text",
            "pricing-units",
            "four",
            "units",
            "is not a whole number",
        ),
        ("pricing", "pricing-units-huge", "pricing-units", "10000000", "units", "at most 1000000"),
        ("pricing", "pricing-hours-zero", "pricing-hours", "0", "hours", "greater than zero"),
        (
            "pricing",
            "pricing-hours-decimals",
            "pricing-hours",
            "1.0000001",
            "hours",
            "at most 6 decimals",
        ),
        ("pricing", "pricing-hours-text", "pricing-hours", "a day", "hours", "is not a number"),
        ("pricing", "pricing-hours-nan", "pricing-hours", "NaN", "hours", "finite number"),
    )
]


# --- the History view's resource filters: (input id, value), the line under the filters --
# (tests/test_ui_history.py; an empty filter there means "any", as for the other filters)

HISTORY_FILTERS: list[Case] = [
    Case(name, {"input": input_id, "value": value}, field, rule, (FORM,))
    for name, input_id, value, field, rule in (
        (
            "history-types-unknown",
            "filter-resource-types",
            "vm",
            "resource types",
            "'vm' is not a message type",
        ),
        (
            "history-types-empty-item",
            "filter-resource-types",
            "store,,program",
            "resource types",
            "has an empty item",
        ),
        (
            "history-types-trailing-comma",
            "filter-resource-types",
            "instance,",
            "resource types",
            "has an empty item",
        ),
        (
            "history-types-key-like",
            "filter-resource-types",
            KEY_LIKE,
            "resource types",
            "the value is not a message type",
        ),
        ("history-resource-name", "filter-resource", "my-vm", "resource", "must be a message hash"),
        (
            "history-resource-address",
            "filter-resource",
            "{recipient}",
            "resource",
            "is an address, not a resource",
        ),
        (
            "history-resource-0x",
            "filter-resource",
            "0x" + KEY_LIKE,
            "resource",
            "takes no 0x prefix",
        ),
        (
            "history-resource-short",
            "filter-resource",
            KEY_LIKE[:-2],
            "resource",
            "64 hexadecimal characters, or an IPFS CID",
        ),
        (
            "history-resource-bad-cid",
            "filter-resource",
            "bafy" + "0" * 55,  # 0 is not base32
            "resource",
            "must be a message hash",
        ),
    )
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
    + len(ENVIRONMENT)
    + len(DIALOGS)
    + len(FIELDS)
    + len(HISTORY_FILTERS)
)
# Distinct cases (a transfer or buy case on both surfaces counts once).
CASE_COUNT = len(TRANSFER) + len(BUY) + len(COMMANDS) + len(ENVIRONMENT) + len(DIALOGS)
CASE_COUNT += len(FIELDS) + len(HISTORY_FILTERS)


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
        # The first digit as a Cyrillic "а" (U+0430): looks the same, is not hex.
        "recipient_cyrillic": "0x\u0430" + recipient[3:],
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
