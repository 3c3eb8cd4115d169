"""Open operations on start: the journal's buys and transfers that a crash, a missing
receipt or a node answering 202 left open on the active network are announced, then
followed to their end by one named worker, and each outcome is notified (credits
arrived, processed, or failed with the reason; what is still open stays journaled).
What the journal must tell once (an old journal.jsonl migrated with lines it could not
read, a damaged file moved aside) is notified first. "Open operations" in the command
palette lists them, to dismiss one, or to speed up or cancel a stuck buy
(``replace_operation``: the fee cap asked, the replacement confirmed and signed, then
followed by a named worker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel

from aleph_tui.ui.money_changed import announce

if TYPE_CHECKING:
    from aleph_tui.core.flows.replacing import ReplaceKind
    from aleph_tui.core.journal.operation_journal import Operation
    from aleph_tui.ui.app import AlephApp

WORKER = "pending-operations"
REPLACE_WORKER = "replace-payment"
TITLE = "Open operations"


def follow_pending_operations(app: AlephApp) -> None:
    """Announce this network's open operations and start following them."""
    try:
        count = len(app.service.open_operations())
        notices = app.service.journal.take_notices()
    except Exception as exc:  # an unreadable journal must not stop the dashboard
        app.report_failure(TITLE, exc)
        return
    for notice in notices:
        app.notify(notice, title="Journal", severity="warning", timeout=30, markup=False)
    if not count:
        return
    network = app.service.network.name
    what = "1 operation" if count == 1 else f"{count} operations"
    app.notify(
        f"{what} left open on {network}: following {'it' if count == 1 else 'them'}… "
        "(Open operations in the command palette, to dismiss one)",
        title=TITLE,
        timeout=10,
        markup=False,
    )
    app.run_worker(_follow(app), name=WORKER, group=WORKER, exclusive=True, exit_on_error=False)


async def _follow(app: AlephApp) -> list[Operation]:
    from aleph_tui.core.journal.operation_journal import describe

    try:
        operations = await app.service.follow_open_operations()
    except Exception as exc:
        app.report_failure(TITLE, exc)
        return []
    settled = [op for op in operations if not op.is_open]
    # Their money moved (or a failure is now known): the views showing them read again.
    announce(
        app,
        [a for op in settled for a in (op.account, op.details.get("recipient"))],
        "resumed",
    )
    for op in operations:
        severity: SeverityLevel = "warning"  # still open after its deadline
        if op.status in ("completed", "cancelled"):
            severity = "information"
        elif op.status == "failed":
            severity = "error"
        app.notify(describe(op), title=TITLE, severity=severity, timeout=15, markup=False)
    return operations


def replace_operation(app: AlephApp, op: Operation, kind: ReplaceKind) -> None:
    """Speed up or cancel the stuck buy ``op``, in a named worker of the app."""
    app.run_worker(
        _replace(app, op, kind),
        name=REPLACE_WORKER,
        group=REPLACE_WORKER,
        exclusive=True,
        exit_on_error=False,
    )


async def _replace(app: AlephApp, op: Operation, kind: ReplaceKind) -> Operation | None:
    """Ask the cap (showing what the replacement needs now), confirm, sign with the
    buy's account, send, and follow; every outcome is notified."""
    from aleph_tui.core.flows.replacing import GWEI
    from aleph_tui.core.journal.operation_journal import describe
    from aleph_tui.ui.screens.fee_cap_modal import FeeCapModal
    from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation

    what = "Speed-up" if kind == "speed_up" else "Cancellation"
    title = f"{what} of a stuck payment"
    try:
        account = next(
            (a for a in app.service.account_list() if a.address.lower() == op.account.lower()),
            None,
        )
        if account is None:
            app.notify(
                f"No key of {op.account} in the account store: only the account that paid "
                "can replace its payment. Nothing was signed.",
                title=title,
                severity="error",
                markup=False,
            )
            return None
        # What it needs now, before any cap: the modal says it, and checks the cap.
        needed = await app.service.replacement_quote(op, kind, 10**6 * GWEI)
        cap = await app.push_screen_wait(
            FeeCapModal(kind, needed.plan.max_fee_per_gas, needed.replaces)
        )
        if cap is None:
            app.notify("Cancelled: nothing was signed.", title=title, markup=False)
            return None
        quote = await app.service.replacement_quote(op, kind, cap)
        confirmed = await app.push_screen_wait(
            SigningConfirmation(quote.title, quote.rows(), confirm_label="Sign and send")
        )
        if not confirmed:
            app.notify("Cancelled: nothing was signed.", title=title, markup=False)
            return None
        signer = await app.signer_for(account)
        if signer is None:
            app.notify("Cancelled: nothing was signed.", title=title, markup=False)
            return None
        app.notify(f"{what} signed; sending…", title=title, timeout=5, markup=False)
        await app.service.replace_payment(quote, signer)
        del signer
        latest = app.service.find_operation(op.id)
    except Exception as exc:  # a refusal, the cap, the chain: one plain notification
        app.report_failure(title, exc)
        return None
    severity: SeverityLevel = "warning"
    if latest.status in ("completed", "cancelled"):
        severity = "information"
    elif latest.status == "failed":
        severity = "error"
    app.notify(
        f"{what} sent. {describe(latest)}", title=title, severity=severity, timeout=15, markup=False
    )
    announce(app, [latest.account], "resumed")  # a fee paid, maybe credits: read again
    return latest
