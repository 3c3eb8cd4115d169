"""Export an account's key to a new V3 keystore file under a new password."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from aleph_tui.core.accounts.account_store import Account
from aleph_tui.core.validation import InvalidInput, new_password
from aleph_tui.ui.screens.form import FormModal


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    password: str = field(repr=False)
    source_password: str | None = field(default=None, repr=False)  # a keystore account's


ExportSubmit = Callable[[ExportRequest], Awaitable[Path]]


class ExportAccountModal(FormModal[Path]):
    """Dismisses with the path written, or None when cancelled."""

    form_id = "export"
    failure_title = "Keystore not written"

    def __init__(
        self,
        account: Account,
        submit: ExportSubmit,
        suggested: Path | None = None,
    ) -> None:
        super().__init__()
        self.account = account
        self._submit = submit
        self._suggested = suggested

    def compose(self) -> ComposeResult:
        account = self.account
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static(f"Export '{account.name}' to a keystore file", classes="dialog-title")
            yield Static(
                f"{account.address}\nA V3 keystore, readable by the aleph CLI and most wallets. "
                "The file is written with permissions 0600 and never over an existing one.",
                classes="form-hint",
            )
            yield Label("File (or a directory, to write NAME.json there)", classes="form-label")
            suggested = str(self._suggested) if self._suggested else ""
            yield Input(suggested, placeholder="path/to/keystore.json", id="export-path")
            if account.kind == "keystore":
                yield Label("Current password of the account's keystore", classes="form-label")
                yield Input(password=True, id="export-source-password")
            yield Label("New password for the exported file", classes="form-label")
            yield Input(placeholder="Password", password=True, id="export-password")
            yield Input(
                placeholder="Repeat the password", password=True, id="export-password-repeat"
            )
            yield self.field_rule("password")
            yield self.error_line()
            yield self.buttons("Export")

    def submit(self) -> None:
        self.run_request(self._request, self._submit)

    def _request(self) -> ExportRequest:
        path = self.value("path").strip()
        if not path:
            raise InvalidInput("file", "is required")
        source = self.value("source-password") if self.account.kind == "keystore" else None
        if source == "":
            raise InvalidInput("current password", "is required to unlock the account")
        first, second = self.value("password"), self.value("password-repeat")
        if not first:
            raise InvalidInput("new password", "is required")
        password = new_password(first, second, field="new password")
        assert password is not None  # required: never None
        return ExportRequest(Path(path).expanduser(), password, source)

    def live_errors(self) -> dict[str, str | None]:
        """The repeated password's rule once both are typed; nothing is wiped."""
        first, second = self.value("password"), self.value("password-repeat")
        if not first or not second:
            return {"password": None}
        try:
            new_password(first, second, field="new password")
        except InvalidInput as exc:
            return {"password": str(exc)}
        return {"password": None}

    def complete(self) -> bool:
        source = self.account.kind != "keystore" or bool(self.value("source-password"))
        typed = all(self.value(f) for f in ("password", "password-repeat"))
        return bool(self.value("path").strip()) and source and typed
