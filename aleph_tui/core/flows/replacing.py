"""Replacing a stuck buy's transaction, as a wallet does: the same nonce, higher fees.

- **Speed up**: the very same payment (recipient, value, calldata, gas) again, with
  higher fees. Whichever of the two is mined, the payment happens once: they share a
  nonce.
- **Cancel**: a zero-value transfer from the account to itself with that nonce. Mined
  first, it uses the nonce, so the payment can never be mined: the buy ends
  "cancelled" (nothing paid but the network fee).

EIP-1559 nodes accept a replacement only if it raises BOTH ``maxFeePerGas`` and
``maxPriorityFeePerGas`` by at least 10 % over the one it replaces (geth's and most
pools' price bump; anvil asks for less, any higher fee; the embedded chain applies the
10 % rule). A replacement is also at least what the market asks now (``2 × base fee +
tip``). It is refused before anything is signed when its max fee per gas would pass the
cap the user gave (``FeeCapExceeded``, bad input).

Journal: each replacement is an entry of the buy's ``details["replacements"]``, written
with its raw signed bytes BEFORE it is sent (``state`` "signed"), then marked "sent" (or
"refused" by the node: it is then no candidate any more). The original and every
replacement not refused are *candidates*: resume follows whichever of them is mined
(core/flows/buying.py), and broadcasts their very bytes again (newest first) only when
the node knows none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from aleph_tui.core.chain.gateway import ETH_DECIMALS, ChainGateway, TxPlan
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.formatting import count, exact_units
from aleph_tui.core.journal.operation_journal import Operation
from aleph_tui.core.validation import InvalidInput

ReplaceKind = Literal["speed_up", "cancel"]
CandidateKind = Literal["original", "speed_up", "cancel"]
REPLACE_KINDS: tuple[ReplaceKind, ...] = ("speed_up", "cancel")
# The journal key of the replacement entries, and the one of the first hash once a
# replacement was mined (``tx_hash`` is then the mined one, which the credits carry).
REPLACEMENTS = "replacements"
ORIGINAL_TX_HASH = "original_tx_hash"
PRICE_BUMP_PERCENT = 10
CANCEL_GAS = 21_000  # a plain value transfer
FEE_CAP_FIELD = "max-fee-gwei"
GWEI = 10**9


class ReplaceError(ServiceError):
    """The operation cannot be replaced (not a buy, settled, already mined)."""


class FeeCapExceeded(InvalidInput):
    """The replacement would need a max fee per gas above the user's cap."""

    def __init__(self, needed_wei: int, cap_wei: int, kind: ReplaceKind) -> None:
        self.needed_wei = needed_wei
        self.cap_wei = cap_wei
        what = "speed-up" if kind == "speed_up" else "cancellation"
        super().__init__(
            FEE_CAP_FIELD,
            f"the {what} needs a max fee of {gwei_text(needed_wei)} gwei per gas (10 % over "
            f"the transaction it replaces, and at least the network's current fee), above "
            f"your cap of {gwei_text(cap_wei)} gwei; nothing was signed",
        )


@dataclass(frozen=True)
class Candidate:
    """A transaction that may settle the buy: the original or a replacement."""

    kind: CandidateKind
    tx_hash: str
    raw: bytes | None  # None: an entry without (valid) bytes: never broadcast

    @property
    def label(self) -> str:
        return {"original": "payment", "speed_up": "speed-up", "cancel": "cancellation"}[self.kind]


@dataclass(frozen=True)
class ReplacementQuote:
    """What the confirmation shows, and the exact transaction ``Buyer.replace`` signs."""

    operation: Operation
    kind: ReplaceKind
    plan: TxPlan
    replaces: str  # the hash of the transaction with the highest fees so far
    previous_max_fee: int
    previous_tip: int
    cap_wei: int

    @property
    def max_network_fee_eth(self) -> Decimal:
        return self.plan.max_network_fee_eth

    @property
    def title(self) -> str:
        if self.kind == "speed_up":
            return "Speed up the payment (the same transaction, higher fees)"
        return "Cancel the payment (a zero-value transfer to yourself)"

    def rows(self) -> list[tuple[str, str]]:
        """What the confirmation shows, as (what, value)."""
        plan = self.plan
        return [
            ("operation", self.operation.id),
            ("replaces", f"{self.replaces} (nonce {plan.nonce}, chain id {plan.chain_id})"),
            ("from", plan.sender),
            ("to", plan.to),
            (
                "max fee",
                f"{gwei_text(plan.max_fee_per_gas)} gwei per gas (was "
                f"{gwei_text(self.previous_max_fee)}; your cap {gwei_text(self.cap_wei)})",
            ),
            (
                "tip",
                f"{gwei_text(plan.max_priority_fee_per_gas)} gwei per gas "
                f"(was {gwei_text(self.previous_tip)})",
            ),
            (
                "network fee",
                # every digit of the cap that is signed, grouped
                f"at most {exact_units(plan.max_network_fee, ETH_DECIMALS, 'ETH')} "
                f"(gas {count(plan.gas)})",
            ),
        ]

    def summary(self) -> list[str]:
        return [self.title] + [f"  {what:<12} {value}" for what, value in self.rows()]


def gwei_text(wei: int) -> str:
    return f"{Decimal(wei).scaleb(-9).normalize():f}"


def bump(value: int) -> int:
    """``value`` raised by at least PRICE_BUMP_PERCENT (rounded up, and by 1 at least)."""
    return value + max(-(-value * PRICE_BUMP_PERCENT // 100), 1)


def entries(op: Operation) -> list[dict[str, Any]]:
    found = op.details.get(REPLACEMENTS)
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, dict)]


