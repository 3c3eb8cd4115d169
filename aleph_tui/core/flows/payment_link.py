"""Pay from a phone: an EIP-681 payment link for a purchase, shown as a QR code, then the
paying address watched until its credits arrive.

A purchase is a plain payment to the credit contract (see ``buying``), so any wallet can
make it: the link asks for exactly that transaction. The credit service credits the
address that PAYS, so the link is made for one address (the account shown, which may be
watch-only: its key never touches this terminal) and the watch looks for that address's
payment to the credit contract, mined at or after the block the link was made at.

Once the payment is mined it is journaled as an ordinary buy (status ``confirmed``), as
``pending --scan`` journals a payment it finds, and ``Buyer.resume`` follows it to the
credits with the same steps as a buy signed here: a kill or a deadline loses nothing,
and ``aleph-tui pending`` picks it up.

EIP-681 (https://eips.ethereum.org/EIPS/eip-681)::

    ethereum:<credit contract>@<chain id>?value=<wei>                        (ETH)
    ethereum:<token>@<chain id>/transfer?address=<credit contract>&uint256=<units>
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aleph_tui.core import validation
from aleph_tui.core.chain.gateway import ETH_DECIMALS, ChainError
from aleph_tui.core.flows.buying import (
    MAX_POLL_INTERVAL_S,
    Buyer,
    BuyError,
    BuyProgress,
    BuyRequest,
    BuyResult,
    ProgressCallback,
)
from aleph_tui.core.flows.buying import (
    _emit as emit_progress,
)
from aleph_tui.core.flows.buying import (
    _units_at as units_at,
)
from aleph_tui.core.flows.payment_scan import (
    TRANSFER_TOPIC,
    FoundPayment,
    PaymentScan,
    follow,
    topic,
)
from aleph_tui.core.networks import Network

# How long the watch waits for the payment itself: a person is scanning a code.
PAYMENT_TIMEOUT_S = 30 * 60.0


@dataclass(frozen=True)
class PaymentLink:
    """What to pay, from which address, and where the watch starts."""

    network: Network
    token: str  # ALEPH, USDC or ETH
    units: int
    decimals: int
    payer: str  # the address that must pay: it gets the credits
    recipient: str  # the credit contract
    token_contract: str | None  # None for ETH
    chain_id: int
    from_block: int  # the first block the payment may be in
    estimated_credits: int | None

    @property
    def amount_text(self) -> str:
        return validation.token_text(self.units, self.decimals)

    @property
    def uri(self) -> str:
        return eip681_uri(self.chain_id, self.recipient, self.units, self.token_contract)

    def as_json(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "token": self.token,
            "amount": self.amount_text,
            "units": str(self.units),
            "chain_id": self.chain_id,
            "payer": self.payer,
            "recipient": self.recipient,
            "token_contract": self.token_contract,
            "estimated_credits": self.estimated_credits,
            "from_block": self.from_block,
        }


def eip681_uri(chain_id: int, recipient: str, units: int, token_contract: str | None) -> str:
    """The payment request: a value transfer to ``recipient``, or the token's
    ``transfer(recipient, units)``; amounts in base units, as integers."""
    if token_contract is None:
        return f"ethereum:{recipient}@{chain_id}?value={units}"
    return f"ethereum:{token_contract}@{chain_id}/transfer?address={recipient}&uint256={units}"


def qr_lines(text: str) -> list[str]:
    """``text`` as a QR code in half-block characters (two modules per character row),
    dark modules drawn as blanks on light. The quiet zone is two modules (one below when
    the module rows are odd), not the standard's four: phone scanners read it, and four
    would not fit 80×24."""
    import segno

    rows = [
        list(row)
        for row in segno.make(text, error="l", boost_error=False).matrix_iter(scale=1, border=2)
    ]
    if len(rows) % 2:
        # Two modules per character row: an odd count loses its last quiet row (one
        # module below, not three), so a version-7 code (an ALEPH amount's link, 49
        # modules) takes 24 lines, not 25, and fits 80×24.
        rows.pop()
    glyphs = {(1, 1): "█", (1, 0): "▀", (0, 1): "▄", (0, 0): " "}
    # Light is the "ink": terminals are mostly dark, and scanners need dark modules on
    # a light field, so a light module is drawn as a full block.
    return [
        "".join(glyphs[(1 - top, 1 - bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]


async def payment_link(buyer: Buyer, request: BuyRequest) -> PaymentLink:
    """The link for ``request`` (its payer is who must pay): the credits estimated, and
    the block the watch starts at. Nothing is signed; the payer's balance is not required
    (the phone may be another wallet's)."""
    network = buyer.network
    if not network.credit_contract:
        raise BuyError(f"network {network.name} has no credit contract to pay")
    recipient = validation.address(network.credit_contract, field="credit contract")
    gateway = buyer.gateway
    chain_id = validation.chain_id(await gateway.chain_id(), network.chain_id, network=network.name)
    contract: str | None = None
    decimals = ETH_DECIMALS
    if request.token != "ETH":
        contract = network.aleph_token if request.token == "ALEPH" else network.usdc_token
        if not contract:
            raise BuyError(f"network {network.name} has no {request.token} token address")
        contract = validation.address(contract, field=f"{request.token} token")
        decimals = await gateway.token_decimals(contract, symbol=request.token)
    units = units_at(request, decimals)
    estimate = await buyer.estimate(request.token, units)
    return PaymentLink(
        network=network,
        token=request.token,
        units=units,
        decimals=decimals,
        payer=request.payer,
        recipient=recipient,
        token_contract=contract,
        chain_id=chain_id,
        from_block=await gateway.block_number(),
        estimated_credits=None if estimate is None else estimate.credits,
    )


async def follow_payment(
    buyer: Buyer,
    link: PaymentLink,
    progress: ProgressCallback | None = None,
    *,
    within: float = PAYMENT_TIMEOUT_S,
) -> BuyResult | None:
    """Watch for ``link.payer``'s payment to the credit contract, then follow it to the
    credits as a buy. None when no payment was mined ``within`` seconds: nothing was
    paid that this watch saw, and nothing is journaled."""
    deadline = time.monotonic() + within
    interval = buyer.poll_interval
    emit_progress(
        progress,
        BuyProgress("waiting", f"waiting for a payment from {link.payer} (scan the code)"),
    )
    scanned = link.from_block - 1
    while True:
        try:
            latest = await buyer.gateway.block_number()
            found = await _payment(buyer, link, scanned + 1, latest) if latest > scanned else None
        except ChainError:
            found, latest = None, scanned  # the watch outlives a passing RPC fault
        if found is not None:
            return await _follow(buyer, link, found, latest, progress)
        scanned = latest
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(min(interval, max(deadline - time.monotonic(), 0)))
        interval = min(interval * 1.5, MAX_POLL_INTERVAL_S)


async def _payment(buyer: Buyer, link: PaymentLink, first: int, last: int) -> FoundPayment | None:
    """The first payment from the payer to the credit contract in blocks ``first`` to
    ``last``, read as ``pending --scan`` reads them: the token's Transfer log, or the
    processor's own for ETH. A reverted payment leaves no log."""
    contract = link.token_contract or link.recipient
    topics = [TRANSFER_TOPIC, topic(link.payer), topic(link.recipient)]
    for log in await buyer.gateway.logs(contract, topics, first, last):
        return FoundPayment(
            tx_hash=str(log["transactionHash"]).lower(),
            block_number=_int(log["blockNumber"]),
            timestamp=None,
            token=link.token,
            units=int(str(log["data"]), 16),
            decimals=link.decimals,
            credits=None,
            operation_id=None,
        )
    return None


async def _follow(
    buyer: Buyer,
    link: PaymentLink,
    found: FoundPayment,
    last_block: int,
    progress: ProgressCallback | None,
) -> BuyResult:
    """Journal the payment as a buy to follow (as ``pending --scan`` does), then follow
    it to the credits."""
    explorer = link.network.tx_link(found.tx_hash)
    emit_progress(
        progress, BuyProgress("sent", f"payment seen: {found.tx_hash}", found.tx_hash, explorer)
    )
    scan = PaymentScan(
        link.network.name, link.payer, link.recipient, link.from_block, last_block, (found,)
    )
    (op,) = follow(buyer.journal, link.network, scan, (found,))
    # Credits are in proportion to what was paid, which the wallet may have changed.
    expected = link.estimated_credits
    if expected is not None and found.units != link.units:
        expected = int(Decimal(expected) * found.units / link.units)
    op = buyer.journal.record(
        op, details=op.details | {"expected_credits": expected, "paid_from": "payment link"}
    )
    emit_progress(
        progress,
        BuyProgress(
            "confirmed", f"confirmed in block {found.block_number}", found.tx_hash, explorer
        ),
    )
    return await buyer.resume(op, progress)


def _int(value: Any) -> int:
    return int(str(value), 16) if str(value).startswith("0x") else int(value)
