"""``aleph-tui flow``: the payment processor's ledger, as the token-flow page shows it.

Credits purchased (Credit API payments), ALEPH market-bought, distributed to the network
and burned (the processor's ``TokenPaymentsProcessed`` events, cached on disk under
``$XDG_DATA_HOME/aleph-tui/cache/``), a monthly series, the processing runs and the latest
purchases. Options: ``--limit N`` rows of runs and of purchases (default 20, 0: all),
``--cached`` (read only the cache: nothing goes to the network), ``--chunk-blocks N``
(blocks per ``eth_getLogs``, default 10 000; halved when the node refuses a range).

A source that cannot be read is reported, per section, instead of zeros: its figures are
null and ``sources.<name>.error`` says why. Exit 0 when at least one source has data; exit 1
(one line on stderr) when none has.

JSON (``--json``), stable; ALEPH, token and USD amounts are decimal strings, credits are
integers, times RFC 3339 UTC with a Z, block numbers integers::

    {"network": "devnet", "generated_at": "…Z", "contract": "0x…" | null, "limit": 20,
     "sources": {
       "chain": {"available": bool, "error": str | null, "stale": bool,
                 "updated_at": "…Z" | null, "first_block": int | null,
                 "last_block": int | null,
                 "scan": {"from_block", "to_block", "blocks", "requests", "logs_read",
                          "chunk_blocks", "reset": bool, "seconds": float} | null},
       "credit_api": {"available": bool, "error": str | null, "stale": bool,
                      "updated_at": "…Z" | null}},
     "totals": {"usd_purchased": "…" | null, "purchases": int | null,
                "credits_purchased": int | null,
                "by_currency": {"USDC": {"purchases": int, "usd": "…",
                                         "amount": "…" | null}} | null,
                "processing_runs": int | null, "aleph_market_bought": "…" | null,
                "aleph_distributed": "…" | null, "aleph_burned": "…" | null,
                "aleph_to_developers": "…" | null, "burn_percentage": int | null,
                "developers_percentage": int | null, "burn_idle": bool | null},
     "monthly": [{"month": "2026-07", "usd_purchased": "…" | null, "purchases": int | null,
                  "aleph_bought": "…" | null, "aleph_distributed": "…" | null,
                  "aleph_burned": "…" | null, "runs": int | null}],
     "runs_total": int | null,
     "runs": [{"date": "…Z" | null, "block": int, "log_index": int, "tx_hash": "0x…",
               "explorer_url": str | null, "token": "0x…", "token_symbol": "USDC" | null,
               "amount_in": "…" | null, "amount_in_units": "…", "aleph_out": "…",
               "to_network": "…", "burned": "…", "to_developers": "…" | null,
               "to_developers_token": "USDC" | null, "type": "swap" | "stable",
               "market_buy": bool, "swap_version": int, "sender": "0x…"}],
     "purchases_total": int | null,
     "purchases": [{"date": "…Z" | null, "chain": str | null, "address": str | null,
                    "currency": str | null, "amount": "…" | null, "usd": "…" | null,
                    "credits": int | null, "bonus_credits": int | null,
                    "tx_hash": str | null, "item_hash": str | null,
                    "explorer_url": str | null}]}

Runs and purchases are newest first. A run's ``type`` is ``stable`` when the event's
``isStable`` is set, else ``swap``; ``market_buy`` says whether ALEPH was bought
(``swapAmount > 0``; ALEPH payments are not swapped).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import (
    CommandError,
    add_json_option,
    add_network_options,
    configured_network,
    emit,
    open_service,
    resolve_network,
    whole_number,
)
from aleph_tui.cli.text_table import text_table
from aleph_tui.core import formatting as fmt
from aleph_tui.core.formatting import iso_utc, plain_decimal, utc_minute

if TYPE_CHECKING:
    from aleph_tui.core.flows.token_flow import FlowReport, SourceStatus
    from aleph_tui.core.networks import Network

DEFAULT_LIMIT = 20


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "flow",
        help="the payment processor's ledger: purchases, market buys, distribution, burn",
        description="Credits purchased, ALEPH market-bought, distributed to the network and "
        "burned, by month, with the processing runs and the latest purchases.",
    )
    parser.add_argument(
        "--limit",
        type=whole_number(0),
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"rows of runs and of purchases (default {DEFAULT_LIMIT}; 0: all)",
    )
    parser.add_argument(
        "--cached",
        action="store_true",
        help="read only the on-disk cache: nothing is fetched from the chain or the Credit API",
    )
    parser.add_argument(
        "--chunk-blocks",
        type=whole_number(1),
        metavar="N",
        help="blocks per eth_getLogs request (default 10000)",
    )
    add_network_options(parser)
    add_json_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


def _cached_network(args: argparse.Namespace) -> Network:
    """The network of a --cached report, read from nothing but the disk: the devnet's
    processor comes from its cache, as discovering it would read the network."""
    import dataclasses

    from aleph_tui.core.flows.token_flow import cached_processor
    from aleph_tui.core.paths import app_data_dir

    network = configured_network(args)
    if network.needs_discovery:
        processor = cached_processor(app_data_dir() / "cache", network.name)
        if processor is None:
            raise CommandError(
                f"nothing cached for {network.name} yet: run `aleph-tui flow --network "
                f"{network.name}` once while it is reachable"
            )
        network = dataclasses.replace(
            network,
            credit_contract=processor[0],
            processor_deploy_block=processor[1],
            needs_discovery=False,
            is_devnet=True,
        )
    return network.with_overrides(
        api_url=getattr(args, "api_url", None), rpc_url=getattr(args, "rpc_url", None)
    )


def _progress(scanned: int, first: int, head: int) -> None:
    done = 100 if head <= first else (scanned - first + 1) * 100 // (head - first + 1)
    print(f"\rscanning blocks {first}–{head}: {done} %", end="", file=sys.stderr, flush=True)


async def _run(args: argparse.Namespace) -> int:
    network = _cached_network(args) if args.cached else await resolve_network(args)
    show_progress = sys.stderr.isatty() and not args.cached
    async with open_service(network) as service:
        report = await service.flow_report(
            refresh=not args.cached,
            chunk_blocks=args.chunk_blocks,
            progress=_progress if show_progress else None,
        )
    if show_progress and report.scan is not None and report.scan.stats is not None:
        print(file=sys.stderr)
    if not report.chain.available and not report.credit_api.available:
        raise CommandError(
            f"no token-flow data: chain: {report.chain.error}; "
            f"Credit API: {report.credit_api.error}"
        )
    limit = args.limit or None
    emit(args, flow_json(report, limit), lambda: flow_text(network, report, limit))
    return 0


# --- JSON ---------------------------------------------------------------------------------


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else plain_decimal(value)


def _source(status: SourceStatus) -> dict[str, Any]:
    return {
        "available": status.available,
        "error": status.error,
        "stale": status.stale,
        "updated_at": iso_utc(status.updated_at),
    }


def flow_json(report: FlowReport, limit: int | None) -> dict[str, Any]:
    scan = report.scan
    stats = None if scan is None else scan.stats
    totals = report.totals
    chain_ok, api_ok = report.chain.available, report.credit_api.available
    return {
        "network": report.network,
        "generated_at": iso_utc(report.generated_at),
        "contract": report.contract,
        "limit": limit or 0,
        "sources": {
            "chain": _source(report.chain)
            | {
                "first_block": None if scan is None else scan.first_block,
                "last_block": None if scan is None else scan.last_block,
                "scan": None
                if stats is None
                else {
                    "from_block": stats.from_block,
                    "to_block": stats.to_block,
                    "blocks": stats.blocks,
                    "requests": stats.requests,
                    "logs_read": stats.logs_read,
                    "chunk_blocks": stats.chunk_blocks,
                    "reset": stats.reset,
                    "seconds": round(stats.seconds, 3),
                },
            },
            "credit_api": _source(report.credit_api),
        },
        "totals": {
            "usd_purchased": _dec(totals.usd_purchased),
            "purchases": totals.purchases,
            "credits_purchased": totals.credits_purchased,
            "by_currency": None
            if totals.by_currency is None
            else {
                currency: {
                    "purchases": total.purchases,
                    "usd": _dec(total.usd),
                    "amount": _dec(total.amount),
                }
                for currency, total in sorted(totals.by_currency.items())
            },
            "processing_runs": totals.processing_runs,
            "aleph_market_bought": _dec(totals.aleph_market_bought),
            "aleph_distributed": _dec(totals.aleph_distributed),
            "aleph_burned": _dec(totals.aleph_burned),
            "aleph_to_developers": _dec(totals.aleph_to_developers),
            "burn_percentage": totals.burn_percentage,
            "developers_percentage": totals.developers_percentage,
            "burn_idle": totals.burn_idle,
        },
        "monthly": [
            {
                "month": m.month,
                "usd_purchased": _dec(m.usd_purchased),
                "purchases": m.purchases,
                "aleph_bought": _dec(m.aleph_bought),
                "aleph_distributed": _dec(m.aleph_distributed),
                "aleph_burned": _dec(m.aleph_burned),
                "runs": m.runs,
            }
            for m in report.monthly
        ],
        "runs_total": len(report.runs) if chain_ok else None,
        "runs": [
            {
                "date": iso_utc(r.timestamp),
                "block": r.block_number,
                "log_index": r.log_index,
                "tx_hash": r.tx_hash,
                "explorer_url": r.explorer_url,
                "token": r.token,
                "token_symbol": r.token_symbol,
                "amount_in": _dec(r.amount_in),
                "amount_in_units": str(r.amount_units),
                "aleph_out": _dec(r.aleph_out),
                "to_network": _dec(r.to_network),
                "burned": _dec(r.burned),
                "to_developers": _dec(r.to_developers),
                "to_developers_token": r.to_developers_token,
                "type": r.kind,
                "market_buy": r.market_buy,
                "swap_version": r.swap_version,
                "sender": r.sender,
            }
            for r in report.runs[:limit]
        ],
        "purchases_total": len(report.purchases) if api_ok else None,
        "purchases": [
            {
                "date": iso_utc(p.created_at),
                "chain": p.chain,
                "address": p.address,
                "currency": p.currency,
                "amount": _dec(p.amount),
                "usd": _dec(p.usd),
                "credits": p.credits,
                "bonus_credits": p.bonus_credits,
                "tx_hash": p.tx_hash,
                "item_hash": p.item_hash,
                "explorer_url": None
                if not (p.tx_hash and report.explorer_tx_base)
                else report.explorer_tx_base + p.tx_hash,
            }
            for p in report.purchases[:limit]
        ],
    }


# --- text ---------------------------------------------------------------------------------


def _status_line(name: str, status: SourceStatus) -> str | None:
    if not status.available:
        return f"{name}: unavailable: {status.error}"
    if status.stale:
        when = utc_minute(status.updated_at, empty="?")
        reason = f"; {status.error}" if status.error else ""
        return f"{name}: from the cache (read {when} UTC){reason}"
    return None


def _token(value: Decimal | None) -> str | None:
    return None if value is None else fmt.token(value)


def _usd(value: Decimal | None) -> str:
    return "?" if value is None else fmt.usd(value)


def _count(value: int | None) -> str:
    return "?" if value is None else fmt.count(value)


def flow_text(network: Network, report: FlowReport, limit: int | None) -> str:
    d = _token
    totals = report.totals
    lines = []
    scan = report.scan
    where = ""
    if scan is not None and scan.last_block is not None:
        where = f"  (blocks {scan.first_block}–{scan.last_block})"
    lines.append(f"Token flow  {network.name}  processor {report.contract or '?'}{where}")
    for name, status in (("Chain", report.chain), ("Credit API", report.credit_api)):
        line = _status_line(name, status)
        if line:
            lines.append(line)
    lines.append("")
    if report.credit_api.available:
        lines.append(
            f"Credits purchased     {_usd(totals.usd_purchased)} in {_count(totals.purchases)}"
            f" purchases ({_count(totals.credits_purchased)} credits)"
        )
        for currency, total in sorted((totals.by_currency or {}).items()):
            paid = "" if total.amount is None else f"  ({d(total.amount)} {currency})"
            lines.append(f"  {currency:<6} {total.purchases:>4}  {_usd(total.usd)}{paid}")
    else:
        lines.append("Credits purchased     unavailable")
    if report.chain.available:
        burn = totals.burn_percentage
        lever = "?" if burn is None else f"{burn} %"
        idle = ", idle" if totals.burn_idle else ""
        lines += [
            f"ALEPH market-bought   {d(totals.aleph_market_bought)}",
            f"ALEPH to the network  {d(totals.aleph_distributed)}",
            f"ALEPH burned          {d(totals.aleph_burned)}  (burn {lever}{idle})",
            f"Processing runs       {_count(totals.processing_runs)}",
        ]
    else:
        lines.append("ALEPH flows           unavailable")

    def cell(value: object) -> str:
        return "—" if value is None else str(value)

    if report.monthly:
        rows = [["Month", "USD purchased", "ALEPH bought", "ALEPH distributed", "Burned", "Runs"]]
        rows += [
            [
                m.month,
                cell(None if m.usd_purchased is None else fmt.usd(m.usd_purchased)),
                cell(d(m.aleph_bought)),
                cell(d(m.aleph_distributed)),
                cell(d(m.aleph_burned)),
                cell(m.runs),
            ]
            for m in report.monthly
        ]
        lines += ["", "By month", *text_table(rows, {1, 2, 3, 4, 5})]

    if report.chain.available:
        shown = report.runs[:limit]
        lines += ["", f"Processing runs ({len(shown)} of {len(report.runs)}, newest first)"]
        if shown:
            rows = [
                ["Date", "Token", "Amount in", "ALEPH out", "To network", "Burned", "Type", "Tx"]
            ]
            rows += [
                [
                    utc_minute(r.timestamp, empty="?"),
                    r.token_symbol or r.token,
                    cell(d(r.amount_in)),
                    cell(d(r.aleph_out)),
                    cell(d(r.to_network)),
                    cell(d(r.burned)),
                    r.kind,
                    r.explorer_url or r.tx_hash,
                ]
                for r in shown
            ]
            lines += text_table(rows, {2, 3, 4, 5})

    if report.credit_api.available:
        shown_purchases = report.purchases[:limit]
        lines += [
            "",
            f"Latest purchases ({len(shown_purchases)} of {len(report.purchases)}, newest first)",
        ]
        if shown_purchases:
            rows = [["Date", "Chain", "Paid", "USD", "Credits", "Proof"]]
            rows += [
                [
                    utc_minute(p.created_at, empty="?"),
                    p.chain or "?",
                    f"{cell(d(p.amount))} {p.currency or '?'}",
                    cell(None if p.usd is None else fmt.usd(p.usd)),
                    cell(None if p.credits is None else fmt.credits(p.credits)),
                    p.tx_hash or p.item_hash or "—",
                ]
                for p in shown_purchases
            ]
            lines += text_table(rows, {3, 4})
    return "\n".join(lines)
