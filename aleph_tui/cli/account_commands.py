"""``aleph-tui account …``: the aleph CLI's account store, from the command line.

Same store, same command names as ``aleph account``. With ``--json`` each command
prints one JSON document on stdout (a key or a password never appears in any output):

- ``list``: ``[{"name", "chain", "address", "kind": "local"|"encrypted"|"ledger",
  "default": bool}, …, {"name", "address", "kind": "alias"}, …, {"name", "chain",
  "address", "kind": "watch-only", "default": false}, …]`` (accounts, aliases, watched).
- ``watch``: ``{"name", "address", "kind": "watch-only"}``; ``unwatch``: ``{"removed": NAME}``.
- ``create`` / ``import``: ``{"name", "chain", "address", "kind", "default": bool}``.
- ``export``: ``{"name", "address", "path"}`` (the new keystore file).
- ``remove``: ``{"removed": NAME, "default": NAME | null}`` (the default afterwards).
- ``use``: ``{"default": NAME, "address"}``.
- ``alias add``: ``{"name", "address"}``; ``alias list``: ``[{"name", "address"}, …]``;
  ``alias remove``: ``{"removed": NAME}``.

``kind`` "encrypted" is the manifest's "keystore", shown as the aleph CLI shows it.
Passwords come from $ALEPH_PASSWORD or a hidden prompt; a key to import from
--private-key, $ALEPH_PRIVATE_KEY, or stdin (hidden when it is a terminal).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from aleph_tui.cli.common import CommandError, UsageError, add_json_option, confirm, emit

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account, AccountStore

PRIVATE_KEY_ENV = "ALEPH_PRIVATE_KEY"
# What ``--legacy`` without a PATH stands for (argparse's const): aleph-client's active key.
ACTIVE_LEGACY_KEY = "(active)"
T = TypeVar("T")


def register(sub: Any) -> None:
    account = sub.add_parser(
        "account",
        help="accounts and aliases (the aleph CLI's store)",
        description="Accounts and aliases, in the same store as the official aleph CLI.",
    )
    account_sub = account.add_subparsers(dest="account_command", metavar="COMMAND")
    account_sub.required = True

    cmd = account_sub.add_parser("list", help="list accounts and aliases (* = default)")
    add_json_option(cmd)
    cmd.set_defaults(handler=run_list)

    cmd = account_sub.add_parser("create", help="create an account with a new random key")
    cmd.add_argument("name", metavar="NAME", help="the new account's name")
    _add_encrypted_option(cmd)
    add_json_option(cmd)
    cmd.set_defaults(handler=run_create)

    cmd = account_sub.add_parser(
        "import",
        help="import a key (hex on stdin by default)",
        description="Import a private key: hex from --private-key, $ALEPH_PRIVATE_KEY or "
        "stdin; a keystore or key file (--from-file); or an aleph-client key (--legacy).",
    )
    cmd.add_argument("name", metavar="NAME", help="the name to give the imported account")
    # A key typed after the name must not come back in argparse's "unrecognized
    # arguments: …" on the terminal: take it here and refuse it without echoing it.
    cmd.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    source = cmd.add_mutually_exclusive_group()
    source.add_argument(
        "--private-key",
        metavar="HEX",
        help=f"the key itself (prefer stdin or ${PRIVATE_KEY_ENV}: arguments show in `ps`)",
    )
    source.add_argument(
        "--from-file",
        metavar="PATH",
        type=Path,
        help="a V3 keystore (asks its password), or a key file (32 bytes or hex)",
    )
    source.add_argument(
        "--legacy",
        metavar="PATH",
        nargs="?",
        const=ACTIVE_LEGACY_KEY,
        help="an aleph-client key from ~/.aleph-im/private-keys (its active one if no PATH)",
    )
    _add_encrypted_option(cmd)
    add_json_option(cmd)
    cmd.set_defaults(handler=run_import)

    cmd = account_sub.add_parser("export", help="write the key to a new encrypted keystore")
    cmd.add_argument("name", metavar="NAME", help="the account to export")
    cmd.add_argument(
        "--output", "-o", metavar="PATH", type=Path, help="the file to write (default: NAME.json)"
    )
    add_json_option(cmd)
    cmd.set_defaults(handler=run_export)

    cmd = account_sub.add_parser("remove", help="remove an account and delete its key")
    cmd.add_argument("name", metavar="NAME", help="the account to remove")
    cmd.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    add_json_option(cmd)
    cmd.set_defaults(handler=run_remove)

    cmd = account_sub.add_parser("use", help="make an account the default")
    cmd.add_argument("name", metavar="NAME", help="the account to make the default")
    add_json_option(cmd)
    cmd.set_defaults(handler=run_use)

    cmd = account_sub.add_parser(
        "watch",
        help="watch an address without its key (watch-only)",
        description="Follow an address's balance, history and usage without its key. "
        "Kept in aleph-tui's own watched.toml, never in the aleph CLI's accounts.toml; "
        "a watch-only account cannot sign.",
    )
    cmd.add_argument("name", metavar="NAME", help="the name to show it under")
    cmd.add_argument("address", metavar="ADDRESS", help="the address to watch (0x…)")
    add_json_option(cmd)
    cmd.set_defaults(handler=run_watch)

    cmd = account_sub.add_parser("unwatch", help="stop watching a watch-only account")
    cmd.add_argument("name", metavar="NAME", help="the watch-only account to remove")
    add_json_option(cmd)
    cmd.set_defaults(handler=run_unwatch)

    alias = account_sub.add_parser("alias", help="named addresses without a key")
    alias_sub = alias.add_subparsers(dest="alias_command", metavar="COMMAND")
    alias_sub.required = True
    cmd = alias_sub.add_parser("add", help="name an address")
    cmd.add_argument("name", metavar="NAME", help="the alias")
    cmd.add_argument("address", metavar="ADDRESS", help="the address it stands for (0x…)")
    add_json_option(cmd)
    cmd.set_defaults(handler=run_alias_add)
    cmd = alias_sub.add_parser("list", help="list aliases")
    add_json_option(cmd)
    cmd.set_defaults(handler=run_alias_list)
    cmd = alias_sub.add_parser("remove", help="remove an alias")
    cmd.add_argument("name", metavar="NAME", help="the alias to remove")
    add_json_option(cmd)
    cmd.set_defaults(handler=run_alias_remove)

    try:  # `account balance` lives in its own module
        balance_command = importlib.import_module("aleph_tui.cli.balance_command")
    except ModuleNotFoundError as exc:
        if exc.name != "aleph_tui.cli.balance_command":
            raise
    else:
        balance_command.register(account_sub)


def _add_encrypted_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--encrypted",
        action="store_true",
        help="keep the key in a password-protected keystore file instead of the OS keyring",
    )


def _store() -> AccountStore:
    from aleph_tui.core.accounts.account_store import AccountStore

    return AccountStore()


def _failure(exc: Exception) -> Exception:
    """The store's error as one line: an unknown name, or a name already taken, is bad
    input (exit 2, naming NAME); anything else a failure (exit 1)."""
    from aleph_tui.core.accounts.account_store import NameTaken, UnknownName, WatchOnly

    if isinstance(exc, UnknownName | NameTaken | WatchOnly):
        return UsageError(f"aleph-tui: NAME: {exc}")
    return CommandError(str(exc))


def _run(work: Callable[[AccountStore], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` on a fresh store; the store's errors become one-line failures."""
    from aleph_tui.core.accounts.account_store import AccountError

    store = _store()
    try:
        return asyncio.run(work(store))
    except AccountError as exc:
        raise _failure(exc) from None


