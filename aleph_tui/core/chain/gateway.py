"""The chain gateway: balances, fees and the transaction cycle over the one JSON-RPC
client (core/chain/json_rpc.py).

The cycle is build → simulate → sign locally → send → wait for the receipt
(wallet-chain.md §1.3). Two checks run right before anything is signed:

- the node's ``eth_chainId`` must be the network's chain id (when the network knows
  it) and the one the transaction was built for;
- a well-known public dev key is refused on a mainnet chain id (§6).

A dry run signs but never sends: only the hash leaves this module, never the raw bytes,
which would be a broadcastable transaction until the nonce is used.

Every request, reads and ``eth_sendRawTransaction`` alike, goes through that client
(httpx); eth-account only signs (core/accounts/signer.py), with no provider of its own.
Every failure surfaces as ``ChainError`` with a plain-English message (insufficient
funds, nonce conflict, revert reason, timeout, unreachable RPC).

Reads are retried as core/retry.py says (5xx, timeouts, dropped connections, malformed
JSON). ``send`` never blindly resends: when the node's answer is lost it asks for the
transaction by hash and sends the very same raw bytes again only if the node does not
know it, so one signed transaction is submitted once. A nonce conflict (the nonce was
used meanwhile, e.g. by another wallet on the same account) is not rebuilt
automatically: the conflicting transaction may be this very payment sent by another
process, and the user confirmed a specific nonce; quoting again takes a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aleph_tui.core import retry, validation
from aleph_tui.core.accounts.signer import SignedTransaction, Signer, SigningError
from aleph_tui.core.chain import abi
from aleph_tui.core.chain.json_rpc import (
    JsonRpcClient,
    RpcFailure,
    RpcHttpStatus,
    RpcRefused,
    RpcUnavailable,
)
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.networks import Network

RECEIPT_POLL_S = 0.2
GAS_MARGIN = Decimal("1.2")
# The estimate prices the state at quote time. A storage slot that is non-zero then
# and zero when the transaction runs (the processor's token balance, swept by its
# processing runs) costs 17 100 more gas, beyond 20 % of a 51 000-gas transfer; so the
# limit is also at least the estimate plus one fresh slot. Only gas used is paid.
MIN_GAS_HEADROOM = 20_000
ETH_DECIMALS = 18
# Used when a token's decimals() cannot be read (aleph-api.md §4.1).
KNOWN_DECIMALS = {"ALEPH": 18, "USDC": 6, "ETH": 18}


class ChainError(ServiceError):
    """A chain operation failed; the message is meant for the user as it is."""


class NotSent(ChainError):
    """The node refused the transaction or was never reached: nothing was sent."""


class SendOutcomeUnknown(ChainError):
    """The transaction may have reached the node; only its hash can tell, later."""


class ReceiptTimeout(ChainError):
    """The transaction was sent, but no receipt came before the deadline."""


@dataclass(frozen=True)
class WalletBalances:
    """On-chain holdings in human units; a token is None when the network has no
    address for it."""

    address: str
    eth: Decimal
    aleph: Decimal | None
    usdc: Decimal | None


@dataclass(frozen=True)
class Fees:
    """EIP-1559 fees in wei: ``max_fee = 2 × base fee + tip``, as web3 computes it."""

    base_fee: int
    max_priority_fee: int
    max_fee: int


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    status: int
    block_number: int
    gas_used: int

    @property
    def succeeded(self) -> bool:
        return self.status == 1


@dataclass(frozen=True)
class TxPlan:
    """An unsigned, simulated EIP-1559 transaction with every field explicit."""

    chain_id: int
    sender: str
    to: str
    value: int
    data: str  # 0x-prefixed calldata
    nonce: int
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    @property
    def max_network_fee(self) -> int:
        """The most the network fee can cost, in wei."""
        return self.gas * self.max_fee_per_gas

    @property
    def max_network_fee_eth(self) -> Decimal:
        return Decimal(self.max_network_fee).scaleb(-ETH_DECIMALS)

    def as_transaction(self) -> dict[str, Any]:
        return {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": self.nonce,
            "to": self.to,
            "value": self.value,
            "data": self.data,
            "gas": self.gas,
            "maxFeePerGas": self.max_fee_per_gas,
            "maxPriorityFeePerGas": self.max_priority_fee_per_gas,
        }

    def as_call(self) -> dict[str, Any]:
        return {"from": self.sender, "to": self.to, "value": self.value, "data": self.data}


def gas_limit(estimate: int) -> int:
    """The gas limit for an estimate: × 1.2, and at least ``MIN_GAS_HEADROOM`` more."""
    return max(
        int((Decimal(estimate) * GAS_MARGIN).to_integral_value()), estimate + MIN_GAS_HEADROOM
    )


def _checksum(address: str) -> str:
    if not validation.HEX_ADDRESS.match(address):
        raise ValueError(f"not a 0x-prefixed 40-hex address: {address!r}")
    return validation.checksum_address(address)


def _hex_hash(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


def _strip_revert(message: str) -> str:
    for prefix in ("execution reverted: ", "execution reverted"):
        if message.startswith(prefix):
            message = message[len(prefix) :]
            break
    return message.strip() or "no reason given"


def refusal(message: str) -> ChainError:
    """The node's JSON-RPC error ``message`` in plain words."""
    lowered = message.lower()
    if lowered.startswith("execution reverted"):
        return ChainError(f"the transaction would revert: {_strip_revert(message)}")
    if "insufficient funds" in lowered:
        return ChainError(
            "insufficient funds: the account's ETH cannot cover the amount plus the "
            f"network fee (node: {message})"
        )
    if "nonce too low" in lowered or "nonce has already been used" in lowered:
        return ChainError(
            "nonce conflict (nonce too low): another transaction from this account used "
            "the nonce meanwhile (another wallet or program on the same account?); "
            "quote again to build it with a fresh nonce"
        )
    if "underpriced" in lowered:
        return ChainError(
            "a pending transaction with the same nonce pays a higher fee; wait for it"
        )
    if "invalid chain id" in lowered:
        return ChainError("the node refused the transaction's chain id")
    return ChainError(f"the node refused the request: {message}")


