"""Checks on a raw transaction before it is mined, with anvil's error messages."""

from __future__ import annotations

from eth.abc import SignedTransactionAPI, VirtualMachineAPI

from aleph_tui.devnet.chain.rpc_errors import InvalidParams, TransactionRejected

BLOB_TX_TYPE = 3


def _type_id(tx: SignedTransactionAPI) -> int:
    return getattr(tx, "type_id", None) or 0


def admit_raw_transaction(
    vm: VirtualMachineAPI, raw: bytes, *, chain_id: int, check_nonce: bool = True
) -> SignedTransactionAPI:
    """Decode ``raw`` and check it against the pending block of ``vm``.

    Unprotected legacy transactions (no chain id) are accepted, as anvil does. A
    nonce ahead of the account's is refused: there is no queue, every accepted
    transaction is mined at once (without ``check_nonce``, the mempool checks the
    nonce: devnet/chain/tx_pool.py).
    """
    try:
        tx = vm.get_transaction_builder().decode(raw)
    except Exception as exc:
        raise InvalidParams("Failed to decode transaction") from exc
    if _type_id(tx) == BLOB_TX_TYPE:
        raise TransactionRejected("blob transactions are not supported by the embedded chain")
    if tx.chain_id is not None and tx.chain_id != chain_id:
        raise TransactionRejected("invalid chain id for signer")
    try:
        tx.check_signature_validity()
        sender = tx.sender
    except Exception as exc:
        raise TransactionRejected("invalid transaction signature") from exc

    header = vm.get_header()
    if tx.gas > header.gas_limit:
        raise TransactionRejected("exceeds block gas limit")
    if tx.gas < tx.intrinsic_gas:
        raise TransactionRejected("intrinsic gas too low")
    if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
        raise TransactionRejected("max priority fee per gas higher than max fee per gas")
    base_fee = header.base_fee_per_gas or 0
    if tx.max_fee_per_gas < base_fee:
        raise TransactionRejected("max fee per gas less than block base fee")

    state = vm.state
    nonce = state.get_nonce(sender)
    if check_nonce and tx.nonce < nonce:
        raise TransactionRejected("nonce too low")
    if check_nonce and tx.nonce > nonce:
        raise TransactionRejected(f"nonce too high: next nonce is {nonce}, tx has {tx.nonce}")
    if state.get_balance(sender) < tx.gas * tx.max_fee_per_gas + tx.value:
        raise TransactionRejected("Insufficient funds for gas * price + value")
    try:
        tx.validate()
    except Exception as exc:
        raise TransactionRejected(str(exc)) from exc
    return tx
