"""The devnet's own operator keys: contract admin, credit signer, history account.

They are derived from public labels, so they are as public as the dev mnemonic and
must never hold value anywhere but the devnet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from eth_hash.auto import keccak


@dataclass(frozen=True)
class OperatorKey:
    label: str
    private_key: str

    @property
    def address(self) -> str:
        return _address_of(self.private_key)


@cache
def _address_of(private_key: str) -> str:
    from eth_account import Account

    return str(Account.from_key(private_key).address)


def _derive(label: str) -> OperatorKey:
    return OperatorKey(label, "0x" + keccak(f"aleph-tui devnet {label}".encode()).hex())


ADMIN = _derive("admin")  # deploys the contracts and runs processing runs
CREDIT_SIGNER = _derive("credit signer")  # posts distributions for the credit owner
DISTRIBUTION = _derive("distribution pool")
DEVELOPERS = _derive("developers pool")
HISTORY_ACCOUNT = _derive("history account")  # holds --history N entries
# They pay for the devnet's token-flow history (flow_seed). Not dev accounts: the tests
# expect those to start without purchases.
FLOW_BUYERS = tuple(_derive(f"flow buyer {n}") for n in (1, 2, 3))
