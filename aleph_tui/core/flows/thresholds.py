"""Low-balance thresholds, one per address, in ``app_config_dir()/thresholds.toml``.

The file is aleph-tui's own (the TUI's settings.toml is another file)::

    [thresholds]
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" = 5000000

Keys are checksummed addresses, values whole credits. The file is read on every call
(the dashboard and a command may both change it) and rewritten atomically, keeping any
comment or table it does not know. A balance is *low* when it is below its threshold.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aleph_tui.core import validation
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.paths import app_config_dir

TABLE = "thresholds"


class ThresholdError(ServiceError):
    """The thresholds file cannot be read or written."""


def thresholds_path() -> Path:
    return app_config_dir() / "thresholds.toml"


@dataclass(frozen=True)
class Threshold:
    address: str
    credits: int

    def is_low(self, balance: int) -> bool:
        """Whether ``balance`` (credits) is below the threshold."""
        return balance < self.credits

    def crossed(self, balance: int, previous: int | None = None) -> bool:
        """Whether to warn: ``balance`` is below the threshold and, when the ``previous``
        balance is known, was not already below it (so a warning fires once per drop)."""
        if not self.is_low(balance):
            return False
        return previous is None or not self.is_low(previous)


class ThresholdStore:
    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path or thresholds_path()

    def _text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise ThresholdError(f"cannot read {self.path}: {exc.strerror or exc}") from None

    def _table(self, text: str) -> dict[str, Any]:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ThresholdError(f"{self.path} is not valid TOML: {exc}") from None
        table = data.get(TABLE, {})
        if not isinstance(table, dict):
            raise ThresholdError(f"{self.path}: [{TABLE}] must be a table")
        return table

    def all(self) -> dict[str, int]:
        """Every threshold, by checksummed address; entries that are not a whole
        positive number of credits for a valid address are ignored."""
        found: dict[str, int] = {}
        for key, value in self._table(self._text()).items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                continue
            try:
                found[validation.address(key)] = value
            except validation.InvalidInput:
                continue
        return found

    def get(self, address: str) -> Threshold | None:
        checksummed = validation.address(address)
        credits = self.all().get(checksummed)
        return None if credits is None else Threshold(checksummed, credits)

    def set(self, address: str, credits: int | str | None) -> Threshold | None:
        """Store the threshold of ``address`` (None removes it); returns what is stored.
        InvalidInput for a bad address or amount."""
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        from aleph_tui.core.accounts.key_storage import atomic_write

        checksummed = validation.address(address)
        amount = None if credits is None else validation.low_balance_threshold(credits)
        text = self._text()
        self._table(text)  # refuse to rewrite a file we cannot read
        try:
            doc = tomlkit.parse(text)
        except TOMLKitError as exc:
            raise ThresholdError(f"{self.path} is not valid TOML: {exc}") from None
        table = doc.get(TABLE)
        if table is None:
            table = tomlkit.table()
            doc[TABLE] = table
        for key in [k for k in table if str(k).lower() == checksummed.lower()]:
            del table[key]
        if amount is not None:
            table[checksummed] = amount
        try:
            atomic_write(self.path, tomlkit.dumps(doc))
        except OSError as exc:
            raise ThresholdError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return None if amount is None else Threshold(checksummed, amount)
