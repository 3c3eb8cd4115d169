"""The bad-input corpus through the forms (tests/support/bad_input_corpus.py), driven with Pilot
against the devnet: the Transfer and Buy views and the account dialogs.

One app runs every case of a group in turn (each case starts from a valid form and
types its bad input), and records what the user sees; the parametrized tests then check
each case: the message shown names the field and the rule, no confirmation opens (Enter
and Submit do nothing), what was typed is still there, and the app did not crash. Around
the whole run nothing may have been sent: credits, the sender's messages and nonce are
unchanged, no journal entry, no account or alias added.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, RadioButton, Static

from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views.buy_view import BuyView
from aleph_tui.ui.views.transfer_view import TransferView
from aleph_tui.ui.widgets.validated_input import ValidatedInput
from tests.support.bad_input_corpus import (
    BUY,
    DIALOGS,
    FIELDS,
    FORM,
    KEY_LIKE,
    TRANSFER,
    TRANSFER_DEFAULTS,
    Case,
    echoed_secret,
    filled,
    footprint,
    on,
    values,
    write_accounts_toml,
)
from tests.support.credit_helpers import fresh_key, funded_key, seeded
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated
from tests.support.ui_app import build_app, open_view, until

SIZE = (140, 40)
WRONG_CHAIN_ID = 5
TRANSFER_FIELDS = ("to", "amount", "expiration", "channel")


@dataclass(frozen=True)
class Seen:
    """What the user sees after typing one case and pressing Enter."""

    message: str  # the refusal as shown (the field's rule line, the quote or error line)
    submit_disabled: bool
    confirmation_opened: bool
    typed_kept: bool
    still_running: bool


CASES = (
    [f"transfer:{c.name}" for c in on(FORM, TRANSFER)]
    + [f"buy:{c.name}" for c in on(FORM, BUY)]
    + [f"dialog:{c.name}" for c in DIALOGS]
    + [f"field:{c.name}" for c in FIELDS]
)
BY_ID: dict[str, Case] = {
    **{f"transfer:{c.name}": c for c in TRANSFER},
    **{f"buy:{c.name}": c for c in BUY},
    **{f"dialog:{c.name}": c for c in DIALOGS},
    **{f"field:{c.name}": c for c in FIELDS},
}


def _text(static: Static) -> str:
    return str(static.render())


def _refusal_shown(field: ValidatedInput[Any]) -> bool:
    """The field's value breaks a rule, and the line under it shows that rule."""
    return field.error is not None and field.rule_text == field.error


async def _transfer_case(
    pilot: Pilot[Any], view: TransferView, case: Case, fill_: dict[str, str]
) -> Seen:
    typed = {k: filled(v, fill_) for k, v in (TRANSFER_DEFAULTS | case.inputs).items()}
    # The bad field first: the form is never valid on the way, so nothing is quoted.
    for name in sorted(TRANSFER_FIELDS, key=lambda n: n not in case.inputs):
        view.field(name).value = typed[name]
    await pilot.pause(0)  # the checks run as the values change; no need to wait for idle
    if case.field:
        field = view.field(case.field)
        await until(pilot, lambda: _refusal_shown(field), f"the {case.name} refusal")
        message = field.rule_text
    else:  # refused by the live quote: required versus available
        await until(pilot, lambda: view.shortfall is not None, "the shortfall")
        message = _text(view.query_one("#transfer-quote", Static))
    submit_disabled = view.query_one("#transfer-submit", Button).disabled
    view.field(case.field or "amount").focus_input()
    await pilot.press("enter")  # what a user tries anyway; a submit would set busy at once
    return Seen(
        message=message,
        submit_disabled=submit_disabled,
        confirmation_opened=isinstance(pilot.app.screen, SigningConfirmation) or view.busy,
        typed_kept=all(view.field(n).value == typed[n] for n in TRANSFER_FIELDS),
        still_running=pilot.app.is_running and pilot.app.return_code is None,
    )


