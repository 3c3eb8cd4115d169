"""``aleph-tui check``: every account's credits checked, for cron and systemd timers.

::

    aleph-tui check [--address A]… [--below CREDITS] [--days N] [--json]

Each account (or each ``--address``) is checked from its forecast (see ``aleph-tui
usage``): its balance below the threshold (``--below``, else the account's own
low-balance threshold), its credits running out within N days (default 7), credits
expiring unused within N days.

Exit status: 0 all fine; 3 a warning for at least one address; 1 some address could
not be checked (and no warning was found); 2 bad input. The text names every address
with OK, WARN or FAIL; ``--json`` prints::

    {"network", "at", "days", "below", "status": "ok"|"warning"|"error",
     "exit_code",
     "addresses": [{"name", "address", "watch_only", "status", "balance",
                    "threshold", "runs_out", "expiring_unused": [{"expires",
                    "credits"}, …], "alerts": [{"kind", "message"}, …],
                    "error"}, …]}

``kind`` is "below", "runs_out" or "expiring"; ``expiring_unused`` lists the lots
that expire unused within the N days. Read-only: it never imports eth_account, web3 or
textual.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import (
    CommandError,
    add_json_option,
    add_network_options,
    checked,
    emit,
    open_service,
    resolve_network,
)
from aleph_tui.core.formatting import counted, iso_utc

if TYPE_CHECKING:
    from aleph_tui.core.flows.account_check import AddressCheck, CheckReport, CheckTarget
    from aleph_tui.core.networks import Network
    from aleph_tui.core.service import CreditService

CHECK_HELP = (
    "Check every account (or each --address): balance below its threshold, credits "
    "running out or expiring unused within N days. Exit status: 0 all fine, 3 a warning, "
    "1 an address could not be checked (and no warning), 2 bad input."
)
EXIT_CODES = {"ok": 0, "warning": 3, "error": 1}
MARKS = {"ok": "OK  ", "warning": "WARN", "error": "FAIL"}


def _days(text: str) -> int:
    from aleph_tui.core.flows.account_check import check_days

    return check_days(text)


def _below(text: str) -> int:
    from aleph_tui.core import validation

    return validation.low_balance_threshold(text, field="below")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "check",
        help="check every account's credits (exit 3 on a warning), for cron",
        description=CHECK_HELP,
    )
    parser.add_argument(
        "--address",
        action="append",
        metavar="A",
        help="check this address, account name or alias instead of every account (repeatable)",
    )
    parser.add_argument(
        "--below",
        metavar="CREDITS",
        type=checked(_below),
        help="warn when a balance is below this many credits (default: each account's "
        "own low-balance threshold)",
    )
    parser.add_argument(
        "--days",
        metavar="N",
        type=checked(_days),
        default=None,
        help="warn when credits run out or expire unused within N days (default: 7)",
    )
    add_network_options(parser)
    add_json_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from aleph_tui.core.errors import ServiceError
    from aleph_tui.core.flows.account_check import CheckTarget

    targets: list[CheckTarget] | None = None
    if args.address:
        from aleph_tui.cli.balance_command import resolve_address

        addresses = [resolve_address(a, field="--address") for a in args.address]
        targets = [CheckTarget(a) for a in dict.fromkeys(addresses)]
    network = await resolve_network(args)
    async with open_service(network) as service:
        if targets is not None:
            targets = _named(targets, service)
        else:
            try:
                targets = service.check_targets()
            except ServiceError as exc:
                raise CommandError(str(exc)) from None
            if not targets:
                raise CommandError(
                    "no accounts to check; add one (`aleph-tui account create`, or "
                    "`aleph-tui account watch NAME ADDRESS` for an address without its key) "
                    "or pass --address"
                )
        report = await service.check_addresses(targets, below=args.below, days=args.days)
    emit(args, check_json(network, report), lambda: check_text(network, report))
    return EXIT_CODES[report.status]


def _named(targets: list[CheckTarget], service: CreditService) -> list[CheckTarget]:
    """Each --address with its account's name, as the check of every account shows it."""
    from aleph_tui.core.errors import ServiceError

    try:
        known = {t.address.lower(): t for t in service.check_targets()}
    except ServiceError:
        return targets  # an unreadable account file: the addresses alone
    return [known.get(t.address.lower(), t) for t in targets]


def _address_json(check: AddressCheck, report: CheckReport) -> dict[str, Any]:
    import datetime as dt

    outlook = check.forecast
    horizon = report.at + dt.timedelta(days=report.days)
    return {
        "name": check.target.name,
        "address": check.target.address,
        "watch_only": check.target.watch_only,
        "status": check.status,
        "balance": None if outlook is None else outlook.balance,
        "threshold": check.threshold,
        "runs_out": None if outlook is None else iso_utc(outlook.runs_out),
        "expiring_unused": []
        if outlook is None
        else [
            {"expires": iso_utc(f.lost_at), "credits": f.lost}
            for f in outlook.expiring_unused
            if f.lost_at is not None and f.lost_at <= horizon
        ],
        "alerts": [{"kind": a.kind, "message": a.message} for a in check.alerts],
        "error": check.error,
    }


def check_json(network: Network, report: CheckReport) -> dict[str, Any]:
    return {
        "network": network.name,
        "at": iso_utc(report.at),
        "days": report.days,
        "below": report.below,
        "status": report.status,
        "exit_code": EXIT_CODES[report.status],
        "addresses": [_address_json(c, report) for c in report.checks],
    }


def check_text(network: Network, report: CheckReport) -> str:
    from aleph_tui.core.aleph.models import format_credits

    counts = {s: sum(c.status == s for c in report.checks) for s in MARKS}
    how_many = counted(len(report.checks), "address", "addresses")
    lines = [
        f"Checked {how_many} on {network.name}, {counted(report.days, 'day')} ahead: "
        f"{counts['ok']} ok, {counted(counts['warning'], 'warning')}, {counts['error']} failed"
    ]
    for check in report.checks:
        label = f"{check.target.name} ({check.target.address})" if check.target.name else ""
        label = label or check.target.address
        mark = MARKS[check.status]
        if check.error is not None and not check.alerts:
            lines.append(f"{mark} {label}: could not check: {check.error}")
        elif not check.alerts:
            balance = check.forecast.balance if check.forecast else 0
            lines.append(f"{mark} {label}: {format_credits(balance)}")
        else:
            lines.append(f"{mark} {label}: " + "; ".join(a.message for a in check.alerts))
    return "\n".join(lines)
