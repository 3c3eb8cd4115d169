"""Choosing the signing key of a command: --account, --private-key or ALEPH_PRIVATE_KEY."""

from __future__ import annotations

import argparse
import os

from aleph_tui.cli.common import CommandError, UsageError
from aleph_tui.core.signer import Signer, SigningError

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
    name = getattr(args, "account", None)
    flag_key = getattr(args, "private_key", None)
    if flag_key and name is not None:
        raise UsageError("--account: give either --account or --private-key, not both")
    raw = flag_key or (None if name is not None else os.environ.get(PRIVATE_KEY_ENV))
    if raw:
        try:
            return Signer(raw.strip())
        except SigningError:
            raise UsageError("--private-key: not a valid 32-byte hex private key") from None
    from aleph_tui.core.accounts import EVM_CHAINS, AccountError, AccountStore

    store = AccountStore()
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
    try:
        return await store.load_signer(name)
    except AccountError as exc:
        raise CommandError(str(exc)) from None