def _sync(work: Callable[[AccountStore], T]) -> T:
    from aleph_tui.core.accounts.account_store import AccountError

    try:
        return work(_store())
    except AccountError as exc:
        raise _failure(exc) from None


# --- listing ------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    def read(
        store: AccountStore,
    ) -> tuple[list[Account], Account | None, dict[str, str], list[Account]]:
        return store.accounts(), store.default(), store.aliases(), store.watched()

    accounts, default, aliases, watched = _sync(read)
    default_name = default.name if default else None
    data: list[dict[str, Any]] = [
        _account_json(a) | {"default": a.name == default_name} for a in accounts
    ]
    data += [{"name": n, "address": a, "kind": "alias"} for n, a in aliases.items()]
    data += [_account_json(a) | {"default": False} for a in watched]

    def text() -> str:
        if not data:
            return "No accounts. Create one with: aleph-tui account create NAME"
        lines = [f"{'':2}{'NAME':<16} {'CHAIN':<6} {'ADDRESS':<42} TYPE"]
        for a in accounts:
            marker = "*" if a.name == default_name else " "
            lines.append(f"{marker:2}{a.name:<16} {a.chain:<6} {a.address:<42} {a.kind_display}")
        for name, address in aliases.items():
            lines.append(f"{'':2}{name:<16} {'':<6} {address:<42} alias")
        for a in watched:
            lines.append(f"{'':2}{a.name:<16} {a.chain:<6} {a.address:<42} {a.kind_display}")
        return "\n".join(lines)

    emit(args, data, text)
    return 0