def explain(exc: RpcFailure) -> ChainError:
    """A failure of the JSON-RPC client as one plain-English ``ChainError``."""
    if isinstance(exc, RpcRefused):
        message = exc.node_message
        reason = abi.revert_reason(exc.data)
        if reason is not None and _strip_revert(message) == "no reason given":
            message = f"execution reverted: {reason}"  # the reason only in the data
        return refusal(message)
    return ChainError(str(exc))


class ChainGateway:
    """One network's chain access. Create it cheaply; it connects on first use."""

    def __init__(self, network: Network, *, rpc_timeout: float | None = None) -> None:
        if not network.rpc_url:
            raise ChainError(f"network {network.name} has no RPC URL; set one with --rpc-url")
        self.network = network
        self.rpc_url: str = network.rpc_url
        self._rpc = JsonRpcClient(self.rpc_url, timeout=rpc_timeout)
        self._decimals: dict[str, int] = {}

    # --- plumbing ---------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._rpc.aclose()

    @contextlib.asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        try:
            yield
        except RpcFailure as exc:
            raise explain(exc) from None

    async def _read(self, method: str, *params: Any) -> Any:
        """A JSON-RPC read (retried by the client on faults that may pass); the node's
        own answers (a revert, a refusal) come back at once, as ``ChainError``."""
        async with self._errors():
            return await self._rpc.call(method, *params)

    # --- reads ------------------------------------------------------------------------

    async def chain_id(self) -> int:
        """The node's ``eth_chainId``, read afresh every time."""
        return _quantity(await self._read("eth_chainId"))

    async def nonce(self, address: str, block: str = "pending") -> int:
        return _quantity(await self._read("eth_getTransactionCount", _checksum(address), block))

    async def fees(self) -> Fees:
        block, tip = await asyncio.gather(
            self._read("eth_getBlockByNumber", "latest", False),
            self._read("eth_maxPriorityFeePerGas"),
        )
        if not isinstance(block, dict):
            raise ChainError(f"the RPC node at {self.rpc_url} has no latest block")
        base = _quantity(block.get("baseFeePerGas") or "0x0")
        return Fees(base, _quantity(tip), 2 * base + _quantity(tip))

    async def eth_balance(self, address: str) -> int:
        return _quantity(await self._read("eth_getBalance", _checksum(address), "latest"))

    async def _call(self, to: str, data: str) -> bytes:
        result = await self._read("eth_call", {"to": _checksum(to), "data": data}, "latest")
        try:
            return bytes.fromhex(str(result).removeprefix("0x"))
        except ValueError:
            raise ChainError(f"unexpected answer to eth_call from {self.rpc_url}") from None

    async def token_balance(self, token: str, address: str) -> int:
        units = abi.uint_answer(await self._call(token, abi.balance_of_call(address)))
        if units is None:
            raise ChainError(f"no ERC-20 token at {token}")
        return units

    async def token_decimals(self, token: str, *, symbol: str | None = None) -> int:
        """``decimals()`` read once per token; the known value if the read fails."""
        key = token.lower()
        if key not in self._decimals:
            try:
                decimals = abi.uint_answer(await self._call(token, abi.DECIMALS_CALL))
                if decimals is None:
                    raise ChainError(f"no ERC-20 token at {token}")
                self._decimals[key] = decimals
            except ChainError:
                if symbol is None or symbol.upper() not in KNOWN_DECIMALS:
                    raise
                self._decimals[key] = KNOWN_DECIMALS[symbol.upper()]
        return self._decimals[key]

    async def wallet_balances(self, address: str) -> WalletBalances:
        async def token(contract: str | None, symbol: str) -> Decimal | None:
            if contract is None:
                return None
            units, decimals = await asyncio.gather(
                self.token_balance(contract, address),
                self.token_decimals(contract, symbol=symbol),
            )
            return Decimal(units).scaleb(-decimals)

        wei, aleph, usdc = await asyncio.gather(
            self.eth_balance(address),
            token(self.network.aleph_token, "ALEPH"),
            token(self.network.usdc_token, "USDC"),
        )
        return WalletBalances(_checksum(address), Decimal(wei).scaleb(-ETH_DECIMALS), aleph, usdc)

    async def block_number(self) -> int:
        return _quantity(await self._read("eth_blockNumber"))

    async def logs(
        self, address: str, topics: Sequence[str | None], first: int, last: int
    ) -> list[dict[str, Any]]:
        """``eth_getLogs`` of one contract over blocks ``first`` to ``last``."""
        found = await self._read(
            "eth_getLogs",
            {"address": _checksum(address), "topics": list(topics), "fromBlock": hex(first),
             "toBlock": hex(last)},
        )  # fmt: skip
        return [log for log in found or () if isinstance(log, dict)]

    async def _transaction(self, tx_hash: str) -> dict[str, Any] | None:
        found = await self._read("eth_getTransactionByHash", tx_hash)
        return found if isinstance(found, dict) else None

    async def is_known(self, tx_hash: str) -> bool:
        """Whether the node has this transaction (pending or mined)."""
        return await self._transaction(tx_hash) is not None

    async def receipt(self, tx_hash: str) -> Receipt | None:
        data = await self._read("eth_getTransactionReceipt", tx_hash)
        return _receipt(data) if isinstance(data, dict) else None

    # --- the transaction cycle --------------------------------------------------------

    async def build(
        self, sender: str, to: str, *, value: int = 0, data: str = "0x", simulate: bool = True
    ) -> TxPlan:
        """A type-2 transaction: explicit chain id, pending nonce, gas estimate × 1.2
        (see ``gas_limit``), and ``maxFee = 2 × base fee + tip``. Simulated with
        ``eth_call`` first, so a revert is reported here with its reason instead of
        costing a fee."""
        sender, to = _checksum(sender), _checksum(to)
        call = {"from": sender, "to": to, "value": value, "data": data}
        if simulate:
            await self.simulate(call)
        estimate = _quantity(await self._read("eth_estimateGas", _call_params(call)))
        chain_id, nonce, fees = await asyncio.gather(
            self.chain_id(), self.nonce(sender), self.fees()
        )
        return TxPlan(
            chain_id=chain_id,
            sender=sender,
            to=to,
            value=value,
            data=data,
            nonce=nonce,
            gas=gas_limit(estimate),
            max_fee_per_gas=fees.max_fee,
            max_priority_fee_per_gas=fees.max_priority_fee,
        )

    async def build_token_transfer(self, sender: str, token: str, to: str, units: int) -> TxPlan:
        return await self.build(sender, token, data=abi.transfer_call(_checksum(to), units))

    async def simulate(self, call: dict[str, Any] | TxPlan) -> None:
        """``eth_call`` the transaction; a revert raises ChainError with its reason."""
        params = call.as_call() if isinstance(call, TxPlan) else call
        await self._read("eth_call", _call_params(params), "latest")

    async def check_before_signing(self, plan: TxPlan, signer: Signer) -> None:
        """The chain-id rules; raises ChainError, signs nothing. (The dev-key rule is
        Signer's, applied by ``sign`` once the signer is bound to this network.)"""
        if signer.address.lower() != plan.sender.lower():
            raise ChainError(
                f"the transaction is from {plan.sender} but the key is {signer.address}"
            )
        actual = await self.chain_id()
        expected = self.network.chain_id
        if expected is not None and actual != expected:
            raise ChainError(
                f"the RPC node at {self.rpc_url} is on chain id {actual}, but network "
                f"{self.network.name} is chain id {expected}; refusing to sign"
            )
        if plan.chain_id != actual:
            raise ChainError(
                f"the transaction was built for chain id {plan.chain_id} but the node is on "
                f"{actual}; quote again"
            )

    async def sign(self, plan: TxPlan, signer: Signer) -> SignedTransaction:
        await self.check_before_signing(plan, signer)
        try:  # bound to this gateway's network: Signer's dev-key rule decides
            return signer.for_network(self.network).sign_transaction(plan.as_transaction())
        except SigningError as exc:
            raise ChainError(str(exc)) from None

    async def dry_run(self, plan: TxPlan, signer: Signer) -> str:
        """Sign without sending; only the hash is returned."""
        return (await self.sign(plan, signer)).tx_hash

    async def send(self, signed: SignedTransaction) -> str:
        """``eth_sendRawTransaction`` of exactly these bytes, submitted once.

        When the answer is lost (5xx, timeout, dropped connection, malformed JSON) the
        node is asked for the transaction by hash, and the same bytes go again only if it
        does not know them (at most once more). Raises ``NotSent`` when the node refused
        them or was never reached, ``SendOutcomeUnknown`` when nobody can tell yet."""
        tx_hash = signed.tx_hash
        raw = "0x" + signed.raw.hex()
        problem = ""
        for _ in range(2):
            try:
                return _hex_hash(await self._rpc.send("eth_sendRawTransaction", raw))
            except (RpcRefused, RpcHttpStatus, RpcUnavailable) as exc:
                if not isinstance(exc, RpcUnavailable) or exc.never_connected:
                    if problem and await self._known_quietly(tx_hash):
                        return tx_hash  # the first try did arrive after all
                    raise NotSent(f"{explain(exc)}; nothing was sent") from None
                problem = str(exc)
            try:
                if await self.is_known(tx_hash):
                    return tx_hash
            except ChainError:
                break
        raise SendOutcomeUnknown(
            f"{problem}; transaction {tx_hash} may or may not have been sent: it stays in "
            "the journal and is checked again (`aleph-tui pending`, or the next start)"
        )

    async def _known_quietly(self, tx_hash: str) -> bool:
        try:
            return await self.is_known(tx_hash)
        except ChainError:
            return False

    async def wait_for_receipt(self, tx_hash: str, *, within: float | None = None) -> Receipt:
        """The receipt, polled until ``within`` seconds (``ALEPH_TUI_RECEIPT_TIMEOUT``)
        have passed; then ``ReceiptTimeout``. An RPC fault meanwhile only delays it."""
        within = retry.receipt_timeout() if within is None else within
        deadline = time.monotonic() + within
        problem = "no receipt yet"
        while True:
            try:
                found = await self.receipt(tx_hash)
            except ChainError as exc:
                found, problem = None, str(exc)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise ReceiptTimeout(
                    f"no receipt for transaction {tx_hash} within {within:g} s ({problem})"
                )
            await asyncio.sleep(min(RECEIPT_POLL_S, max(0.0, deadline - time.monotonic())))

    async def failure_reason(self, tx_hash: str, receipt: Receipt) -> str:
        """Why a mined transaction failed: out of gas, or the revert reason replayed
        with ``eth_call`` on the state before its block."""
        try:
            tx = await self._transaction(tx_hash)
            if tx is None:
                raise ChainError("the node does not know this transaction")
        except ChainError as exc:
            return f"no reason known (cannot replay it: {exc})"
        gas = _quantity(tx.get("gas") or "0x0")
        if gas and receipt.gas_used >= gas:
            return f"ran out of gas (all {gas} gas used)"
        call = {
            "from": tx["from"],
            "to": tx.get("to"),
            "value": tx.get("value") or "0x0",
            "data": tx.get("input") or "0x",
        }
        if gas:
            call["gas"] = hex(gas)
        try:
            await self._read("eth_call", call, hex(max(receipt.block_number - 1, 0)))
        except ChainError as exc:
            return str(exc).replace("the transaction would revert: ", "")
        return "no reason given"


def _call_params(call: dict[str, Any]) -> dict[str, Any]:
    """A call object as JSON-RPC takes it: quantities in hex, no empty fields."""
    return {
        key: hex(value) if isinstance(value, int) else value
        for key, value in call.items()
        if value is not None
    }


def _quantity(value: Any) -> int:
    """A JSON-RPC quantity ("0x1a") as an int."""
    try:
        return int(str(value), 16)
    except ValueError:
        raise ChainError(f"unexpected JSON-RPC quantity: {str(value)[:40]!r}") from None


def _receipt(data: Any) -> Receipt:
    return Receipt(
        tx_hash=_hex_hash(data["transactionHash"]),
        status=_quantity(data["status"]),
        block_number=_quantity(data["blockNumber"]),
        gas_used=_quantity(data["gasUsed"]),
    )
