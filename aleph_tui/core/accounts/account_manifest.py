"""The aleph CLI's ``accounts.toml``, edited in place so nothing we don't know is lost.

Its Rust schema (aleph-rs ``account/store.rs``): ``default`` (optional string),
``[[accounts]]`` with name, chain, address, kind ("local" | "ledger" | "keystore") and an
optional derivation_path, and ``[[aliases]]`` with name and address. Unknown keys,
tables and comments survive because an edited document is tomlkit's, not a
re-serialisation. Reading only needs the standard library's parser, and the dashboard's
start-up only reads: tomlkit is loaded for the first edit.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aleph_tui.core.accounts.key_storage import atomic_write
from aleph_tui.core.errors import ServiceError

if TYPE_CHECKING:
    from tomlkit.items import AoT, Table
    from tomlkit.toml_document import TOMLDocument

ACCOUNT_FIELDS = ("name", "chain", "address", "kind")
# A store of a few hundred accounts is some tens of kilobytes; anything past this is not
# an accounts file, and parsing it (tomllib, then tomlkit for an edit) would take minutes.
MAX_MANIFEST_BYTES = 1024 * 1024
ALIAS_FIELDS = ("name", "address")


class ManifestError(ServiceError):
    pass


class Manifest:
    """One loaded document. Mutate, then ``save()``; reload to see others' changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = _read_text(path)
        try:
            self.doc: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ManifestError(f"failed to parse {path}: {exc}") from None
        self._text = text
        self._check()

    def _editable(self) -> TOMLDocument:
        """The document as tomlkit's, which keeps the file's layout through edits."""
        import tomlkit

        if not isinstance(self.doc, tomlkit.TOMLDocument):
            try:
                self.doc = tomlkit.parse(self._text)
            except tomlkit.exceptions.TOMLKitError as exc:
                raise ManifestError(f"failed to parse {self.path}: {exc}") from None
        return self.doc

    def _check(self) -> None:
        default = self.doc.get("default")
        if default is not None and not isinstance(default, str):
            raise ManifestError(f"{self.path}: 'default' must be a string")
        for key, fields in (("accounts", ACCOUNT_FIELDS), ("aliases", ALIAS_FIELDS)):
            value = self.doc.get(key)
            if value is not None and not isinstance(value, list):
                raise ManifestError(f"{self.path}: '{key}' must be an array of tables")
            for index, entry in enumerate(value or []):
                if not isinstance(entry, dict):
                    raise ManifestError(f"{self.path}: {key}[{index}] is not a table")
                for field in fields:
                    if not isinstance(entry.get(field), str):
                        raise ManifestError(f"{self.path}: {key}[{index}] has no string '{field}'")

    def save(self) -> None:
        # A new aleph config directory is the owner's only (it holds keystores/ too):
        # atomic_write makes missing directories 0700.
        atomic_write(self.path, self._editable().as_string())

    # --- reading ----------------------------------------------------------------------

    def entries(self, key: str) -> Iterator[dict[str, Any]]:
        yield from self.doc.get(key) or []

    def find(self, key: str, name: str) -> dict[str, Any] | None:
        return next((e for e in self.entries(key) if e["name"] == name), None)

    def names(self) -> set[str]:
        return {e["name"] for key in ("accounts", "aliases") for e in self.entries(key)}

    @property
    def default(self) -> str | None:
        value = self.doc.get("default")
        return str(value) if value is not None else None

    @default.setter
    def default(self, name: str | None) -> None:
        from tomlkit.items import AoT, Table

        doc = self._editable()
        if name is None:
            doc.pop("default", None)
        elif "default" in doc:
            doc["default"] = name
        else:  # tomlkit puts a new key just above the first table: keep a blank line
            doc["default"] = name
            keys = [key.key if key else None for key, _ in doc.body]
            following = doc.body[keys.index("default") + 1 :]
            if following and isinstance(following[0][1], AoT | Table):
                _blank_line_before(following[0][1])

    # --- editing ----------------------------------------------------------------------

    def append(self, key: str, values: dict[str, str]) -> None:
        """Add an ``[[key]]`` table (or an inline table if the file uses inline ones)."""
        import tomlkit
        from tomlkit.items import AoT, Array

        doc = self._editable()
        current = doc.get(key)
        if isinstance(current, AoT):
            current.append(_table(values, blank_line_before=True))
        elif isinstance(current, Array) and len(current) > 0:
            current.append(dict(values))
        else:  # absent, or the ``key = []`` the Rust CLI writes for an empty list
            doc.pop(key, None)
            aot = tomlkit.aot()
            aot.append(_table(values, blank_line_before=bool(doc.body)))
            doc.append(key, aot)

    def remove(self, key: str, name: str) -> None:
        container = self._editable().get(key)
        if container is None:
            return
        for index in reversed(range(len(container))):
            if container[index]["name"] == name:
                del container[index]


def _read_text(path: Path) -> str:
    """The manifest's text ("" if there is none), its size checked before it is read."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            raw = b"" if size > MAX_MANIFEST_BYTES else handle.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size > MAX_MANIFEST_BYTES or len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            f"{path} is larger than 1 MB ({max(size, len(raw)):,} bytes), too large for an "
            "accounts file; nothing was read (move it away if it is not yours)"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            f"cannot read {path}: it is not UTF-8 text (byte {exc.start}); an accounts file "
            "is TOML text"
        ) from None


def _blank_line_before(item: AoT | Table) -> None:
    from tomlkit.items import AoT, Table

    table = item.body[0] if isinstance(item, AoT) and item.body else item
    if isinstance(table, Table) and not table.trivia.indent.startswith("\n"):
        table.trivia.indent = "\n" + table.trivia.indent


def _table(values: dict[str, str], *, blank_line_before: bool) -> Table:
    import tomlkit

    table = tomlkit.table()
    if blank_line_before:
        table.trivia.indent = "\n"
    for field, value in values.items():
        table[field] = value
    return table
