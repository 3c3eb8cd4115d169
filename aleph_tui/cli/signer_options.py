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
    """The key from --private-key, $ALEPH_PRIVATE_KEY, --account, or the default account."""
    raw = getattr(args, "private_key", None) or os.environ.get(PRIVATE_KEY_ENV)
    if raw:
        try:
            return Signer(raw.strip())
        except SigningError:
            raise UsageError("--private-key: not a valid 32-byte hex private key") from None
    from aleph_tui.core.accounts import AccountError, AccountStore

    store = AccountStore()
    try:
        return await store.load_signer(getattr(args, "account", None))
    except AccountError as exc:
        raise CommandError(str(exc)) from None