async def _buy_case(pilot: Pilot[Any], view: BuyView, case: Case, fill_: dict[str, str]) -> Seen:
    inputs = {k: filled(v, fill_) for k, v in case.inputs.items() if k != "rpc"}
    token = inputs["token"].upper()
    radio = view.query_one(f"#buy-token-{token}", RadioButton)
    view.amount_field.value = ""  # nothing to estimate while the token changes
    if not radio.value:
        radio.value = True  # the RadioSet tells the view, as on a click
        await until(pilot, lambda: view.token == token, "the token")
    view.amount_field.value = inputs["amount"]
    await pilot.pause(0)
    if case.field == "amount":
        await until(pilot, lambda: _refusal_shown(view.amount_field), f"the {case.name} refusal")
        message = view.amount_field.rule_text
    else:  # refused by the live quote (the balance, the chain)
        await until(pilot, lambda: view.refusal is not None, "the refusal")
        message = _text(view.query_one("#buy-estimate", Static))
    submit_disabled = view.query_one("#buy-submit", Button).disabled
    view.amount_field.focus_input()
    await pilot.press("enter")
    return Seen(
        message=message,
        submit_disabled=submit_disabled,
        confirmation_opened=isinstance(pilot.app.screen, SigningConfirmation) or view.busy,
        typed_kept=view.amount_field.value == inputs["amount"] and view.token == token,
        still_running=pilot.app.is_running and pilot.app.return_code is None,
    )


async def _field_case(pilot: Pilot[Any], case: Case) -> Seen:
    """One field of the usage or pricing view: the rule shows under it, and Enter (which
    loads, saves or estimates) does nothing with the bad value."""
    app = pilot.app
    field = app.query_one(f"#{case.inputs['input']}", ValidatedInput)
    original = field.value
    field.value = case.inputs["value"]
    await pilot.pause(0)
    await until(pilot, lambda: _refusal_shown(field), f"the {case.name} refusal")
    message = field.rule_text
    field.focus_input()
    await pilot.press("enter")
    seen = Seen(
        message=message,
        submit_disabled=True,  # these views check on Enter, which must do nothing
        confirmation_opened=app.screen is not app.screen_stack[0],
        typed_kept=field.value == case.inputs["value"],
        still_running=app.is_running and app.return_code is None,
    )
    field.value = original
    return seen


DIALOG_KEYS = {"alias": "b", "import": "i", "create": "n"}
SECRET_FIELDS = {"key"}  # masked inputs are emptied after every attempt, by design


async def _dialog_cases(
    pilot: Pilot[Any], dialog: str, cases: list[Case], fill_: dict[str, str]
) -> dict[str, Seen]:
    """The cases of one dialog, in one opening of it (it stays open after a refusal)."""
    app = pilot.app
    await pilot.press(DIALOG_KEYS[dialog])
    await until(pilot, lambda: bool(app.screen.query(f"#{dialog}-error")), f"the {dialog} dialog")
    modal = app.screen
    error = modal.query_one(f"#{dialog}-error", Static)
    seen: dict[str, Seen] = {}
    for case in cases:
        inputs = {k: filled(v, fill_) for k, v in case.inputs.items() if k != "dialog"}
        for name, text in inputs.items():  # pasted, as ui_app.fill does
            field = modal.query_one(f"#{dialog}-{name}", Input)
            field.focus()
            field.value = text
        await pilot.pause(0)
        await pilot.press("enter")

        def settled() -> bool:
            working = any(w.name == f"{dialog}-submit" and w.is_running for w in app.workers)
            return not working and bool(_text(error))

        await until(pilot, settled, f"the {case.name} refusal")
        kept = app.screen is modal and all(
            modal.query_one(f"#{dialog}-{name}", Input).value == text
            for name, text in inputs.items()
            if name not in SECRET_FIELDS
        )
        seen[case.name] = Seen(
            message=_text(error),
            submit_disabled=False,  # dialogs check on submit
            confirmation_opened=app.screen is not modal,
            typed_kept=kept,
            still_running=app.is_running and app.return_code is None,
        )
    await pilot.press("escape")
    await until(pilot, lambda: app.screen is not modal, "the dialog to close")
    return seen


