"""eth_call and eth_estimateGas on py-evm, with anvil-style revert errors.

Both run in py-evm's "costless" state (base fee 0, gas price 0), as geth does for
calls that name no fee: an account without ETH can still call and estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from eth.abc import ComputationAPI, SignedTransactionAPI, StateAPI, VirtualMachineAPI
from eth.constants import ZERO_ADDRESS
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth_typing import Address
from eth_utils.exceptions import ValidationError

from aleph_tui.devnet.chain.rpc_errors import (
    SERVER_ERROR,
    RpcError,
    TransactionRejected,
    execution_reverted,
)
from aleph_tui.devnet.chain.rpc_params import CallRequest

TxFactory = Callable[[int], SignedTransactionAPI]


def _tx_factory(vm: VirtualMachineAPI, state: StateAPI, request: CallRequest) -> TxFactory:
    sender = Address(request.sender or ZERO_ADDRESS)
    nonce = state.get_nonce(sender)

    def make(gas: int) -> SignedTransactionAPI:
        unsigned = vm.create_unsigned_transaction(
            nonce=nonce,
            gas_price=0,
            gas=gas,
            to=Address(request.to or b""),
            value=request.value,
            data=request.data,
        )
        return cast(SignedTransactionAPI, SpoofTransaction(unsigned, from_=sender))

    return make


def _apply(state: StateAPI, tx: SignedTransactionAPI) -> ComputationAPI:
    """Run ``tx`` on ``state`` and undo its effects."""
    snapshot = state.snapshot()
    try:
        return state.apply_transaction(tx)
    except ValidationError as exc:
        if "balance" in str(exc) or "afford" in str(exc):
            raise TransactionRejected("Insufficient funds for gas * price + value") from exc
        raise RpcError(SERVER_ERROR, str(exc)) from exc
    finally:
        state.revert(snapshot)


def _failure(computation: ComputationAPI) -> RpcError:
    error = computation.error
    if isinstance(error, Revert):
        return execution_reverted(bytes(computation.output))
    detail = str(error) or type(error).__name__
    return RpcError(SERVER_ERROR, f"execution failed: {detail}")


def call(vm: VirtualMachineAPI, request: CallRequest, gas_cap: int) -> bytes:
    with vm.in_costless_state() as state:
        make = _tx_factory(vm, state, request)
        computation = _apply(state, make(min(request.gas or gas_cap, gas_cap)))
    if computation.is_error:
        raise _failure(computation)
    return bytes(computation.output)


def estimate_gas(vm: VirtualMachineAPI, request: CallRequest, gas_cap: int) -> int:
    """The least gas with which the transaction succeeds, like anvil's estimate.

    The gas used when running at the cap (before refunds) is tried first: it is enough
    unless the code depends on ``gasleft()`` (the 63/64 rule), and then a binary
    search between it and the cap finds the minimum.
    """
    cap = min(request.gas or gas_cap, gas_cap)
    with vm.in_costless_state() as state:
        make = _tx_factory(vm, state, request)
        at_cap = _apply(state, make(cap))
        if at_cap.is_error:
            if isinstance(at_cap.error, Revert):
                raise _failure(at_cap)
            raise RpcError(SERVER_ERROR, f"gas required exceeds allowance ({cap})")
        intrinsic = make(cap).intrinsic_gas
        used = intrinsic + at_cap.get_gas_used()

        def succeeds(gas: int) -> bool:
            try:
                return _apply(state, make(gas)).is_success
            except RpcError:
                return False

        if succeeds(used):
            return used
        low, high = used, cap
        while high - low > 1:
            middle = (low + high) // 2
            if succeeds(middle):
                high = middle
            else:
                low = middle
        return high
