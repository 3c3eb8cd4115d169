"""``aleph-tui credit buy``: pay the credit contract with ALEPH, USDC or ETH.

    aleph-tui credit buy --token aleph|usdc|eth --amount X [-y] [--json] [--dry-run]
                         [--account NAME | --private-key HEX] [--network NAME] ...

It quotes first (Credit API estimate, fee, balance checks), shows what will be signed
(network and chain id, from, the credit contract, the token contract, the amount in
human and base units, the fee limit, the nonce, the estimated credits and their USD
worth), asks for confirmation (refused without a terminal unless ``-y``), then signs
locally, sends, waits for the receipt and for the credits. Progress goes to stderr.

``--dry-run`` signs and prints the transaction hash without sending anything; it asks
no confirmation, as nothing is sent.

JSON output (``--json``), mirroring the Rust ``aleph credit buy``; Decimals are
strings, credits integers::

    {
      "token": "USDC",                 # ALEPH, USDC or ETH
      "amount": "2",                   # human units
      "estimated_credits": 2000000,    # bonus included (Credit API estimate)
      "price_usd": "1",                # of one whole token
      "bonus_ratio": "0",              # 0.2 for ALEPH
      "recipient": "0x…",              # the credit contract
      "tx_hash": "0x…",                # on a dry run too (signed, not sent), with "dry_run": true
      "credits_received": 2000000,     # null while pending or on a dry run
      "status": "completed"            # or "pending" (credits not there yet), "dry_run"
    }

Exit codes: 0 for completed, pending and dry-run; 2 for bad input; 1 for anything else
(refused, cancelled, reverted, unreachable), with one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import (
    CommandError,
    UsageError,
    add_json_option,
    add_network_options,
    checked,
    confirm,
    emit,
    input_error,
    open_service,
    resolve_network,
)
from aleph_tui.cli.signer_options import add_signer_options, signer_for_network
from aleph_tui.core import formatting as fmt

if TYPE_CHECKING:
    from aleph_tui.core.flows.buying import BuyProgress, BuyQuote, BuyResult
    from aleph_tui.core.flows.payment_link import PaymentLink

TOKEN_CHOICES = ("aleph", "usdc", "eth")
PROG = "aleph-tui credit buy"
# The options, as core's validators name their fields.
OPTIONS = ("token", "amount", "rpc-url")


def register(credit_sub: Any) -> None:
    parser = credit_sub.add_parser(
        "buy",
        help="buy credits with ALEPH, USDC or ETH",
        description="Buy credits by paying the credit contract with ALEPH, USDC or ETH.",
    )
    parser.add_argument(
        "--token", required=True, type=str.lower, choices=TOKEN_CHOICES, help="what to pay with"
    )
    parser.add_argument(
        "--amount", required=True, metavar="X", help="how much of the token, e.g. 2.5"
    )
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--dry-run", action="store_true", help="sign and show the hash, but send nothing"
    )
    parser.add_argument(
        "--qr",
        action="store_true",
        help="pay from another wallet (a phone): show an EIP-681 link as a QR code, then "
        "watch the paying address until its credits arrive; no key is used",
    )
    parser.add_argument(
        "--address",
        metavar="ADDRESS|NAME",
        help="with --qr: the address that will pay and get the credits (default: the "
        "default account; a watch-only account works)",
    )
    parser.add_argument(
        "--wait",
        type=checked(_minutes),
        default=None,
        metavar="MINUTES",
        help="with --qr: how long to watch for the payment (default 30)",
    )
    add_json_option(parser)
    add_signer_options(parser)
    add_network_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_buy(args))


def _check_amount(token: str, amount: str) -> None:
    """Refuse a bad amount before touching the network (known decimals)."""
    from aleph_tui.core.chain.gateway import KNOWN_DECIMALS
    from aleph_tui.core.validation import InvalidInput, token_amount

    try:
        token_amount(amount, KNOWN_DECIMALS[token], token)
    except InvalidInput as exc:
        raise input_error(PROG, exc, OPTIONS) from None


def _minutes(text: str) -> int:
    from aleph_tui.core.validation import positive_int

    return positive_int(text, field="wait", maximum=24 * 60)


async def _buy(args: argparse.Namespace) -> int:
    from aleph_tui.core.validation import InvalidInput

    token = args.token.upper()
    _check_amount(token, args.amount)
    if args.qr:
        return await _pay_from_phone(args, token)
    for option, given in (("--address", args.address), ("--wait", args.wait)):
        if given is not None:
            raise UsageError(f"aleph-tui: {option}: only with --qr")
    network = await resolve_network(args)
    signer = await signer_for_network(args, network)
    async with open_service(network) as service:
        try:
            request = service.buy_request(token, args.amount, signer.address)
            quote = await service.buy_quote(request)  # parses nothing again
        except InvalidInput as exc:
            raise input_error(PROG, exc, OPTIONS) from None
        action = "Sign (dry run)" if args.dry_run else "Sign and send"
        for _ in range(3):  # a price that keeps moving: ask again, a few times
            summary = _summary(quote)
            if quote.requoted is not None:
                summary.append(f"  quoted again {quote.requoted}")
            # A dry run sends nothing, so it needs no confirmation (as a transfer's).
            unasked = args.yes or args.dry_run
            if unasked and not args.json:
                for line in summary:
                    print(line, file=sys.stderr)
            confirm(summary, unasked, action=action)
            # The prompt may have waited: a quote older than a minute, or whose price
            # moved, is quoted again (and shown again) before anything is signed.
            fresh = await service.buy_fresh(quote)
            if fresh is quote:
                break
            quote = fresh
        else:
            raise CommandError("the price kept moving; nothing was signed, try again")
        result = await service.buy(quote, signer, dry_run=args.dry_run, progress=_progress)
    if result.status == "failed":
        raise CommandError(f"payment {result.tx_hash} failed: {result.error}")
    emit(args, _json(quote, result), lambda: _text(quote, result))
    return 0


async def _pay_from_phone(args: argparse.Namespace, token: str) -> int:
    """``--qr``: the link and its code, then the same progress as a buy signed here."""
    from aleph_tui.cli.balance_command import resolve_address
    from aleph_tui.core.validation import InvalidInput

    refused = {"--private-key": args.private_key, "--dry-run": args.dry_run, "-y": args.yes}
    for option, given in refused.items():
        if given:
            raise UsageError(f"aleph-tui: {option}: not with --qr (no key signs here)")
    given = args.address if args.address is not None else args.account
    payer = resolve_address(given, field="--address")
    network = await resolve_network(args)
    async with open_service(network) as service:
        try:
            link = await service.payment_link(service.buy_request(token, args.amount, payer))
        except InvalidInput as exc:
            raise input_error(PROG, exc, OPTIONS) from None
        if args.json:
            # JSON Lines: the link first, at once, so a program can pay it while we watch.
            print(json.dumps({"event": "payment_link", **link.as_json()}), flush=True)
        else:
            print("\n".join(_link_text(link)), flush=True)
        within = None if args.wait is None else args.wait * 60.0
        result = await service.follow_payment(link, _progress, within=within)
    if result is None:
        minutes = args.wait or 30
        raise CommandError(f"no payment from {payer} seen within {minutes} minutes")
    if result.status == "failed":
        raise CommandError(f"payment {result.tx_hash} failed: {result.error}")
    if args.json:
        print(json.dumps({"event": "result", **_result_json(result)}, default=str))
    else:
        # exact and grouped (an old journal entry may lack the amount)
        paid = fmt.exact_decimal(Decimal(result.amount), grouped=True) if result.amount else "?"
        print(_result_text(f"{paid} {result.token}", result))
    return 0


def _link_text(link: PaymentLink) -> list[str]:
    from aleph_tui.core.flows.payment_link import qr_lines

    credits = (
        ""
        if link.estimated_credits is None
        else f" for about {fmt.credits(link.estimated_credits)} credits"
    )
    return [
        f"Pay {fmt.exact_units(link.units, link.decimals, link.token)}{credits} "
        f"on {link.network.name} "
        f"(chain id {link.chain_id}) from a phone wallet:",
        "",
        *qr_lines(link.uri),
        "",
        link.uri,
        "",
        f"Credits go to the address that pays. Pay from {link.payer}:",
        "a payment from any other address credits that other address.",
    ]


def _usd(value: Decimal | None) -> str:
    return "?" if value is None else fmt.usd(value)


def _summary(quote: BuyQuote) -> list[str]:
    from aleph_tui.core.aleph.models import credits_to_usd
    from aleph_tui.core.flows.buying import minimum_text

    minimum = minimum_text(quote)
    plan = quote.plan
    network = quote.network
    token_line = (
        "ETH (native)" if quote.token_contract is None else f"{quote.token} {quote.token_contract}"
    )
    gwei = fmt.rate(Decimal(plan.max_fee_per_gas).scaleb(-9))
    if quote.estimated_credits is None:
        credits = "unknown (this network has no Credit API)"
    else:
        bonus = f", {fmt.credits(quote.bonus_credits)} bonus" if quote.bonus_credits else ""
        # The credits' worth (1 000 000 credits = $1), bonus included: not the payment's.
        worth = _usd(credits_to_usd(quote.estimated_credits))
        credits = f"≈ {fmt.credits(quote.estimated_credits)}{bonus}, worth {worth}"
    return [
        f"Buy credits on {network.name} (chain id {quote.chain_id})",
        f"  from         {quote.payer}",
        f"  recipient    {quote.recipient} (credit contract)",
        f"  token        {token_line}",
        f"  amount       {fmt.exact_decimal(quote.amount, grouped=True)} {quote.token}"
        f" ({fmt.count(quote.units)} base units"
        + ("" if quote.total_usd is None else f", worth {_usd(quote.total_usd)}")
        + ")",
        f"  network fee  at most {fmt.fee(quote.fee_limit_eth, quote.fee_limit_usd)} "
        f"(gas {fmt.count(plan.gas)} × {gwei} gwei)",
        f"  nonce        {plan.nonce}",
        f"  credits      {credits}",
        *([] if minimum is None else [f"  minimum      {minimum}"]),
    ]


def _progress(event: BuyProgress) -> None:
    line = event.message
    if event.step == "sent" and event.explorer_url:
        line += f" ({event.explorer_url})"
    print(f"[{event.step}] {line}", file=sys.stderr, flush=True)


def _json(quote: BuyQuote, result: BuyResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token": quote.token,
        "amount": quote.amount_text,
        "estimated_credits": quote.estimated_credits,
        "min_credits": quote.min_credits,
        "price_usd": quote.price_usd,
        "bonus_ratio": quote.bonus_ratio,
        "recipient": quote.recipient,
    }
    return data | _result_json(result)


def _result_json(result: BuyResult) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if result.status == "dry_run":
        data["dry_run"] = True
    data["tx_hash"] = result.tx_hash  # a dry run's was signed, never sent
    data["credits_received"] = result.credits_received
    data["status"] = result.status
    return data


def _text(quote: BuyQuote, result: BuyResult) -> str:
    return _result_text(f"{fmt.exact_decimal(quote.amount, grouped=True)} {quote.token}", result)


def _result_text(paid: str, result: BuyResult) -> str:
    if result.status == "dry_run":
        return f"Dry run: signed {result.tx_hash} for {paid}; nothing was sent."
    if result.status == "completed":
        received = "?" if result.credits_received is None else fmt.credits(result.credits_received)
        return f"Bought {received} credits with {paid} (tx {result.tx_hash})."
    return f"Paid {paid} (tx {result.tx_hash}); {result.error}."
