"""``aleph-tui usage``: credits consumed over a period, grouped, set against purchases, the
burn rate and when the credits run out; ``aleph-tui usage threshold``: the low-balance
threshold of an account.

::

    aleph-tui usage [--address A] [--group-by resource|day|method]
                    [--from DATE] [--to DATE] [--until DATE] [--json]
    aleph-tui usage threshold [--address A] [CREDITS | --clear] [--json]

The period runs from --from to --to (YYYY-MM-DD in UTC, the --to day included, or RFC
3339 instants); without --to it ends now, without --from it starts 30 days before its
end. Definitions (core/flows/usage.py): *outgoing* is every credit that left in the period,
*consumed* only the expenses (payment method credit_expense), *purchased* the incoming
distributions (purchases and grants); transfers are counted apart, in and out. The burn
rate is consumed credits per day over the period; the credits run out at
``balance / burn rate`` days from now (null when nothing was consumed).

``usage --json`` prints (credit amounts are integers; USD, days and rates decimal strings;
times RFC 3339 UTC)::

    {"network", "address", "from", "to", "days", "group_by",
     "groups": [{"key", "kind", "credits", "usd", "entries"}, …],
     "total", "total_usd", "consumed", "consumed_usd", "entries",
     "flow": {"consumed", "purchased", "transferred_in", "transferred_out",
              "other_outgoing", "net"},
     "burn": {"per_day", "per_day_usd", "balance", "balance_usd", "days_left",
              "runs_out", "at"},
     "threshold": {"credits", "low"} | null,
     "forecast": {"at", "per_day", "balance", "runs_out", "lots_match",
                  "expiring_unused": [{"expires", "credits", "usd", "issued",
                                       "credit_ref", "credit_index"}, …],
                  "expiring_unused_total",
                  "lots": [{"issued", "expires", "remaining", "spent", "lost",
                            "credit_ref", "credit_index", "payment_method"}, …],
                  "until", "buy": {"credits", "usd", "by"} | null,
                  "purchases": [{"credits", "usd", "by"}, …]}}

The forecast (core/flows/forecast.py) spends the lots oldest-issued first, as the node
does, at the period's burn rate in daily steps from ``at``, and loses what a lot holds
when it expires. ``runs_out`` is the first day the balance cannot pay (null: never at
this pace). With ``--until DATE`` (that whole UTC day included), ``buy`` says how many
credits to buy, by when, to keep paying through it (``purchases`` lists them when bought
credits would themselves expire first, a year after purchase); null when none are
needed. ``lots_match`` is false when the lots read from the history disagree with the
balance's breakdown (the node changed between the reads).

``key`` is a resource hash (``kind``: its message type such as INSTANCE, STORE or
PROGRAM, null when unknown; a transfer is keyed by its recipient with ``kind``
"credit_transfer"), a UTC day ``YYYY-MM-DD`` (every day of the period, ``kind`` null), or
a payment method (``kind`` null). The groups' credits sum to ``total``. ``per_day`` and
``days_left`` are rounded to 2 decimals, ``days_left`` and ``runs_out`` are null when
nothing was consumed.

``usage threshold --json`` prints ``{"address", "threshold": CREDITS | null, "file"}``
(after a change, what is now stored). The file is ``$XDG_CONFIG_HOME/aleph-tui/
thresholds.toml``. Read-only commands never import eth_account, web3 or textual.
"""

from __future__ import annotations

import argparse
import asyncio
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from aleph_tui.cli.common import (
    UsageError,
    add_json_option,
    add_network_options,
    add_period_options,
    checked,
    emit,
    open_service,
    resolve_network,
)
from aleph_tui.cli.text_table import text_table
from aleph_tui.core import formatting as fmt
from aleph_tui.core.formatting import iso_utc, plain_decimal, utc_minute

if TYPE_CHECKING:
    from aleph_tui.core.flows.forecast import Forecast
    from aleph_tui.core.flows.thresholds import Threshold
    from aleph_tui.core.flows.usage import BurnRate, PeriodFlow, UsageReport
    from aleph_tui.core.networks import Network

CENT = Decimal("0.01")


def _group_by(text: str) -> str:
    from aleph_tui.core import validation

    return validation.usage_grouping(text)


def _threshold(text: str) -> int:
    from aleph_tui.core import validation

    return validation.low_balance_threshold(text)


def _until(text: str) -> Any:
    from aleph_tui.core import validation

    return validation.history_date(text, field="until", end_of_day=True)