def checked_raw(text: object, tx_hash: object) -> bytes | None:
    """The bytes ``text`` holds if they hash to ``tx_hash``; None otherwise (never
    broadcast something else than the transaction journaled under that hash)."""
    if not isinstance(text, str) or not isinstance(tx_hash, str):
        return None
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        return None
    from eth_utils.crypto import keccak

    return raw if "0x" + keccak(raw).hex() == tx_hash.lower() else None


def candidates(op: Operation) -> list[Candidate]:
    """The original payment, then the replacements the node did not refuse, oldest
    first (so the last one has the highest fees)."""
    details = op.details
    first_hash = str(details.get(ORIGINAL_TX_HASH) or details.get("tx_hash") or "")
    found: list[Candidate] = []
    if first_hash:
        raw = details.get("original_raw_tx") if ORIGINAL_TX_HASH in details else None
        raw = raw if raw is not None else details.get("raw_tx")
        found.append(Candidate("original", first_hash, checked_raw(raw, first_hash)))
    for entry in entries(op):
        kind, tx_hash = entry.get("kind"), entry.get("tx_hash")
        if kind not in REPLACE_KINDS or not isinstance(tx_hash, str):
            continue
        if entry.get("state") == "refused":
            continue
        found.append(Candidate(kind, tx_hash, checked_raw(entry.get("raw_tx"), tx_hash)))
    return found


def cancel_requested(op: Operation) -> bool:
    return any(c.kind == "cancel" for c in candidates(op))


def decoded(raw: bytes) -> dict[str, Any]:
    """The fields of a signed type-2 transaction."""
    from eth_account.typed_transactions.typed_transaction import TypedTransaction
    from hexbytes import HexBytes

    try:
        fields = dict(TypedTransaction.from_bytes(HexBytes(raw)).as_dict())
    except Exception as exc:  # an old legacy tx, damaged bytes: never guessed
        raise ReplaceError(f"the journaled transaction cannot be read ({exc})") from None
    if fields.get("type") != 2:
        raise ReplaceError("only EIP-1559 (type 2) transactions can be replaced here")
    return fields


async def quote_replacement(
    gateway: ChainGateway, op: Operation, kind: ReplaceKind, cap_wei: int
) -> ReplacementQuote:
    """The replacement of ``op``'s transaction with the highest fees so far: the same
    nonce, fees 10 % over it (and at least the market's). Signs nothing. Raises
    ``ReplaceError`` when the buy cannot be replaced, ``FeeCapExceeded`` above the cap."""
    if op.kind != "buy":
        raise ReplaceError(
            f"operation {op.id} is a {op.kind}: only a buy's payment can be replaced"
        )
    if not op.is_open:
        raise ReplaceError(f"operation {op.id} is settled ({op.status}): nothing to replace")
    if op.status not in ("signed", "submitted"):
        block = op.details.get("block_number")
        raise ReplaceError(
            f"operation {op.id}'s payment is already mined"
            + (f" (block {block})" if block is not None else "")
            + ": it can no longer be replaced; its credits are being waited for"
        )
    if cap_wei <= 0:
        raise InvalidInput(FEE_CAP_FIELD, "must be more than 0")
    latest = next((c for c in reversed(candidates(op)) if c.raw is not None), None)
    if latest is None or latest.raw is None:
        raise ReplaceError(
            f"operation {op.id} has no copy of its signed transaction (journaled by an older "
            "version): its nonce and fees are unknown, so it cannot be replaced"
        )
    fields = decoded(latest.raw)
    nonce = op.details.get("nonce")
    if nonce is not None and int(fields["nonce"]) != int(nonce):
        raise ReplaceError(f"operation {op.id}'s journaled transaction has another nonce")
    market = await gateway.fees()
    old_tip, old_max = int(fields["maxPriorityFeePerGas"]), int(fields["maxFeePerGas"])
    tip = max(bump(old_tip), market.max_priority_fee)
    max_fee = max(bump(old_max), 2 * market.base_fee + tip)
    if max_fee > cap_wei:
        raise FeeCapExceeded(max_fee, cap_wei, kind)
    from aleph_tui.core import validation

    sender = validation.checksum_address(op.account)
    if kind == "speed_up":
        to = validation.checksum_address("0x" + bytes(fields["to"]).hex())
        value, data, gas = (
            int(fields["value"]),
            "0x" + bytes(fields["data"]).hex(),
            int(fields["gas"]),
        )
    else:
        to, value, data, gas = sender, 0, "0x", CANCEL_GAS
    plan = TxPlan(
        chain_id=int(fields["chainId"]),
        sender=sender,
        to=to,
        value=value,
        data=data,
        nonce=int(fields["nonce"]),
        gas=gas,
        max_fee_per_gas=max_fee,
        max_priority_fee_per_gas=tip,
    )
    return ReplacementQuote(op, kind, plan, latest.tx_hash, old_max, old_tip, cap_wei)


def fee_cap_wei(text: str) -> int:
    """``--max-fee-gwei`` as wei: a positive decimal number of gwei (at most 9 decimals),
    typed as any number is (core/validation.py: no sign, no exponent)."""
    from aleph_tui.core.validation import positive_decimal

    if not text.strip():
        raise InvalidInput(FEE_CAP_FIELD, "must not be empty: give the most gwei per gas to pay")
    value = positive_decimal(
        text, field=FEE_CAP_FIELD, unit="gwei", decimals=9, maximum=Decimal(10**6)
    )
    return int(value.scaleb(9))
