"""The embedded chain's mempool, used only while automine is off (``evm_setAutomine
false``, anvil's control of the same name): a test holds a transaction there, unmined,
to make a payment "stuck", then lets it go with ``evm_mine``.

Transactions wait per (sender, nonce). One with the nonce of a waiting transaction
replaces it only if it raises BOTH ``maxFeePerGas`` and ``maxPriorityFeePerGas`` by at
least 10 % (geth's price bump, what a wallet must meet on a real network; anvil asks for
less); otherwise it is refused "replacement transaction underpriced". A replaced
transaction is gone: the node no longer knows its hash. Nonces must follow each other
(state nonce, then the waiting ones), as without a pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth.abc import SignedTransactionAPI

from aleph_tui.devnet.chain.rpc_errors import TransactionRejected

PRICE_BUMP_PERCENT = 10


@dataclass(frozen=True)
class Pooled:
    tx: SignedTransactionAPI
    raw: bytes


def _bumped(new: int, old: int) -> bool:
    return new * 100 >= old * (100 + PRICE_BUMP_PERCENT)


class TxPool:
    def __init__(self) -> None:
        self._waiting: dict[tuple[bytes, int], Pooled] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def count(self, sender: bytes) -> int:
        """How many transactions of ``sender`` wait (their nonces follow the state's)."""
        return sum(1 for who, _ in self._waiting if who == sender)

    def add(self, tx: SignedTransactionAPI, raw: bytes, state_nonce: int) -> None:
        """Keep ``tx`` until the next mining, or refuse it with the node's words."""
        sender = bytes(tx.sender)
        if tx.nonce < state_nonce:
            raise TransactionRejected("nonce too low")
        key = (sender, tx.nonce)
        waiting = self._waiting.get(key)
        if waiting is not None:
            old = waiting.tx
            if not (
                _bumped(tx.max_fee_per_gas, old.max_fee_per_gas)
                and _bumped(tx.max_priority_fee_per_gas, old.max_priority_fee_per_gas)
            ):
                raise TransactionRejected("replacement transaction underpriced")
        else:
            next_nonce = state_nonce + self.count(sender)
            if tx.nonce != next_nonce:
                raise TransactionRejected(
                    f"nonce too high: next nonce is {next_nonce}, tx has {tx.nonce}"
                )
        self._waiting[key] = Pooled(tx, raw)

    def find(self, tx_hash: bytes) -> SignedTransactionAPI | None:
        return next((p.tx for p in self._waiting.values() if bytes(p.tx.hash) == tx_hash), None)

    def take_all(self) -> list[Pooled]:
        """Every waiting transaction, by sender then nonce; the pool is left empty."""
        taken = [self._waiting[key] for key in sorted(self._waiting)]
        self._waiting.clear()
        return taken
