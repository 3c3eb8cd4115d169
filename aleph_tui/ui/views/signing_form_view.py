"""What the Buy and Transfer tabs share: a form that ends in a signature.

The layout (the form and its action row on the left; the live quote, a step list and
the outcome on the right), the dry-run switch, Escape (stop a quote, leave a field,
clear the form) and the busy state that makes a second Enter or click do nothing.
A subclass names its widgets with ``prefix`` (``#buy-submit``, ``#transfer-outcome``…)
and fills in the fields, the side panel, clearing and what enables its submit button.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, Switch

from aleph_tui.ui.focus_scroll import scroll_clear_of_docks
from aleph_tui.ui.view import View
from aleph_tui.ui.widgets.step_list import StepList

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account


class SigningFormView(View):
    prefix: ClassVar[str]  # of every widget id: "buy" → #buy-submit
    submit_label: ClassVar[str]  # the submit button, when not a dry run
    submit_tooltip: ClassVar[str]
    dry_run_tooltip: ClassVar[str]
    steps_spec: ClassVar[tuple[tuple[str, str], ...]]  # (step id, label) of the step list
    cancelled_text: ClassVar[str]  # Escape while quoting
    committed_text: ClassVar[str]  # Escape once it is signed: it is followed to the end

    DEFAULT_CSS = """
    SigningFormView .signing-columns { height: 1fr; }
    SigningFormView .form-column { width: 1fr; max-width: 64; padding: 1 2; }
    SigningFormView .side-column { width: 1fr; padding: 1 2; border-left: tall $panel; }
    SigningFormView .section { text-style: bold; margin-bottom: 1; }
    SigningFormView .section.-later { margin-top: 1; }
    SigningFormView .from-line { margin-bottom: 1; }
    SigningFormView .form-actions { height: auto; }
    SigningFormView .form-actions Button { margin-right: 1; }
    SigningFormView .form-actions .switch-label { padding: 1 0; }
    SigningFormView .outcome { height: auto; margin-top: 1; }
    SigningFormView .outcome.-error { color: $text-error; }
    /* 80 columns: a form column wide enough for a whole address (42) on its own line */
    Screen.-narrow SigningFormView .form-column {
        width: 46; max-width: 46; padding: 0 1; overflow-x: hidden;
    }
    Screen.-narrow SigningFormView .form-actions Button { min-width: 10; }
    Screen.-narrow SigningFormView .side-column { padding: 0 1; }
    /* 24 lines: the action row stays at the bottom of the form while the fields scroll */
    Screen.-short SigningFormView .form-actions { dock: bottom; }
    SigningFormView .watch-only-note { display: none; height: auto; padding: 0 2; }
    SigningFormView .watch-only-note.-shown { display: block; color: $text-warning; }
    """
    # Unscoped, for the rules on the screen's size classes (AlephApp's breakpoints).
    SCOPED_CSS = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.busy = False
        self._phase = "idle"  # quoting → confirming → signing or sending…
        self._shown_for: str | None = None  # the address the form and progress are for
        self._operating: str | None = None  # the account name of the last operation

    # --- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        prefix = self.prefix
        # Shown (and the form disabled) while the active account is watch-only.
        yield Static("", id=f"{prefix}-watch-only", classes="watch-only-note", markup=False)
        with Horizontal(id=f"{prefix}-columns", classes="signing-columns"):
            with VerticalScroll(id=f"{prefix}-form", classes="form-column"):
                yield Static("", id=f"{prefix}-from", classes="from-line")
                yield from self.compose_fields()
                with Horizontal(id=f"{prefix}-actions", classes="form-actions"):
                    yield Button(
                        self.submit_label,
                        id=f"{prefix}-submit",
                        variant="primary",
                        disabled=True,
                        tooltip=self.submit_tooltip,
                    )
                    yield Button("Clear", id=f"{prefix}-clear", tooltip="Clear the form (Escape)")
                    yield Switch(id=f"{prefix}-dry-run", tooltip=self.dry_run_tooltip)
                    yield Label("Dry run", classes="switch-label")
            with VerticalScroll(id=f"{prefix}-side", classes="side-column"):
                yield from self.compose_side()
                yield Label("Progress", id=f"{prefix}-progress", classes="section -later")
                yield StepList(self.steps_spec, id=f"{prefix}-steps")
                yield Static("", id=f"{prefix}-outcome", classes="outcome")

    def main_widget(self) -> Widget:
        """The form at rest is the view itself: its Escape clears the form."""
        return self

    def compose_fields(self) -> Iterable[Widget]:
        """The form's fields, between the sender line and the action row."""
        raise NotImplementedError

    def compose_side(self) -> Iterable[Widget]:
        """The side panel's first sections, above the progress."""
        raise NotImplementedError

    @property
    def steps(self) -> StepList:
        return self.query_one(f"#{self.prefix}-steps", StepList)

    @property
    def dry_run(self) -> bool:
        return self.query_one(f"#{self.prefix}-dry-run", Switch).value

    def show_sender(self, account: Account | None, doing: str) -> None:
        address = None if account is None else account.address
        if address != self._shown_for:
            self._shown_for = address
            self.forget_last()
        self._label_progress()
        line = self.query_one(f"#{self.prefix}-from", Static)
        if account is None:
            line.update(Text(f"No active account: add one in Accounts to {doing}."))
        else:
            line.update(Text.assemble(("From  ", "bold"), f"{account.name}  {account.address}"))
        self._refuse_watch_only(account, doing)

    def forget_last(self) -> None:
        """Another account: the last operation's steps and outcome (and the form) were
        the previous account's, so they go. One still in flight keeps showing, under a
        Progress heading that names its account (``_label_progress``)."""
        if self.busy:
            return
        self._operating = None
        self.clear_account_form()
        self.steps.reset()
        self._outcome("")

    def clear_account_form(self) -> None:
        """What of the form belongs to the account it was filled for (nothing by
        default)."""

    def _label_progress(self) -> None:
        """ "Progress", or "Progress (dev-0)" while it shows another account's operation."""
        account = self.account
        other = self._operating is not None and (account is None or account.name != self._operating)
        label = f"Progress ({self._operating})" if other else "Progress"
        self.query_one(f"#{self.prefix}-progress", Label).update(label)

    def watch_only_way(self) -> str:
        """What a watch-only account can still do in this view, as a sentence ("" if
        nothing: the form is then disabled)."""
        return ""

    @property
    def watch_only(self) -> bool:
        """The active account has no key here: nothing can be signed for it."""
        return self.account is not None and self.account.watch_only

    def _refuse_watch_only(self, account: Account | None, doing: str) -> None:
        """A watch-only account disables the whole form, and the note says why (the
        facade would refuse its signer anyway)."""
        refused = account is not None and account.watch_only
        note = self.query_one(f"#{self.prefix}-watch-only", Static)
        note.set_class(refused, "-shown")
        if account is not None and refused:
            picker = self.aleph_app.key_for("account-picker") or "a"
            note.update(
                f"{account.name} is watch-only: aleph-tui has no key for it, so it cannot "
                f"{doing} here.{self.watch_only_way()} Press {picker} to switch to an "
                "account with a key."
            )
        else:
            note.update("")
        # Submit is refused either way (``_update_submit``); the fields stay usable when
        # the view has a way that needs no key here.
        self.query_one(f"#{self.prefix}-form").disabled = refused and not self.watch_only_way()
        self._update_submit()

    # --- events and actions -------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # At 24 lines the action row is docked over the bottom of the scrolling form.
        scroll_clear_of_docks(self.query_one(f"#{self.prefix}-form"), event.widget)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == f"{self.prefix}-submit":
            event.stop()
            self.action_submit()
        elif event.button.id == f"{self.prefix}-clear":
            event.stop()
            self.action_clear()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        if event.switch.id == f"{self.prefix}-dry-run":
            label = "Sign (dry run)" if event.value else self.submit_label
            self.query_one(f"#{self.prefix}-submit", Button).label = label

    def action_toggle_dry_run(self) -> None:
        if not self.busy:
            self.query_one(f"#{self.prefix}-dry-run", Switch).toggle()

    def action_clear(self) -> None:
        """Escape: stop a quote in progress (nothing is signed yet); in a field, leave it
        (so the number keys switch views again); on the form itself, clear it."""
        if self.busy:
            if self._phase == "quoting":
                self.workers.cancel_group(self, self.prefix)
                self._finish(self.cancelled_text)
            else:
                self.notify(self.committed_text)
            return
        if isinstance(self.screen.focused, Input):
            self.main_widget().focus()
            return
        self.clear_form()
        self.steps.reset()
        self._outcome("")

    def action_submit(self) -> None:
        raise NotImplementedError

    def blocked_reason(self) -> str | None:
        """Why the submit button is off, in a sentence that names the field and the rule
        (None when it is on, while busy, or for lack of an account: the From line says)."""
        raise NotImplementedError

    def refuse_submit(self) -> None:
        """Submit (ctrl+s, Enter) while the form cannot be sent: say why, never nothing."""
        if self.busy or self.account is None:
            return
        if self.watch_only:
            reason = f"{self.account.name} is watch-only: there is no key to sign with here."
        else:
            reason = self.blocked_reason() or f"{self.submit_label} is disabled for now."
        self.notify(reason, title=self.submit_label, severity="warning", markup=False)

    def clear_form(self) -> None:
        """Empty the fields and forget the live quote."""
        raise NotImplementedError

    # --- busy state -----------------------------------------------------------------------

    def _start(self) -> None:
        """Submitted: busy at once, so a second Enter or click does nothing."""
        self.busy = True
        self._phase = "quoting"
        account = self.account
        self._operating = None if account is None else account.name
        self._label_progress()
        self._update_submit()

    def _idle(self) -> None:
        if self.busy:
            self.busy = False
            self._phase = "idle"
            self._update_submit()

    def _finish(self, text: str, *, error: bool = False) -> None:
        self._outcome(text, error=error)
        self._idle()

    def _outcome(self, text: str, *, error: bool = False) -> None:
        outcome = self.query_one(f"#{self.prefix}-outcome", Static)
        outcome.update(Text(text))
        outcome.set_class(error, "-error")

    def _update_submit(self) -> None:
        """Enable the submit button when the form can be sent; hold the rest while busy."""
        self.query_one(f"#{self.prefix}-submit", Button).disabled = (
            self.watch_only or not self._can_submit()
        )
        self.query_one(f"#{self.prefix}-dry-run", Switch).disabled = self.busy

    def _can_submit(self) -> bool:
        raise NotImplementedError
