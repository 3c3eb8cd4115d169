"""An automining py-evm chain with a configurable chain id, snapshots and a journal hook.

Synchronous and not thread-safe: the embedded engine calls it from one worker thread.

We drive py-evm directly instead of going through eth-tester's ``PyEVMBackend``:
that backend hard-codes ``chain_id = 131277322940537`` on a class it builds inside
``setup_tester_chain`` and never checks a transaction's chain id. Here the chain id
is set with ``MiningChain.configure(chain_id=...)`` (py-evm builds the ``CHAINID``
opcode's context from it) and ``tx_admission`` refuses transactions signed for
another chain. The genesis and mining recipe (post-merge Prague VM, constant gas
limit) mirrors eth-tester's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from eth.abc import (
    BlockAPI,
    BlockHeaderAPI,
    ReceiptAPI,
    StateAPI,
    VirtualMachineAPI,
)
from eth.chains.base import MiningChain
from eth.constants import (
    BLANK_ROOT_HASH,
    GENESIS_PARENT_HASH,
    POST_MERGE_DIFFICULTY,
    POST_MERGE_MIX_HASH,
    POST_MERGE_NONCE,
    ZERO_ADDRESS,
)
from eth.db.atomic import AtomicDB
from eth.exceptions import BlockNotFound, HeaderNotFound
from eth.vm.forks.prague import PragueVM
from eth_typing import Address, BlockNumber, Hash32
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError

from aleph_tui.devnet.chain.block_journal import ChainJournal, JournalEntry
from aleph_tui.devnet.chain.rpc_errors import InvalidParams, TransactionRejected
from aleph_tui.devnet.chain.rpc_params import BlockHashRef, BlockRef
from aleph_tui.devnet.chain.tx_admission import admit_raw_transaction
from aleph_tui.devnet.chain.tx_pool import TxPool

logger = logging.getLogger(__name__)

BLOCK_GAS_LIMIT = 30_000_000  # anvil's default
WEI_PER_ETH = 10**18


class _DevMiningChain(MiningChain):
    """py-evm mining chain whose gas limit stays constant, like eth-tester's."""

    vm_configuration = ((BlockNumber(0), PragueVM),)

    def create_header_from_parent(
        self, parent_header: BlockHeaderAPI, **header_params: Any
    ) -> BlockHeaderAPI:
        header_params["gas_limit"] = parent_header.gas_limit
        return super().create_header_from_parent(parent_header, **header_params)


@dataclass(frozen=True)
class TxLocation:
    block_number: int
    index: int