def _add_address(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--address",
        metavar="A",
        default=default,
        help="an address, account name or alias (default: the default account)",
    )


def register(sub: Any) -> None:
    usage = sub.add_parser(
        "usage",
        help="credits consumed, burn rate and low-balance threshold",
        description=USAGE_HELP,
        usage="%(prog)s [-h] [--address A] [--group-by resource|day|method] [--from DATE]\n"
        "       [--to DATE] [--until DATE] [--json]\n"
        "       %(prog)s threshold [--address A] [CREDITS | --clear] [--json]",
    )
    _add_address(usage, None)
    usage.add_argument(
        "--group-by",
        type=checked(_group_by),
        default="resource",
        metavar="resource|day|method",
        help="group outgoing credits by resource (default), UTC day or payment method",
    )
    add_period_options(
        usage, start_default=" (default: 30 days before the end)", end_default=" (default: now)"
    )
    usage.add_argument(
        "--until",
        metavar="DATE",
        type=checked(_until),
        help="say what to buy, and by when, to keep paying through this day (YYYY-MM-DD, "
        "UTC) or RFC 3339 instant",
    )
    add_network_options(usage)
    add_json_option(usage)
    usage.set_defaults(handler=run_usage)

    usage_sub = usage.add_subparsers(
        dest="usage_command",
        metavar="COMMAND",
        parser_class=type(usage),
        prog=usage.prog,  # not the custom usage text above
    )
    threshold = usage_sub.add_parser(
        "threshold", help="show or set the low-balance threshold", description=THRESHOLD_HELP
    )
    _add_address(threshold, argparse.SUPPRESS)
    value = threshold.add_mutually_exclusive_group()
    value.add_argument(
        "credits",
        nargs="?",
        metavar="CREDITS",
        type=checked(_threshold),
        help="the new threshold, in whole credits",
    )
    value.add_argument("--clear", action="store_true", help="remove the threshold")
    add_network_options(threshold)
    add_json_option(threshold)
    threshold.set_defaults(handler=run_threshold)


USAGE_HELP = (
    "Credits that left an account over a period (default: the last 30 days), grouped by "
    "resource, day or payment method; consumed against purchased; the burn rate and "
    "when the credits run out; the low-balance threshold."
)
THRESHOLD_HELP = (
    "Show the low-balance threshold of an account, set it (CREDITS) or remove it "
    "(--clear). The dashboard warns when the balance falls below it."
)


def _address(args: argparse.Namespace) -> str:
    from aleph_tui.cli.balance_command import resolve_address

    return resolve_address(getattr(args, "address", None), field="--address")


# --- usage --------------------------------------------------------------------------------


def run_usage(args: argparse.Namespace) -> int:
    return asyncio.run(_usage(args))


async def _usage(args: argparse.Namespace) -> int:
    import datetime as dt

    from aleph_tui.core.flows import usage
    from aleph_tui.core.flows.thresholds import ThresholdStore
    from aleph_tui.core.validation import InvalidInput

    if args.start is not None and args.end is not None and args.end < args.start:
        raise UsageError("aleph-tui: --to: must not be before --from")
    now = dt.datetime.now(dt.UTC)
    if args.start is not None and args.end is None and args.start > now:
        raise UsageError("aleph-tui: --from: must not be after --to (default: now)")
    try:
        span = usage.period(args.start, args.end, now=now)
        if span.end == span.start:
            raise InvalidInput("to", "must be after --from")
    except InvalidInput as exc:
        raise UsageError(f"aleph-tui: --{exc.field}: {exc.rule}") from None
    until = getattr(args, "until", None)
    if until is not None and until <= now:
        raise UsageError("aleph-tui: --until: must be in the future")
    address = _address(args)
    threshold = ThresholdStore().get(address)
    network = await resolve_network(args)
    async with open_service(network) as service:
        report, flow, rate = await usage.all_of(
            service.usage(address, group_by=args.group_by, start=span.start, end=span.end),
            service.usage_flow(address, start=span.start, end=span.end),
            service.burn_rate(address, start=span.start, end=span.end),
        )
        outlook = await service.forecast(
            address, start=span.start, end=span.end, now=now, until=until
        )
    emit(
        args,
        usage_json(network, report, flow, rate, threshold) | {"forecast": forecast_json(outlook)},
        lambda: usage_text(network, report, flow, rate, threshold) + "\n" + forecast_text(outlook),
    )
    return 0


