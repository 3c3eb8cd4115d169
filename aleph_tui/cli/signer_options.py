"""Choosing the signing key of a command: --account, --private-key or ALEPH_PRIVATE_KEY."""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import TYPE_CHECKING

from aleph_tui.cli.common import CommandError, UsageError
from aleph_tui.core.accounts.signer import DevKeyRefused, Signer, SigningError

if TYPE_CHECKING:
    from aleph_tui.core.networks import Network

PRIVATE_KEY_ENV = "ALEPH_PRIVATE_KEY"


def add_signer_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("signing key")
    group.add_argument("--account", metavar="NAME", help="an account of the aleph CLI's store")
    group.add_argument(
        "--private-key",
        metavar="HEX",
        help=f"a raw key (prefer the {PRIVATE_KEY_ENV} variable: arguments show in `ps`)",
    )
    group.add_argument("--chain", default="ETH", choices=("ETH",), help="the key's chain")


async def signer_from_args(args: argparse.Namespace) -> Signer:
    """The key from --private-key, --account, $ALEPH_PRIVATE_KEY, or the default account.

    Flags beat the environment, so an ``--account`` typed on the command line is never
    silently replaced by a key left in the environment."""
    return (await _signer_and_source(args))[0]


async def signer_for_network(args: argparse.Namespace, network: Network) -> Signer:
    """``signer_from_args`` bound to ``network`` (Signer.for_network): a public test key
    on a network that is not a devnet is bad input (exit 2), refused before anything is
    quoted, confirmed or signed, naming where the key came from."""
    signer, source = await _signer_and_source(args)
    try:
        return signer.for_network(network)
    except DevKeyRefused as exc:
        raise UsageError(f"aleph-tui: {source}: {exc}") from None


async def _signer_and_source(args: argparse.Namespace) -> tuple[Signer, str]:
    """The key, and where it came from as the user would name it."""
    name = getattr(args, "account", None)
    flag_key = getattr(args, "private_key", None)
    if flag_key is not None and name is not None:
        raise UsageError("--account: give either --account or --private-key, not both")
    if flag_key is not None:
        return _parsed(flag_key, "--private-key"), "--private-key"
    env_key = None if name is not None else os.environ.get(PRIVATE_KEY_ENV)
    if env_key is not None:  # never empty: main() checks the environment first
        return _parsed(env_key, PRIVATE_KEY_ENV), PRIVATE_KEY_ENV
    from aleph_tui.core.accounts.account_store import EVM_CHAINS, AccountError, AccountStore

    store = AccountStore()
    source = "--account"
    if name is not None:
        # A name that can't sign is a bad argument (exit 2), unlike a keyring that fails.
        try:
            account = store.get(name)
        except AccountError as exc:
            raise UsageError(f"--account: {exc}") from None
        if account.chain not in EVM_CHAINS:
            raise UsageError(
                f"--account: account '{name}' is on {account.chain}; only EVM keys can sign here"
            )
    else:
        with contextlib.suppress(AccountError):  # load_signer says why, below
            default = store.default()
            source = f"the default account '{default.name}'" if default else source
    try:
        return await store.load_signer(name), source
    except AccountError as exc:
        raise CommandError(str(exc)) from None


def _parsed(raw: str, source: str) -> Signer:
    try:
        return Signer(raw.strip())
    except SigningError:
        raise UsageError(
            f"aleph-tui: {source}: not a valid private key (64 hexadecimal digits, 32 bytes, "
            "with or without 0x)"
        ) from None