class DevChain:
    """The chain state and the operations the JSON-RPC methods need.

    Every state change mines exactly one block (automine), so block ``n`` is
    produced by journal entry ``n`` and a journal can replay the chain.
    """

    def __init__(
        self,
        *,
        chain_id: int,
        funded_accounts: Sequence[bytes],
        balance_wei: int,
        genesis_timestamp: int | None = None,
        journal: ChainJournal | None = None,
        clock_offset: int = 0,
    ) -> None:
        self.chain_id = chain_id
        self.accounts = tuple(Address(a) for a in funded_accounts)
        self.journal = journal
        chain_class = _DevMiningChain.configure(__name__="DevnetChain", chain_id=chain_id)
        genesis_params: dict[str, Any] = {
            "coinbase": ZERO_ADDRESS,
            "difficulty": POST_MERGE_DIFFICULTY,
            "extra_data": b"",
            "gas_limit": BLOCK_GAS_LIMIT,
            "mix_hash": POST_MERGE_MIX_HASH,
            "nonce": POST_MERGE_NONCE,
            "receipt_root": BLANK_ROOT_HASH,
            "timestamp": genesis_timestamp if genesis_timestamp is not None else int(time.time()),
            "transaction_root": BLANK_ROOT_HASH,
        }
        genesis_state: dict[Address, Any] = {
            account: {"balance": balance_wei, "nonce": 0, "code": b"", "storage": {}}
            for account in self.accounts
        }
        self.chain = cast(
            MiningChain, chain_class.from_genesis(AtomicDB(), genesis_params, genesis_state)
        )
        self._tx_index: dict[bytes, TxLocation] = {}
        self._snapshots: dict[int, int] = {}  # snapshot id -> block number
        self._next_snapshot_id = 0
        # As anvil's clock: blocks are stamped with the system time plus this offset, which
        # a genesis in the past or evm_setNextBlockTimestamp moves.
        self._clock_offset = clock_offset
        self._next_timestamp: int | None = None
        self._pending_uses_next = False
        # evm_setAutomine: off, sent transactions wait in ``pool`` until ``mine``.
        self.automine = True
        self.pool = TxPool()
        # Bumped after every change of the latest state (a block mined, a revert), so a
        # reader in another thread can tell that what it cached may be stale.
        self.state_version = 0

    # --- blocks -------------------------------------------------------------

    @property
    def head(self) -> BlockHeaderAPI:
        """The latest mined block's header."""
        return self.chain.get_canonical_head()

    @property
    def pending_header(self) -> BlockHeaderAPI:
        return self.chain.header

    def block_number(self, ref: BlockRef) -> int | None:
        """The mined block a reference names, or None when there is no such block.

        ``pending``, ``safe`` and ``finalized`` mean ``latest``: with automine
        nothing ever waits in a pending block.
        """
        head = self.head.block_number
        if isinstance(ref, BlockHashRef):
            block = self.block_by_hash(ref.block_hash)
            return None if block is None else block.number
        if isinstance(ref, int):
            return ref if ref <= head else None
        return 0 if ref == "earliest" else head

    def header_at(self, ref: BlockRef) -> BlockHeaderAPI:
        number = self.block_number(ref)
        if number is None:
            raise InvalidParams(
                f"block not found: {ref!r} (block height is {self.head.block_number})"
            )
        return self.chain.get_canonical_block_header_by_number(BlockNumber(number))

    def block_at(self, number: int) -> BlockAPI:
        return self.chain.get_canonical_block_by_number(BlockNumber(number))

    def block_by_hash(self, block_hash: bytes) -> BlockAPI | None:
        try:
            block = self.chain.get_block_by_hash(Hash32(block_hash))
        except (HeaderNotFound, BlockNotFound):
            return None
        if block.number > self.head.block_number:
            return None
        if self.chain.get_canonical_block_hash(block.number) != block.hash:
            return None  # an orphan left behind by evm_revert
        return block

    def receipts(self, block: BlockAPI) -> tuple[ReceiptAPI, ...]:
        return tuple(block.get_receipts(self.chain.chaindb))

    def find_transaction(self, tx_hash: bytes) -> tuple[BlockAPI, int] | None:
        location = self._tx_index.get(tx_hash)
        if location is None:
            return None
        return self.block_at(location.block_number), location.index

    def headers(self, first: int, last: int) -> Iterator[BlockHeaderAPI]:
        for number in range(first, last + 1):
            yield self.chain.get_canonical_block_header_by_number(BlockNumber(number))

    # --- state --------------------------------------------------------------

    def state_at(self, ref: BlockRef) -> StateAPI:
        return self.chain.get_vm(at_header=self.header_at(ref)).state

    def vm_at(self, ref: BlockRef) -> VirtualMachineAPI:
        return self.chain.get_vm(at_header=self.header_at(ref))

    # --- changes (each mines one block) ---------------------------------------

    def send_raw_transaction(self, raw: bytes, *, timestamp: int | None = None) -> bytes:
        """Validate, include and mine a signed transaction; return its hash. With
        automine off, it waits in the mempool for ``mine`` instead."""
        if not self.automine and timestamp is None:
            vm = self.chain.get_vm()
            tx = admit_raw_transaction(vm, raw, chain_id=self.chain_id, check_nonce=False)
            self.pool.add(tx, raw, vm.state.get_nonce(tx.sender))
            return bytes(tx.hash)
        return self._include(raw, timestamp)

    def _include(self, raw: bytes, timestamp: int | None) -> bytes:
        self._prepare_pending_block(timestamp)
        vm = self.chain.get_vm()
        tx = admit_raw_transaction(vm, raw, chain_id=self.chain_id)
        try:
            self.chain.apply_transaction(tx)
        except ValidationError as exc:  # py-evm's own checks, after ours
            raise TransactionRejected(str(exc)) from exc
        self._mine("tx", raw)
        return bytes(tx.hash)

    def set_balance(
        self, account: bytes, balance_wei: int, *, timestamp: int | None = None
    ) -> None:
        """Set an account's balance (anvil_setBalance); mines a block to make it visible."""
        self._prepare_pending_block(timestamp)
        state = self.chain.get_vm().state
        state.set_balance(Address(account), balance_wei)
        state.persist()
        self.chain.header = self.chain.header.copy(state_root=state.state_root)
        self._mine("set_balance", account + balance_wei.to_bytes(32, "big"))

    def set_storage(
        self, account: bytes, slot: int, value: int, *, timestamp: int | None = None
    ) -> None:
        """Set one storage slot (anvil_setStorageAt); mines a block to make it visible."""
        self._prepare_pending_block(timestamp)
        state = self.chain.get_vm().state
        state.set_storage(Address(account), slot, value)
        state.persist()
        self.chain.header = self.chain.header.copy(state_root=state.state_root)
        payload = account + slot.to_bytes(32, "big") + value.to_bytes(32, "big")
        self._mine("set_storage", payload)

    def mine(self, *, timestamp: int | None = None) -> None:
        """Mine one empty block (evm_mine); or, when transactions wait in the mempool,
        those, one block each (the journal replays one change per block), dropping any
        that became invalid meanwhile."""
        waiting = self.pool.take_all()
        for pooled in waiting:
            try:
                self._include(pooled.raw, timestamp)
            except (TransactionRejected, InvalidParams) as exc:
                logger.info("dropped a waiting transaction: %s", exc)
            timestamp = None  # the next blocks follow the clock
        if not waiting:
            self._prepare_pending_block(timestamp)
            self._mine("mine", b"")

    def pending_nonce(self, account: bytes) -> int:
        """The next nonce of ``account``, counting its transactions in the mempool."""
        return int(self.chain.get_vm().state.get_nonce(Address(account))) + self.pool.count(account)

    def set_next_block_timestamp(self, timestamp: int) -> None:
        """evm_setNextBlockTimestamp, as anvil does it: the next block gets ``timestamp`` and
        the clock carries on from there (later blocks keep the same distance to the system
        clock). It must be after the latest block."""
        parent_timestamp = self.head.timestamp
        if timestamp <= parent_timestamp:
            raise InvalidParams(
                f"timestamp {timestamp} is not after the latest block's {parent_timestamp}"
            )
        self._next_timestamp = timestamp

    def _prepare_pending_block(self, timestamp: int | None) -> None:
        parent_timestamp = self.head.timestamp
        self._pending_uses_next = False
        if timestamp is None and self._next_timestamp is not None:
            timestamp = max(self._next_timestamp, parent_timestamp + 1)
            self._pending_uses_next = True
        elif timestamp is None:
            timestamp = max(int(time.time()) + self._clock_offset, parent_timestamp + 1)
        elif timestamp <= parent_timestamp:
            raise InvalidParams(
                f"timestamp {timestamp} is not after the latest block's {parent_timestamp}"
            )
        self.chain.set_header_timestamp(timestamp)

    def _mine(self, kind: str, payload: bytes) -> None:
        pending = self.chain.get_block()
        # A deterministic prevrandao keeps block hashes identical when a journal replays.
        block = self.chain.mine_block(mix_hash=keccak(pending.header.parent_hash), blob_gas_used=0)
        if self._pending_uses_next:
            # Only a block actually mined uses up evm_setNextBlockTimestamp (not a refused tx).
            self._clock_offset = block.header.timestamp - int(time.time())
            self._next_timestamp = None
            self._pending_uses_next = False
        for index, tx in enumerate(block.transactions):
            self._tx_index[bytes(tx.hash)] = TxLocation(block.number, index)
        if self.journal is not None:
            self.journal.append(JournalEntry(block.number, kind, block.header.timestamp, payload))
        self.state_version += 1

    # --- snapshots ----------------------------------------------------------

    def snapshot(self) -> int:
        snapshot_id = self._next_snapshot_id
        self._next_snapshot_id += 1
        self._snapshots[snapshot_id] = self.head.block_number
        return snapshot_id

    def revert(self, snapshot_id: int) -> bool:
        """Go back to a snapshot; it and every later snapshot are used up (as in anvil)."""
        number = self._snapshots.get(snapshot_id)
        if number is None:
            return False
        self._snapshots = {k: v for k, v in self._snapshots.items() if k < snapshot_id}
        header = self.chain.get_canonical_block_header_by_number(BlockNumber(number))
        chaindb = self.chain.chaindb
        # py-evm has no public "rewind"; this is what eth-tester's revert does, minus
        # re-importing the block (blocks made by set_balance would not re-execute).
        chaindb._set_as_canonical_chain_head(  # type: ignore[attr-defined]
            chaindb.db, header, GENESIS_PARENT_HASH
        )
        self.chain.header = self.chain.create_header_from_parent(header)
        self._tx_index = {h: loc for h, loc in self._tx_index.items() if loc.block_number <= number}
        if self.journal is not None:
            self.journal.truncate_after(number)
        self.state_version += 1
        return True

    # --- persistence ----------------------------------------------------------

    def replay(self, entries: Sequence[JournalEntry]) -> None:
        """Re-mine journalled blocks, with their recorded timestamps."""
        journal, self.journal = self.journal, None  # don't journal the replay itself
        try:
            for entry in entries:
                self._replay_one(entry)
        finally:
            self.journal = journal

    def _replay_one(self, entry: JournalEntry) -> None:
        expected = self.head.block_number + 1
        if entry.block_number != expected:
            raise ValueError(f"journal entry for block {entry.block_number}, expected {expected}")
        if entry.kind == "tx":
            self.send_raw_transaction(entry.payload, timestamp=entry.timestamp)
        elif entry.kind == "set_balance":
            account, balance = entry.payload[:20], int.from_bytes(entry.payload[20:], "big")
            self.set_balance(account, balance, timestamp=entry.timestamp)
        elif entry.kind == "set_storage":
            account, slot, value = entry.payload[:20], entry.payload[20:52], entry.payload[52:]
            self.set_storage(
                account,
                int.from_bytes(slot, "big"),
                int.from_bytes(value, "big"),
                timestamp=entry.timestamp,
            )
        elif entry.kind == "mine":
            self.mine(timestamp=entry.timestamp)
        else:
            raise ValueError(f"unknown journal entry kind {entry.kind!r}")
