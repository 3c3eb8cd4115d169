"""Import an account from a private key (masked), a keystore file or an aleph-client key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static, TabbedContent, TabPane

from aleph_tui.core.accounts.account_store import Account
from aleph_tui.core.accounts.key_storage import Secret
from aleph_tui.core.validation import InvalidInput, new_account_name, private_key
from aleph_tui.ui.screens.create_account import NAME_RESTRICT, name_error
from aleph_tui.ui.screens.form import FormModal

Source = Literal["key", "keystore", "legacy"]
SOURCES: dict[str, Source] = {
    "import-from-key": "key",
    "import-from-keystore": "keystore",
    "import-from-legacy": "legacy",
}


@dataclass(frozen=True)
class ImportRequest:
    """What to import. The key is a ``Secret`` (redacted in reprs and tracebacks)."""

    name: str
    source: Source
    key: Secret | None = field(default=None, repr=False)
    path: Path | None = None  # the keystore file, or the aleph-client key file
    password: str | None = field(default=None, repr=False)  # the keystore file's
    encrypted: bool = False
    new_password: str | None = field(default=None, repr=False)


class ImportAccountModal(FormModal[Account]):
    """Dismisses with the imported account, or None when cancelled."""

    form_id = "import"
    failure_title = "Account not imported"
    keyring_fallback_note = " Enter the key or password again: they were cleared."

    DEFAULT_CSS = """
    ImportAccountModal TabbedContent { height: auto; margin-top: 1; }
    ImportAccountModal TabPane { padding: 1 0 0 0; height: auto; }
    ImportAccountModal Select { margin-bottom: 1; }
    """

    def __init__(
        self,
        submit: Callable[[ImportRequest], Awaitable[Account]],
        legacy_keys: Sequence[Path] = (),
        legacy_folder: Path | None = None,
        *,
        accounts: Collection[str] = (),
        aliases: Collection[str] = (),
    ) -> None:
        super().__init__()
        self._submit = submit
        self.taken = (accounts, aliases)  # names already used: checked as typed
        self._legacy_keys = list(legacy_keys)
        self._legacy_folder = legacy_folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-dialog"):
            yield Static("Import an account", classes="dialog-title")
            yield Label("Name", classes="form-label")
            yield Input(placeholder="e.g. main", restrict=NAME_RESTRICT, id="import-name")
            yield self.field_rule("name")
            with TabbedContent(id="import-source"):
                with TabPane("Private key", id="import-from-key"):
                    yield Input(
                        placeholder="64 hexadecimal digits, 0x optional",
                        password=True,
                        id="import-key",
                    )
                    yield self.field_rule("key")
                    yield Static(
                        "Masked as you type and cleared as soon as it is used.",
                        classes="form-hint",
                    )
                with TabPane("Keystore file", id="import-from-keystore"):
                    yield Input(placeholder="path/to/keystore.json", id="import-path")
                    yield Input(
                        placeholder="Password of that keystore file",
                        password=True,
                        id="import-keystore-password",
                    )
                with TabPane("aleph-client key", id="import-from-legacy"):
                    yield from self._legacy_fields()
            yield from self.keystore_choice(
                "For a keystore file, leave both empty to keep the file as it is."
            )
            yield self.field_rule("password")
            yield self.error_line()
            yield self.buttons("Import")

    def _legacy_fields(self) -> ComposeResult:
        folder = str(self._legacy_folder) if self._legacy_folder else "~/.aleph-im/private-keys"
        if not self._legacy_keys:
            yield Static(f"No aleph-client key (*.key) in {folder}.", classes="form-hint")
            return
        options = [(path.name, str(path)) for path in self._legacy_keys]
        yield Select(options, prompt="Pick a key", id="import-legacy")
        yield Static(f"Keys found in {folder}.", classes="form-hint")

    def submit(self) -> None:
        self.run_request(self._request, self._submit)

    @property
    def source(self) -> Source:
        return SOURCES.get(self.query_one("#import-source", TabbedContent).active, "key")

    def live_errors(self) -> dict[str, str | None]:
        key = self.value("key")
        key_error = None
        if self.source == "key" and key.strip():
            try:
                private_key(key)
            except InvalidInput as exc:
                key_error = str(exc)  # the rule only: never the key
        return {
            "name": name_error(self.value("name"), *self.taken),
            "key": key_error,
            "password": self.new_password_error(required=self.source != "keystore"),
        }

    def complete(self) -> bool:
        filled = {
            "key": bool(self.value("key").strip()),
            "keystore": bool(self.value("path").strip()),
            "legacy": bool(self._legacy_keys),
        }
        passwords = self.passwords_typed(required=self.source != "keystore")
        return bool(self.value("name").strip()) and filled[self.source] and passwords

    def _request(self) -> ImportRequest:
        accounts, aliases = self.taken
        name = new_account_name(self.value("name"), accounts=accounts, aliases=aliases)
        source = self.source
        if source == "key":
            key = self.value("key").strip()
            if not key:
                raise InvalidInput("private key", "is required")
            private_key(key)
            return ImportRequest(
                name,
                "key",
                key=Secret(key),
                encrypted=self.encrypted,
                new_password=self.new_password(),
            )
        if source == "keystore":
            path = self.value("path").strip()
            if not path:
                raise InvalidInput("keystore file", "is required")
            return ImportRequest(
                name,
                "keystore",
                path=Path(path).expanduser(),
                password=self.value("keystore-password"),
                encrypted=self.encrypted,
                new_password=self.new_password(required=False),
            )
        picks = list(self.query("#import-legacy").results(Select))
        picked = picks[0].value if picks else Select.NULL
        if not isinstance(picked, str):
            raise InvalidInput("aleph-client key", "pick one of the keys listed")
        return ImportRequest(
            name,
            "legacy",
            path=Path(picked),
            encrypted=self.encrypted,
            new_password=self.new_password(),
        )