# --- adding -------------------------------------------------------------------------------


def run_create(args: argparse.Namespace) -> int:
    async def work(store: AccountStore) -> Account:
        return await _offering_keystore(
            args, lambda encrypted: store.create(args.name, encrypted=encrypted)
        )

    _print_added(args, _run(work), "created")
    return 0


def run_import(args: argparse.Namespace) -> int:
    if args.stray:
        raise UsageError(
            "aleph-tui account import: unexpected argument after NAME (not shown, as it may be "
            f"a key); pass the key on stdin, in ${PRIVATE_KEY_ENV} or with --private-key"
        )
    if args.from_file is not None:
        _check_key_file("--from-file", args.from_file)
    keystore_file = args.from_file is not None and _is_keystore_file(args.from_file)
    key_source = ""

    async def work(store: AccountStore) -> Account:
        nonlocal key_source
        if keystore_file:
            return await _offering_keystore(
                args,
                lambda encrypted: store.import_keystore(
                    args.name, args.from_file, encrypted=encrypted
                ),
            )
        if args.from_file is not None or args.legacy is not None:  # 32 raw bytes or hex text
            key_file = args.from_file
            if key_file is None and args.legacy != ACTIVE_LEGACY_KEY:
                key_file = _legacy_path(store, args.legacy)
                _check_key_file("--legacy", key_file)
            return await _offering_keystore(
                args,
                lambda encrypted: store.import_legacy(args.name, key_file, encrypted=encrypted),
            )
        hex_key, key_source = _read_private_key(args, store)
        return await _offering_keystore(
            args, lambda encrypted: store.import_key(args.name, hex_key, encrypted=encrypted)
        )

    from aleph_tui.core.validation import InvalidInput

    try:
        account = _run(work)
    except InvalidInput as exc:
        if exc.field == "private key" and key_source:  # named as the user gave it
            raise UsageError(f"aleph-tui account import: {key_source}: {exc.rule}") from None
        raise
    _print_added(args, account, "imported")
    return 0


def _check_key_file(option: str, path: Path) -> None:
    """A key or keystore file that is not there is bad input (exit 2)."""
    if not path.exists():
        raise UsageError(f"aleph-tui account import: {option}: {path} does not exist")
    if not path.is_file():
        raise UsageError(f"aleph-tui account import: {option}: {path} is not a file")


def _is_keystore_file(path: Path) -> bool:
    import json

    from aleph_tui.core.accounts.key_storage import is_keystore

    try:
        return is_keystore(json.loads(path.read_bytes()))
    except (OSError, ValueError):
        return False


def _legacy_path(store: AccountStore, value: str) -> Path:
    """A path, or the bare name of a file in aleph-client's private-keys folder."""
    path = Path(value).expanduser()
    if path.exists():
        return path
    named = store.legacy_home / "private-keys" / f"{value.removesuffix('.key')}.key"
    return named if named.exists() else path


def _read_private_key(args: argparse.Namespace, store: AccountStore) -> tuple[str, str]:
    """The key to import and where it came from, as the user would name it."""
    import getpass
    import os

    if args.private_key is not None:
        return str(args.private_key), "--private-key"
    if (from_env := os.environ.get(PRIVATE_KEY_ENV)) is not None:
        return from_env, PRIVATE_KEY_ENV  # never empty: the environment is checked first
    store.check_name_available(args.name)  # before asking for the key
    value = getpass.getpass("Private key (hex): ") if sys.stdin.isatty() else sys.stdin.read()
    if not value.strip():
        raise UsageError("no private key: pass it on stdin, or use --from-file or --legacy")
    return value, ""  # core names it "private key"


async def _offering_keystore(
    args: argparse.Namespace, add: Callable[[bool], Awaitable[Account]]
) -> Account:
    """Add, and if the OS keyring is unavailable offer a keystore file on a terminal."""
    from aleph_tui.core.accounts.account_store import KeyringUnavailableError

    try:
        return await add(bool(args.encrypted))
    except KeyringUnavailableError as exc:
        if args.encrypted or not sys.stdin.isatty():
            raise
        print(f"aleph-tui: {exc}", file=sys.stderr)
        print(
            "Keep the key in an encrypted keystore file instead? [y/N] ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise CommandError("cancelled; nothing was saved") from None
        return await add(True)


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "name": account.name,
        "chain": account.chain,
        "address": account.address,
        "kind": account.kind_display,
    }


