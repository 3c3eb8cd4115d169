"""Text and JSON renderings of balances, credit history and transfers for the commands.

The JSON shapes are stable (README, "Headless commands"): amounts in credits are
integers, ALEPH and USD amounts are decimal strings, times are RFC 3339 UTC with a Z.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aleph_tui.cli.text_table import text_table
from aleph_tui.core import formatting as fmt
from aleph_tui.core.aleph.models import credits_to_usd
from aleph_tui.core.formatting import iso_utc, plain_decimal, utc_minute

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.aleph.history_models import (
        CreditHistoryEntry,
        CreditHistoryPage,
        CreditHistorySummary,
        HistoryFilters,
    )
    from aleph_tui.core.aleph.models import Balance, BalanceSlot, BalanceTotals
    from aleph_tui.core.flows.transferring import TransferQuote, TransferResult
    from aleph_tui.core.networks import Network


def usd(credits: int) -> str:
    return plain_decimal(credits_to_usd(credits))


# --- account balance --------------------------------------------------------------------


def balance_json(network: Network, balance: Balance) -> dict[str, Any]:
    return {
        "network": network.name,
        "address": balance.address,
        "aleph": plain_decimal(balance.aleph),
        "aleph_by_chain": {chain: plain_decimal(v) for chain, v in balance.aleph_by_chain.items()},
        "locked": plain_decimal(balance.locked),
        "available": plain_decimal(balance.available),
        "credits": balance.credits,
        "credits_usd": usd(balance.credits),
        "credit_lots": [
            {"expiration": iso_utc(lot.expiration), "amount": lot.amount, "usd": usd(lot.amount)}
            for lot in balance.lots
        ],
    }


def balance_text(network: Network, balance: Balance) -> str:
    chains = ", ".join(f"{c} {fmt.token(v)}" for c, v in balance.aleph_by_chain.items())
    lines = [
        f"Address    {balance.address}  ({network.name})",
        f"ALEPH      {fmt.token(balance.aleph)}" + (f"  ({chains})" if chains else ""),
        f"Locked     {fmt.token(balance.locked)}",
        f"Available  {fmt.token(balance.available)}",
        f"Credits    {fmt.credits_with_usd(balance.credits)}",
    ]
    if balance.lots:
        lines.append("Credits by expiration")
        rows = [
            [
                utc_minute(lot.expiration, empty="never") + (" UTC" if lot.expiration else ""),
                fmt.credits(lot.amount),
                fmt.credits_usd(lot.amount),
            ]
            for lot in balance.lots
        ]
        lines += ["  " + line for line in text_table(rows, right={1, 2})]
    return "\n".join(lines)


def balances_json(
    network: Network, rows: list[tuple[Account, BalanceSlot]], totals: BalanceTotals
) -> dict[str, Any]:
    """``account balance --all``: one entry per account (keyed or watch-only), then the
    totals over the addresses whose balance was read (each address once)."""
    accounts = []
    for account, slot in rows:
        balance = slot.balance
        accounts.append(
            {
                "name": account.name,
                "address": account.address,
                "kind": account.kind_display,
                "watch_only": account.watch_only,
                "aleph": None if balance is None else plain_decimal(balance.aleph),
                "credits": None if balance is None else balance.credits,
                "credits_usd": None if balance is None else usd(balance.credits),
                "error": slot.error if balance is None else None,
            }
        )
    return {
        "network": network.name,
        "accounts": accounts,
        "totals": {
            "aleph": plain_decimal(totals.aleph),
            "credits": totals.credits,
            "credits_usd": usd(totals.credits),
            "addresses": totals.counted,
            "unavailable": totals.missing,
        },
    }


def balances_text(
    network: Network, rows: list[tuple[Account, BalanceSlot]], totals: BalanceTotals
) -> str:
    if not rows:
        return "No accounts. Add one with: aleph-tui account create NAME (or account watch)"
    table = [["NAME", "TYPE", "ADDRESS", "ALEPH", "CREDITS", "USD"]]
    for account, slot in rows:
        balance = slot.balance
        if balance is None:
            amounts = ["unavailable", "", ""]
        else:
            amounts = [
                fmt.token(balance.aleph),
                fmt.credits(balance.credits),
                fmt.credits_usd(balance.credits),
            ]
        table.append([account.name, account.kind_display, account.address, *amounts])
    counted = f"{totals.counted} address{'es' if totals.counted != 1 else ''}"
    table.append(
        [
            "TOTAL",
            counted,
            "",
            fmt.token(totals.aleph),
            fmt.credits(totals.credits),
            fmt.credits_usd(totals.credits),
        ]
    )
    lines = [f"Balances on {network.name}", *text_table(table, right={3, 4})]
    for account, slot in rows:
        if slot.balance is None:
            lines.append(f"{account.name}: unavailable ({slot.error}); not in the totals")
    return "\n".join(lines)


# --- credit history -------------------------------------------------------------------


def filters_json(filters: HistoryFilters) -> dict[str, Any]:
    return {
        "direction": filters.direction,
        "payment_method": filters.payment_method,
        "from": iso_utc(filters.start),
        "to": iso_utc(filters.end),
        "resource_types": list(filters.resource_types) or None,
        "resource": filters.resource,
    }


def entry_json(entry: CreditHistoryEntry) -> dict[str, Any]:
    """The export's record without the v2 expense columns, which the JSON shape of
    ``credit history`` documented before they existed."""
    from aleph_tui.core.flows.history_export import entry_record

    record = dict(entry_record(entry))
    del record["expense_count"], record["expense_size_mib"]
    return record


def history_json(
    network: Network, page: CreditHistoryPage, filters: HistoryFilters
) -> dict[str, Any]:
    return {
        "network": network.name,
        "address": page.address,
        "page": page.page,
        "page_size": page.page_size,
        "total": page.total,
        "pages": page.pages,
        "filters": filters_json(filters),
        "entries": [entry_json(e) for e in page.entries],
    }


def history_text(network: Network, page: CreditHistoryPage) -> str:
    head = (
        f"Credit history of {page.address} ({network.name}): "
        f"page {page.page} of {fmt.count(page.pages)}, "
        f"{fmt.counted(page.total, 'entry', 'entries')}"
    )
    if not page.entries:
        return head + "\nNo entries on this page."
    rows = [["DATE (UTC)", "AMOUNT", "USD", "METHOD", "DETAIL", "EXPIRES"]]
    for e in page.entries:
        rows.append(
            [
                utc_minute(e.timestamp),
                fmt.credits(e.amount, signed=True),
                fmt.credits_usd(e.amount, signed=True),
                e.payment_method or "",
                e.detail,
                utc_minute(e.expiration),
            ]
        )
    return "\n".join([head, *text_table(rows, right={1, 2})])


def summary_json(
    network: Network, summary: CreditHistorySummary, filters: HistoryFilters
) -> dict[str, Any]:
    return {
        "network": network.name,
        "address": summary.address,
        "filters": filters_json(filters),
        "entry_count": summary.entry_count,
        "total_amount": summary.total_amount,
        "total_incoming": summary.total_incoming,
        "total_outgoing": summary.total_outgoing,
        "total_amount_usd": usd(summary.total_amount),
        "total_incoming_usd": usd(summary.total_incoming),
        "total_outgoing_usd": usd(summary.total_outgoing),
    }


def summary_text(network: Network, summary: CreditHistorySummary) -> str:
    return "\n".join(
        [
            f"Credit summary of {summary.address} ({network.name})",
            f"Entries   {fmt.count(summary.entry_count)}",
            f"Incoming  {fmt.credits_with_usd(summary.total_incoming)}",
            f"Outgoing  {fmt.credits_with_usd(summary.total_outgoing)}",
            f"Net       {fmt.credits_with_usd(summary.total_amount)}",
        ]
    )


# --- credit transfer ------------------------------------------------------------------


def _target(quote: TransferQuote) -> str:
    same = quote.target.lower() == quote.recipient.lower()
    return quote.recipient if same else f"{quote.target} → {quote.recipient}"


def _expiration(quote: TransferQuote) -> str:
    if quote.expiration is None:
        return "none (the credits keep their own expiration)"
    return f"{iso_utc(quote.expiration)} ({quote.expiration_ms} ms)"


def transfer_summary(network: Network, quote: TransferQuote, item_hash: str) -> list[str]:
    """What the confirmation shows before anything is sent."""
    lines = [
        "Credit transfer",
        f"  network     {network.name} ({network.api_url})",
        f"  from        {quote.sender}",
        f"  to          {_target(quote)}",
        f"  amount      {fmt.credits_with_usd(quote.amount)}",
        f"  available   {fmt.credits_with_usd(quote.available)}",
        f"  expiration  {_expiration(quote)}",
        f"  channel     {quote.channel}",
        f"  item_hash   {item_hash}",
    ]
    lines.extend(f"  {label:<11} {text}" for label, text in spent_lines(quote))
    if not moves_credits(quote):
        lines.append(f"  warning     {no_credits_warning(quote)}")
    return lines


def spent_lines(quote: TransferQuote) -> list[tuple[str, str]]:
    """The lots the transfer spends, each with the expiry its credits will really get
    (the node caps each part at its source lot's expiry), as (label, text) rows."""
    if not moves_credits(quote):
        return []
    if not quote.lots_known:
        return [("spends", "lots unknown: the history does not account for every credit")]
    return [("spends" if i == 0 else "", part.text()) for i, part in enumerate(quote.spent)]


def spent_json(quote: TransferQuote) -> list[dict[str, Any]] | None:
    """The spent lots for ``--json``; null when the history did not tell them."""
    if not quote.lots_known:
        return None
    return [
        {
            "amount": part.amount,
            "expiration": iso_utc(part.expiration),
            "source": {
                "credit_ref": part.source.credit_ref,
                "credit_index": part.source.credit_index,
                "issued": iso_utc(part.source.issued),
                "expiration": iso_utc(part.source.expiration),
            },
        }
        for part in quote.spent
    ]


def moves_credits(quote: TransferQuote) -> bool:
    """Whether the node moves credits for this transfer: only on the credit channel."""
    from aleph_tui.core.aleph.messages import CREDIT_CHANNEL

    return quote.channel == CREDIT_CHANNEL


def no_credits_warning(quote: TransferQuote) -> str:
    from aleph_tui.core.aleph.messages import CREDIT_CHANNEL

    return (
        f"no credits will move: nodes move credits only on {CREDIT_CHANNEL}; on "
        f"{quote.channel} this is stored as a plain post"
    )


def transfer_status(result: TransferResult) -> str:
    """The node's status, except that a processed post off the credit channel is
    "posted": stored, and no credits moved."""
    if result.status == "processed" and not moves_credits(result.quote):
        return "posted"
    return result.status


def transfer_json(
    network: Network, result: TransferResult, message: dict[str, Any] | None
) -> dict[str, Any]:
    quote = result.quote
    return {
        "network": network.name,
        "from": quote.sender,
        "to": quote.recipient,
        "target": quote.target,
        "amount": quote.amount,
        "usd": usd(quote.amount),
        "expiration": iso_utc(quote.expiration),
        "expiration_ms": quote.expiration_ms,
        "channel": quote.channel,
        "spent_lots": spent_json(quote),
        "item_hash": result.item_hash,
        "status": transfer_status(result),
        "credits_moved": result.status == "processed" and moves_credits(quote),
        "error_code": result.error_code,
        "reason": result.reason,
        "message": message,
    }


def transfer_text(result: TransferResult) -> str:
    quote = result.quote
    what = (
        f"{fmt.credits(quote.amount)} credits ({fmt.credits_usd(quote.amount)}) to {_target(quote)}"
    )
    status = transfer_status(result)
    if result.status == "dry-run":
        head = f"Dry run: signed, not sent: {what}"
    elif status == "posted":
        head = f"Posted on channel {quote.channel}, no credits moved: {what} were not transferred"
        status = "posted, no credits moved"
    elif result.status == "processed":
        head = f"Transferred {what}"
    elif result.status == "pending":
        head = f"Sent, not yet processed: {what} (the journal follows it up)"
    else:
        head = f"Rejected: {what}"
    return f"{head}\nitem_hash  {result.item_hash}\nstatus     {status}"
