"""The base of the account dialogs: a centred form whose submission runs in a worker.

A dialog collects input and hands it to a ``submit`` coroutine given by its caller (the
view, which reaches the service); it never touches the service itself. Its fields are
checked as they are typed (``live_errors``, with core's validators): a broken rule shows
under its field and disables the submit button. A refusal before anything runs wipes
nothing; once the work has started, every masked input (keys, passwords) is emptied,
whatever its outcome. A failure keeps the dialog open with the reason under the fields
and in a notification.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static, TabbedContent
from textual.widgets.button import ButtonVariant

from aleph_tui.core.accounts.account_store import KeyringUnavailableError
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.validation import InvalidInput, new_password
from aleph_tui.ui.screens.keyring_choice import offer_keystore

log = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")
JobT = TypeVar("JobT")
RequestT = TypeVar("RequestT")


class FormModal(ModalScreen[ResultT | None]):
    """A dialog of fields with a submit and a cancel button.

    Subclasses set ``form_id`` (the prefix of every id), compose their fields inside a
    ``.dialog`` container ending with ``error_line()`` and ``buttons()``, and implement
    ``submit``; ``run_job`` runs the work and, by default, dismisses with its result.
    """

    form_id: ClassVar[str]
    failure_title: ClassVar[str] = "Failed"
    # Appended to the "no OS keyring" advice, e.g. that a cleared key must be typed again.
    keyring_fallback_note: ClassVar[str] = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog-cancel", tooltip="Close without changes"),
    ]

    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal > .dialog {
        width: 80;
        max-width: 95%;
        height: auto;
        max-height: 95%;
        overflow-y: auto;
        border: thick $primary 70%;
        background: $surface;
        padding: 1 2;
    }
    FormModal .dialog-title { text-style: bold; color: $text-primary; margin-bottom: 1; }
    FormModal .form-hint { color: $text-muted; margin-bottom: 1; }
    FormModal .form-label { margin-top: 1; }
    FormModal .form-error { color: $text-error; height: auto; margin-top: 1; display: none; }
    FormModal .form-rule { color: $text-error; height: auto; display: none; }
    FormModal .form-rule.-ok { color: $text-success; }
    FormModal .form-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    FormModal .form-buttons Button { margin-left: 2; }
    FormModal .dialog Vertical { height: auto; }
    FormModal .hidden { display: none; }
    /* 24 lines: less padding, and the buttons stay in view while the fields scroll */
    FormModal.-short > .dialog { padding: 0 2; }
    FormModal.-short .form-buttons { dock: bottom; }
    """

    # --- composing --------------------------------------------------------------------

    def error_line(self) -> Static:
        return Static("", id=f"{self.form_id}-error", classes="form-error", markup=False)

    def field_rule(self, field_id: str) -> Static:
        """The line under a field: the rule its value breaks, shown as it is typed."""
        return Static("", id=f"{self.form_id}-{field_id}-rule", classes="form-rule", markup=False)

    def buttons(
        self, label: str, *, variant: ButtonVariant = "primary", cancel: str = "Cancel"
    ) -> Horizontal:
        submit = Button(label, id=f"{self.form_id}-submit", variant=variant)
        close = Button(cancel, id=f"{self.form_id}-cancel")
        return Horizontal(submit, close, classes="form-buttons")

    def keystore_choice(self, hint: str = "") -> ComposeResult:
        """The "encrypted keystore instead of the OS keyring" checkbox and its passwords
        (``#<form>-encrypted``, ``#<form>-password``, ``#<form>-password-repeat``)."""
        yield Checkbox(
            "Encrypted keystore file instead of the OS keyring",
            id=f"{self.form_id}-encrypted",
        )
        with Vertical(id=f"{self.form_id}-keystore", classes="hidden"):
            if hint:
                yield Static(hint, classes="form-hint")
            yield Input(
                placeholder="Password of the keystore file",
                password=True,
                id=f"{self.form_id}-password",
            )
            yield Input(
                placeholder="Repeat the password",
                password=True,
                id=f"{self.form_id}-password-repeat",
            )

    @on(Checkbox.Changed)
    def _encrypted_toggled(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == f"{self.form_id}-encrypted":
            keystore = self.query_one(f"#{self.form_id}-keystore")
            keystore.set_class(not event.value, "hidden")
        self.recheck()

    # --- checking as the user types ---------------------------------------------------

    def live_errors(self) -> dict[str, str | None]:
        """Each checked field's broken rule (None: fine, or still empty), by field id."""
        return {}

    def complete(self) -> bool:
        """Whether every required field is filled in (the submit button waits for it)."""
        return True

    def on_mount(self) -> None:
        self.recheck()

    @on(Input.Changed)
    @on(TabbedContent.TabActivated)
    def _typed(self) -> None:
        self.recheck()

    def recheck(self) -> None:
        """Show each field's rule under it, and enable submit only for a sendable form."""
        errors = self.live_errors()
        for field_id, error in errors.items():
            for rule in self.query(f"#{self.form_id}-{field_id}-rule").results(Static):
                rule.update(error or "")
                rule.display = error is not None
            for field in self.query(f"#{self.form_id}-{field_id}").results(Input):
                field.set_class(error is not None, "-invalid")
        submits = self.query(f"#{self.form_id}-submit").results(Button)
        for submit in submits:
            submit.disabled = self._busy or any(errors.values()) or not self.complete()

    def passwords_typed(self, *, required: bool = True) -> bool:
        """Whether the keystore's password is typed twice, when one is needed."""
        if not self.encrypted or not required:
            return True
        return bool(self.value("password")) and bool(self.value("password-repeat"))

    def new_password_error(self, *, required: bool = True) -> str | None:
        """The repeated password's rule, once both entries are typed (live)."""
        if not self.encrypted or not self.value("password-repeat"):
            return None
        try:
            self.new_password(required=required)
        except InvalidInput as exc:
            return str(exc)
        return None

    @property
    def encrypted(self) -> bool:
        boxes = self.query(f"#{self.form_id}-encrypted").results(Checkbox)
        return any(box.value for box in boxes)

    def new_password(self, *, required: bool = True) -> str | None:
        """The keystore password typed twice, or None when not encrypting (or when it may
        be left empty and is). Raises InvalidInput when the two differ or one is missing."""
        if not self.encrypted:
            return None
        return new_password(
            self.value("password"), self.value("password-repeat"), required=required
        )

    # --- submitting -------------------------------------------------------------------

    def submit(self) -> None:
        """Validate the fields and call ``run_job``, or ``show_error``."""
        raise NotImplementedError

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        if event.button.id == f"{self.form_id}-submit":
            event.stop()
            self.submit()
        elif event.button.id == f"{self.form_id}-cancel":
            event.stop()
            self.action_cancel()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def action_cancel(self) -> None:
        if self._busy:  # a half-finished change must not be abandoned
            self.notify("Still working; this closes when it is done.", severity="warning")
            return
        self.clear_secrets()
        self.dismiss(None)

    _busy = False

    def run_request(
        self, build: Callable[[], RequestT], job: Callable[[RequestT], Awaitable[JobT]]
    ) -> None:
        """``build()`` the request from the fields and ``run_job`` it; a refusal is shown
        instead, and nothing typed is wiped (nothing was used yet)."""
        try:
            request = build()
        except InvalidInput as exc:
            self.show_error(str(exc))
            return
        self.run_job(lambda: job(request))

    def run_job(
        self,
        job: Callable[[], Awaitable[JobT]],
        on_success: Callable[[JobT], None] | None = None,
    ) -> None:
        """Run ``job`` in this dialog's worker; dismiss with its result unless
        ``on_success`` takes it. Secrets are cleared once the job has started."""
        self.show_error("")
        self.run_worker(
            self._run(job, on_success),
            name=f"{self.form_id}-submit",
            group="dialogs",
            exclusive=True,
            exit_on_error=False,
        )

    async def _run(
        self, job: Callable[[], Awaitable[JobT]], on_success: Callable[[JobT], None] | None
    ) -> None:
        submit = self.query_one(f"#{self.form_id}-submit", Button)
        submit.disabled = True
        self._busy = True
        try:
            awaitable = job()
            self.clear_secrets()
            result = await awaitable
        except (ServiceError, InvalidInput) as exc:
            self.failed(exc)
            return
        except Exception as exc:  # its text could quote what it was given: name the type only
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("%s failed with %s:\n%s", self.form_id, type(exc).__name__, frames)
            self.show_error(f"Unexpected error ({type(exc).__name__}); the log has the details.")
            return
        finally:
            self.clear_secrets()
            self._busy = False
            submit.disabled = False
            self.recheck()
        if on_success is not None:
            on_success(result)
        else:
            self.dismiss(result)  # type: ignore[arg-type]

    def failed(self, exc: Exception) -> None:
        """A failure the user can act on; its message never carries key material."""
        boxes = self.query(f"#{self.form_id}-encrypted").results(Checkbox)
        box = next(iter(boxes), None)
        if isinstance(exc, KeyringUnavailableError) and box is not None:
            offer_keystore(self, exc, self.keyring_fallback_note)  # a keystore, or nothing
            return
        self.show_error(str(exc))

    def show_error(self, message: str) -> None:
        line = self.query_one(f"#{self.form_id}-error", Static)
        line.update(message)
        line.display = bool(message)
        if message:
            self.notify(message, title=self.failure_title, severity="error", markup=False)

    def clear_secrets(self) -> None:
        for field in self.query(Input):
            if field.password:
                field.clear()

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{self.form_id}-{field_id}", Input).value