@pytest.fixture(scope="module")
async def seen(
    devnet: RunningDevnet, accounts: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("bad-input-forms")
    sender = funded_key(devnet.api_url, seeded(accounts, 0), 1_000_000)
    recipient = fresh_key().address
    fill_ = values(devnet.document, sender.address, recipient)
    fill_["wrong_chain_rpc"] = devnet.rpc_url  # the form keeps the network's RPC node
    write_accounts_toml(home / "aleph" / "accounts.toml", sender.address, recipient)
    observed: dict[str, Seen] = {}
    before = footprint(devnet.document, sender.address, recipient)
    with pytest.MonkeyPatch.context() as monkeypatch, isolated(home, monkeypatch):
        app = await build_app(devnet.document, home, accounts=0)
        store = app.service.accounts
        await store.import_key("sender", sender.private_key)
        store.use("sender")
        book = (store.accounts(), store.aliases())
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.active_account is not None, "the active account")
            transfer = await open_view(pilot, "transfer")
            assert isinstance(transfer, TransferView)
            for case in on(FORM, TRANSFER):
                observed[f"transfer:{case.name}"] = await _transfer_case(
                    pilot, transfer, case, fill_
                )
            buy = await open_view(pilot, "buy")
            assert isinstance(buy, BuyView)
            for case in on(FORM, BUY):
                if case.name != "wrong-chain-rpc":
                    observed[f"buy:{case.name}"] = await _buy_case(pilot, buy, case, fill_)
            await open_view(pilot, "accounts")
            for dialog in DIALOG_KEYS:
                group = [c for c in DIALOGS if c.inputs["dialog"] == dialog]
                found = await _dialog_cases(pilot, dialog, group, fill_)
                observed.update({f"dialog:{name}": what for name, what in found.items()})
            # The network as configured says chain id 5; its RPC node (the devnet's) is
            # on 31337, as when a config's RPC URL points at another chain.
            app.service.network = replace(app.service.network, chain_id=WRONG_CHAIN_ID)
            buy = await open_view(pilot, "buy")
            assert isinstance(buy, BuyView)
            case = next(c for c in BUY if c.name == "wrong-chain-rpc")
            observed["buy:wrong-chain-rpc"] = await _buy_case(pilot, buy, case, fill_)
            thresholds = app.service.low_balance_thresholds()
            for view in dict.fromkeys(c.inputs["view"] for c in FIELDS):
                await open_view(pilot, view)
                for case in (c for c in FIELDS if c.inputs["view"] == view):
                    observed[f"field:{case.name}"] = await _field_case(pilot, case)
            thresholds_after = app.service.low_balance_thresholds()
            notified = list(app.notified)
        book_after = (store.accounts(), store.aliases())
    yield {
        "fill": fill_,
        "seen": observed,
        "before": before,
        "after": footprint(devnet.document, sender.address, recipient),
        "journal": (home / "journal.sqlite3").exists(),
        "book": (book, book_after),
        "thresholds": (thresholds, thresholds_after),
        "notified": notified,
    }


@pytest.mark.parametrize("key", CASES)
def test_the_form_names_the_field_and_the_rule_and_sends_nothing(
    seen: dict[str, Any], key: str
) -> None:
    case, what = BY_ID[key], seen["seen"][key]
    if case.field:
        assert f"{case.field}: " in what.message, what.message
    assert case.rule.lower() in what.message.lower(), what.message
    typed = [filled(text, seen["fill"]) for text in case.inputs.values()]
    assert not echoed_secret(what.message, typed)
    if not key.startswith("dialog:"):
        assert what.submit_disabled
    assert not what.confirmation_opened
    assert what.typed_kept
    assert what.still_running


def test_nothing_was_sent_or_saved(seen: dict[str, Any]) -> None:
    assert seen["after"] == seen["before"]
    assert seen["before"]["recipient_credits"] == 0 and seen["before"]["sender_messages"] == 0
    assert seen["journal"] is False
    before, after = seen["book"]
    assert after == before  # no account or alias was added by a refused dialog
    saved_before, saved_after = seen["thresholds"]
    assert saved_after == saved_before  # no refused threshold was saved
    assert not any(KEY_LIKE in note for note in seen["notified"])
    # Refusals are announced as such, never as a crash.
    assert not any("Unexpected" in note or "Traceback" in note for note in seen["notified"])


def test_the_wrong_chain_names_both_chain_ids(seen: dict[str, Any]) -> None:
    message = seen["seen"]["buy:wrong-chain-rpc"].message
    assert f"on chain id 31337, but network devnet is chain id {WRONG_CHAIN_ID}" in message