def _cents(value: Decimal) -> str:
    return plain_decimal(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _money(value: Decimal) -> str:
    """Dollars as text shows them: $5.00, $0.001 (core/formatting.usd)."""
    return fmt.usd(value)


def usage_json(
    network: Network,
    report: UsageReport,
    flow: PeriodFlow,
    rate: BurnRate,
    threshold: Threshold | None,
) -> dict[str, Any]:
    from aleph_tui.cli.credit_output import usd

    return {
        "network": network.name,
        "address": report.address,
        "from": iso_utc(report.period.start),
        "to": iso_utc(report.period.end),
        "days": _cents(report.period.days),
        "group_by": report.group_by,
        "groups": [
            {
                "key": g.key,
                "kind": g.kind,
                "credits": g.credits,
                "usd": usd(g.credits),
                "entries": g.entries,
            }
            for g in report.groups
        ],
        "total": report.total,
        "total_usd": usd(report.total),
        "consumed": report.consumed,
        "consumed_usd": usd(report.consumed),
        "entries": report.entries,
        "flow": {
            "consumed": flow.consumed,
            "purchased": flow.purchased,
            "transferred_in": flow.transferred_in,
            "transferred_out": flow.transferred_out,
            "other_outgoing": flow.other_out,
            "net": flow.net,
        },
        "burn": {
            "per_day": _cents(rate.per_day),
            "per_day_usd": plain_decimal(rate.per_day_usd.quantize(Decimal("0.000001"))),
            "balance": rate.balance,
            "balance_usd": usd(rate.balance),
            "days_left": None if rate.days_left is None else _cents(rate.days_left),
            "runs_out": iso_utc(rate.runs_out),
            "at": iso_utc(rate.at),
        },
        "threshold": None
        if threshold is None
        else {"credits": threshold.credits, "low": threshold.is_low(rate.balance)},
    }


def _short(key: str) -> str:
    return key[:16] + "…" if len(key) > 20 and not key.startswith("0x") else key


def usage_text(
    network: Network,
    report: UsageReport,
    flow: PeriodFlow,
    rate: BurnRate,
    threshold: Threshold | None,
) -> str:
    from aleph_tui.core.aleph.models import format_credits

    span = report.period
    lines = [
        f"Usage of {report.address} ({network.name}), {utc_minute(span.start)} → "
        f"{utc_minute(span.end)} UTC ({fmt.rate(span.days)} days)"
    ]
    heading = {"resource": "RESOURCE", "day": "DAY (UTC)", "method": "PAYMENT METHOD"}
    if report.groups:
        rows = [[heading[report.group_by], "TYPE", "CREDITS", "USD", "ENTRIES"]]
        for g in report.groups:
            rows.append(
                [
                    _short(g.key),
                    g.kind or "",
                    fmt.credits(g.credits),
                    _money(g.usd),
                    fmt.count(g.entries),
                ]
            )
        if report.group_by != "resource":
            rows = [[r[0], *r[2:]] for r in rows]
        lines += text_table(rows, right={2, 3, 4} if report.group_by == "resource" else {1, 2, 3})
    else:
        lines.append("No credits left in this period.")
    lines += [
        f"Outgoing        {format_credits(report.total)} in "
        f"{fmt.counted(report.entries, 'entry', 'entries')}",
        f"Consumed        {format_credits(flow.consumed)}",
        f"Purchased       {format_credits(flow.purchased)}",
        f"Transfers in    {format_credits(flow.transferred_in)}",
        f"Transfers out   {format_credits(flow.transferred_out)}",
    ]
    if flow.other_out:
        lines.append(f"Other outgoing  {format_credits(flow.other_out)}")
    lines.append(f"Net             {format_credits(flow.net)}")
    per_day = f"{fmt.rate(rate.per_day)} credits/day ({_money(rate.per_day_usd)}/day)"
    lines.append(f"Burn rate       {per_day}")
    lines.append(f"Balance         {format_credits(rate.balance)}")
    if rate.days_left is None:
        lines.append("Runs out        never at this pace (nothing consumed)")
    else:
        when = utc_minute(rate.runs_out) + " UTC" if rate.runs_out else "beyond year 9999"
        lines.append(f"Runs out        {when} (in {fmt.rate(rate.days_left)} days)")
    if threshold is None:
        lines.append("Threshold       none (set one with `aleph-tui usage threshold CREDITS`)")
    else:
        state = "LOW: below the threshold" if threshold.is_low(rate.balance) else "above"
        lines.append(f"Threshold       {format_credits(threshold.credits)}; balance {state}")
    return "\n".join(lines)


# --- forecast -----------------------------------------------------------------------------


def forecast_json(outlook: Forecast) -> dict[str, Any]:
    from aleph_tui.cli.credit_output import usd

    purchases = [
        {"credits": p.credits, "usd": usd(p.credits), "by": iso_utc(p.by)} for p in outlook.plan
    ]
    return {
        "at": iso_utc(outlook.at),
        "per_day": _cents(outlook.per_day),
        "balance": outlook.balance,
        "runs_out": iso_utc(outlook.runs_out),
        "lots_match": outlook.lots_match,
        "expiring_unused": [
            {
                "expires": iso_utc(f.lost_at),
                "credits": f.lost,
                "usd": usd(f.lost),
                "issued": iso_utc(f.lot.issued),
                "credit_ref": f.lot.credit_ref,
                "credit_index": f.lot.credit_index,
            }
            for f in outlook.expiring_unused
        ],
        "expiring_unused_total": outlook.lost,
        "lots": [
            {
                "issued": iso_utc(f.lot.issued),
                "expires": iso_utc(f.lot.expiration),
                "remaining": f.lot.remaining,
                "spent": f.spent,
                "lost": f.lost,
                "credit_ref": f.lot.credit_ref,
                "credit_index": f.lot.credit_index,
                "payment_method": f.lot.payment_method,
            }
            for f in outlook.fates
        ],
        "until": iso_utc(outlook.until),
        "buy": None
        if not outlook.plan
        else {
            "credits": outlook.to_buy,
            "usd": usd(outlook.to_buy),
            "by": iso_utc(outlook.buy_by),
        },
        "purchases": purchases,
    }


def forecast_text(outlook: Forecast) -> str:
    from aleph_tui.core.aleph.models import format_credits

    lines = ["Forecast (oldest credits spent first, expired credits lost)"]
    if outlook.runs_out is None:
        lines.append("Truly runs out  never at this pace")
    else:
        lines.append(f"Truly runs out  {utc_minute(outlook.runs_out)} UTC")
    if outlook.expiring_unused:
        lines.append(f"Expiring unused {format_credits(outlook.lost)}:")
        rows = [["EXPIRES (UTC)", "CREDITS", "USD", "ISSUED (UTC)"]]
        for fate in outlook.expiring_unused:
            rows.append(
                [
                    utc_minute(fate.lost_at),
                    fmt.credits(fate.lost),
                    _money(fate.lost_usd),
                    utc_minute(fate.lot.issued),
                ]
            )
        lines += text_table(rows, right={1, 2})
    else:
        lines.append("Expiring unused none")
    if outlook.until is not None:
        through = utc_minute(outlook.until) + " UTC"
        if not outlook.plan:
            lines.append(f"To run through {through}: nothing to buy")
        else:
            # The first purchase is the one to act on; the rest summed (--json lists each).
            first = outlook.plan[0]
            line = (
                f"To run through {through}: buy {format_credits(first.credits)} "
                f"by {utc_minute(first.by)} UTC"
            )
            if len(outlook.plan) > 1:
                line += (
                    f", {fmt.counted(len(outlook.plan), 'purchase')} in all, "
                    f"{fmt.credits(outlook.to_buy)} credits ({fmt.credits_usd(outlook.to_buy)})"
                )
            lines.append(line)
    if not outlook.lots_match:
        lines.append("Note: the lots read from the history differ from the balance; re-run")
    return "\n".join(lines)


# --- threshold ----------------------------------------------------------------------------


def run_threshold(args: argparse.Namespace) -> int:
    from aleph_tui.core.aleph.models import format_credits
    from aleph_tui.core.flows.thresholds import ThresholdStore

    address = _address(args)
    store = ThresholdStore()
    if args.clear:
        threshold = store.set(address, None)
    elif args.credits is not None:
        threshold = store.set(address, args.credits)
    else:
        threshold = store.get(address)
    data = {
        "address": address,
        "threshold": None if threshold is None else threshold.credits,
        "file": str(store.path),
    }
    if threshold is None:
        text = f"No low-balance threshold for {address}"
    else:
        text = f"Low-balance threshold of {address}: {format_credits(threshold.credits)}"
    emit(args, data, text)
    return 0