def _print_added(args: argparse.Namespace, account: Account, verb: str) -> None:
    default = _sync(lambda store: store.default())
    is_default = default is not None and default.name == account.name

    def text() -> str:
        lines = [
            f"Account '{account.name}' {verb}.",
            f"  Type:    {account.kind_display}",
            f"  Chain:   {account.chain}",
            f"  Address: {account.address}",
        ]
        if is_default:
            lines.append("It is the default account.")
        return "\n".join(lines)

    emit(args, _account_json(account) | {"default": is_default}, text)


# --- using and changing ---------------------------------------------------------------------


def _export_destination(args: argparse.Namespace) -> Path:
    """Where the export goes, checked before any key is read: a new file in a directory
    that exists. Anything else is bad input (exit 2), and nothing is created."""
    from aleph_tui.core import validation

    dest: Path = (args.output or Path(f"{args.name}.json")).expanduser()
    if dest.is_dir():
        dest = dest / f"{args.name}.json"
    try:
        return validation.export_path(str(dest), field="output")
    except validation.InvalidInput as exc:
        raise UsageError(f"aleph-tui account export: --output: {dest}: {exc.rule}") from None


def run_export(args: argparse.Namespace) -> int:
    dest = _export_destination(args)

    async def work(store: AccountStore) -> tuple[Account, Path]:
        path = await store.export_keystore(args.name, dest)
        return store.get(args.name), path

    account, path = _run(work)
    data = {"name": account.name, "address": account.address, "path": str(path)}
    emit(args, data, f"Wrote the encrypted key of '{account.name}' to {path}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    account = _sync(lambda store: store.get(args.name))
    if not args.yes and not sys.stdin.isatty():
        raise CommandError("no terminal to confirm on, so nothing was removed; pass -y to confirm")
    where = {
        "local": "its private key will be deleted from the OS keyring",
        "keystore": "its keystore file will be deleted",
        "ledger": "the Ledger keeps its key",
    }.get(account.kind, "its key will be deleted")
    summary = [
        f"Account '{account.name}' ({account.address}) will be removed and {where}.",
        "Without a backup (aleph-tui account export) a deleted key is gone for good.",
    ]
    try:
        confirm(summary, args.yes, action="Remove it")
    except CommandError:
        raise CommandError("cancelled; nothing was removed") from None

    async def work(store: AccountStore) -> Account | None:
        await store.remove(args.name)
        return store.default()

    default = _run(work)
    data = {"removed": account.name, "default": default.name if default else None}
    text = f"Account '{account.name}' removed."
    if default is not None:
        text += f" The default account is '{default.name}'."
    emit(args, data, text)
    return 0


def run_use(args: argparse.Namespace) -> int:
    account = _sync(lambda store: store.use(args.name))
    data = {"default": account.name, "address": account.address}
    emit(args, data, f"Default account set to '{account.name}' ({account.address}).")
    return 0


def run_watch(args: argparse.Namespace) -> int:
    from aleph_tui.core.validation import InvalidInput

    try:
        account = _sync(lambda store: store.watch(args.name, args.address))
    except InvalidInput as exc:  # named as the usage line names the arguments
        argument = {"name": "NAME", "address": "ADDRESS"}.get(exc.field, exc.field)
        raise UsageError(f"aleph-tui account watch: {argument}: {exc.rule}") from None
    data = {"name": account.name, "address": account.address, "kind": account.kind_display}
    text = (
        f"Watching '{account.name}' ({account.address}), watch-only: its balance, history "
        "and usage show everywhere, and nothing can be signed for it."
    )
    emit(args, data, text)
    return 0


def run_unwatch(args: argparse.Namespace) -> int:
    account = _sync(lambda store: store.unwatch(args.name))
    emit(args, {"removed": account.name}, f"Stopped watching '{account.name}'.")
    return 0


def run_alias_add(args: argparse.Namespace) -> int:
    address = _sync(lambda store: store.add_alias(args.name, args.address))
    name = args.name.strip()
    emit(args, {"name": name, "address": address}, f"Alias '{name}' added ({address}).")
    return 0


def run_alias_list(args: argparse.Namespace) -> int:
    aliases = _sync(lambda store: store.aliases())
    data = [{"name": n, "address": a} for n, a in aliases.items()]

    def text() -> str:
        if not aliases:
            return "No aliases. Add one with: aleph-tui account alias add NAME ADDRESS"
        rows = [f"{'NAME':<16} ADDRESS"] + [f"{n:<16} {a}" for n, a in aliases.items()]
        return "\n".join(rows)

    emit(args, data, text)
    return 0


def run_alias_remove(args: argparse.Namespace) -> int:
    _sync(lambda store: store.remove_alias(args.name))
    emit(args, {"removed": args.name}, f"Alias '{args.name}' removed.")
    return 0
