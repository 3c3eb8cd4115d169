"""The chain gateway: balances, fees and the transaction cycle over one ``AsyncWeb3``.

The cycle is build → simulate → sign locally → send → wait for the receipt
(wallet-chain.md §1.3). Two checks run right before anything is signed:

- the node's ``eth_chainId`` must be the network's chain id (when the network knows
  it) and the one the transaction was built for;
- a well-known public dev key is refused on a mainnet chain id (§6).

A dry run signs but never sends: only the hash leaves this module, never the raw bytes,
which would be a broadcastable transaction until the nonce is used.

web3 and aiohttp are heavy, so they are imported only to build, simulate, sign and send
a transaction: the reads a dashboard needs at start (the chain id, ETH and ERC-20
balances, ``decimals()``) are plain JSON-RPC calls over one httpx client. Importing web3
takes ~1 s of CPU, which starved the TUI's event loop even from a thread. Every failure
surfaces as ``ChainError`` with a plain-English message (insufficient funds, nonce
conflict, revert reason, timeout, unreachable RPC).

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
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aleph_tui.core import retry, validation
from aleph_tui.core.accounts.signer import SignedTransaction, Signer, SigningError
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.networks import Network

if TYPE_CHECKING:
    import httpx
    from web3 import AsyncHTTPProvider, AsyncWeb3

T = TypeVar("T")

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

TRANSFER_SELECTOR = "a9059cbb"  # transfer(address,uint256)
BALANCE_OF_SELECTOR = "70a08231"  # balanceOf(address)
DECIMALS_SELECTOR = "313ce567"  # decimals()


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


def erc20_transfer_data(to: str, units: int) -> str:
    return "0x" + TRANSFER_SELECTOR + _word_address(to) + units.to_bytes(32, "big").hex()


def _word_address(address: str) -> str:
    return address[2:].lower().rjust(64, "0")


def _checksum(address: str) -> str:
    if not validation.HEX_ADDRESS.match(address):
        raise ValueError(f"not a 0x-prefixed 40-hex address: {address!r}")
    return validation.checksum_address(address)


def _hex_hash(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


def _rpc_message(exc: Exception) -> str:
    """The node's own error message, without web3's dict dressing."""
    response = getattr(exc, "rpc_response", None)
    if isinstance(response, dict):
        error = response.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    message = getattr(exc, "message", None)
    return str(message if message else exc)


def _revert_reason(exc: Exception) -> str:
    return _strip_revert(_rpc_message(exc))


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


def explain(exc: Exception, rpc_url: str) -> ChainError:
    """A web3/aiohttp failure as one plain-English ``ChainError``."""
    import aiohttp
    from web3 import exceptions as w3e

    if isinstance(exc, ChainError):
        return exc
    if isinstance(exc, w3e.ContractLogicError):
        return ChainError(f"the transaction would revert: {_revert_reason(exc)}")
    if isinstance(exc, w3e.TimeExhausted):
        return ChainError("timed out waiting for the transaction to be mined")
    if isinstance(exc, w3e.TransactionNotFound):
        return ChainError("the node does not know this transaction")
    if isinstance(exc, w3e.Web3RPCError):
        return refusal(_rpc_message(exc))
    if isinstance(exc, w3e.BadFunctionCallOutput):
        return ChainError("unexpected contract answer: is the token address right?")
    fault = transient_fault(exc, rpc_url)
    if fault is not None:
        return ChainError(fault)
    if isinstance(exc, aiohttp.ClientResponseError):
        return ChainError(f"the RPC node at {rpc_url} answered HTTP {exc.status}")
    if isinstance(exc, w3e.Web3Exception):
        return ChainError(f"RPC error: {_rpc_message(exc)}")
    return ChainError(f"chain error ({type(exc).__name__}: {exc})")


def transient_fault(exc: BaseException, rpc_url: str, timeout: float | None = None) -> str | None:
    """The plain words for a fault of the RPC transport that may pass (retry a read),
    or None when ``exc`` is an answer of the node (a revert, a refusal)."""
    import aiohttp
    from web3 import exceptions as w3e

    where = f"the RPC node at {rpc_url}"
    within = "" if timeout is None else f" within {timeout:g} s"
    if isinstance(exc, aiohttp.ClientResponseError):
        if exc.status >= 500:
            return retry.status_fault(where, exc.status)
        return None
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return f"{where} closed the connection without answering"
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError):
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"cannot reach {where}: {detail}"
    if isinstance(exc, TimeoutError | w3e.RequestTimedOut):
        return f"{where} did not answer{within}"
    if isinstance(exc, json.JSONDecodeError):
        return retry.malformed_fault(where)
    if isinstance(exc, aiohttp.ClientError | OSError | w3e.ProviderConnectionError):
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"cannot reach {where}: {detail}"
    return None


def _never_connected(exc: BaseException) -> bool:
    import aiohttp

    return isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError)


class ChainGateway:
    """One network's chain access. Create it cheaply; it connects on first use."""

    def __init__(self, network: Network, *, rpc_timeout: float | None = None) -> None:
        if not network.rpc_url:
            raise ChainError(f"network {network.name} has no RPC URL; set one with --rpc-url")
        self.network = network
        self.rpc_url: str = network.rpc_url
        self._rpc_timeout = retry.http_timeout() if rpc_timeout is None else rpc_timeout
        self._web3: AsyncWeb3[AsyncHTTPProvider] | None = None
        self._http: httpx.AsyncClient | None = None
        self._request_id = 0
        self._decimals: dict[str, int] = {}

    # --- plumbing ---------------------------------------------------------------------

    @property
    def w3(self) -> AsyncWeb3[AsyncHTTPProvider]:
        if self._web3 is None:
            import aiohttp
            from web3 import AsyncHTTPProvider, AsyncWeb3

            self._web3 = AsyncWeb3(
                AsyncHTTPProvider(
                    self.rpc_url,
                    request_kwargs={"timeout": aiohttp.ClientTimeout(total=self._rpc_timeout)},
                    # Retries are ours (``_read``), one policy for every client.
                    exception_retry_configuration=None,
                )
            )
        return self._web3

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._web3 is not None:
            await self._web3.provider.disconnect()
            self._web3 = None

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except ChainError:
            raise
        except Exception as exc:
            raise explain(exc, self.rpc_url) from None

    async def _read(self, call: Callable[[], Awaitable[T]]) -> T:
        """A JSON-RPC read, retried on transport faults; the node's own answers (a revert,
        an unknown transaction) are not faults and come back at once."""

        async def attempt() -> T:
            try:
                return await call()
            except ChainError:
                raise
            except Exception as exc:
                fault = transient_fault(exc, self.rpc_url, self._rpc_timeout)
                if fault is not None:
                    raise retry.Transient(fault) from None
                raise

        return await retry.read_or_fail(attempt, ChainError)

    async def _rpc(self, method: str, *params: Any) -> Any:
        """One JSON-RPC read over httpx, retried like ``_read``; the node's error answer
        comes back at once as ``refusal``."""
        import httpx

        from aleph_tui.core.tls import tls_context_for

        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self._rpc_timeout, verify=tls_context_for(self.rpc_url)
            )
        client, where = self._http, f"the RPC node at {self.rpc_url}"
        self._request_id += 1
        body = {"jsonrpc": "2.0", "id": self._request_id, "method": method, "params": params}

        async def attempt() -> Any:
            try:
                response = await client.post(self.rpc_url, json=body)
            except httpx.TransportError as exc:
                raise retry.Transient(
                    retry.transport_fault(where, exc, self._rpc_timeout)
                ) from None
            if response.status_code >= 500:
                raise retry.Transient(retry.status_fault(where, response.status_code))
            if response.status_code != 200:
                raise ChainError(f"{where} answered HTTP {response.status_code}")
            try:
                answer = json.loads(response.text)
            except ValueError:
                raise retry.Transient(retry.malformed_fault(where)) from None
            if not isinstance(answer, dict):
                raise retry.Transient(retry.malformed_fault(where))
            error = answer.get("error")
            if error is not None:
                message = error.get("message") if isinstance(error, dict) else None
                raise refusal(str(message or error))
            if "result" not in answer:
                raise retry.Transient(retry.malformed_fault(where))
            return answer["result"]

        return await retry.read_or_fail(attempt, ChainError)

    # --- reads ------------------------------------------------------------------------

    async def chain_id(self) -> int:
        """The node's ``eth_chainId``, read afresh every time."""
        return _quantity(await self._rpc("eth_chainId"))

    async def nonce(self, address: str, block: str = "pending") -> int:
        with self._errors():
            return int(
                await self._read(
                    lambda: self.w3.eth.get_transaction_count(
                        cast(Any, _checksum(address)), cast(Any, block)
                    )
                )
            )

    async def fees(self) -> Fees:
        with self._errors():
            block, tip = await asyncio.gather(
                self._read(lambda: self.w3.eth.get_block("latest")),
                self._read(lambda: self.w3.eth.max_priority_fee),
            )
        base = int(block.get("baseFeePerGas") or 0)
        return Fees(base, int(tip), 2 * base + int(tip))

    async def eth_balance(self, address: str) -> int:
        return _quantity(await self._rpc("eth_getBalance", _checksum(address), "latest"))

    async def _call(self, to: str, data: str) -> bytes:
        result = await self._rpc("eth_call", {"to": _checksum(to), "data": data}, "latest")
        try:
            return bytes.fromhex(str(result).removeprefix("0x"))
        except ValueError:
            raise ChainError(f"unexpected answer to eth_call from {self.rpc_url}") from None

    async def token_balance(self, token: str, address: str) -> int:
        raw = await self._call(token, "0x" + BALANCE_OF_SELECTOR + _word_address(address))
        if len(raw) < 32:
            raise ChainError(f"no ERC-20 token at {token}")
        return int.from_bytes(raw[:32], "big")

    async def token_decimals(self, token: str, *, symbol: str | None = None) -> int:
        """``decimals()`` read once per token; the known value if the read fails."""
        key = token.lower()
        if key not in self._decimals:
            try:
                raw = await self._call(token, "0x" + DECIMALS_SELECTOR)
                if len(raw) < 32:
                    raise ChainError(f"no ERC-20 token at {token}")
                self._decimals[key] = int.from_bytes(raw[:32], "big")
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

    async def is_known(self, tx_hash: str) -> bool:
        """Whether the node has this transaction (pending or mined)."""
        from web3.exceptions import TransactionNotFound

        with self._errors():
            try:
                await self._read(lambda: self.w3.eth.get_transaction(cast(Any, tx_hash)))
            except TransactionNotFound:
                return False
        return True

    async def receipt(self, tx_hash: str) -> Receipt | None:
        from web3.exceptions import TransactionNotFound

        with self._errors():
            try:
                data = await self._read(
                    lambda: self.w3.eth.get_transaction_receipt(cast(Any, tx_hash))
                )
            except TransactionNotFound:
                return None
        return _receipt(data)

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
        with self._errors():
            estimate = await self._read(lambda: self.w3.eth.estimate_gas(cast(Any, call)))
        chain_id, nonce, fees = await asyncio.gather(
            self.chain_id(), self.nonce(sender), self.fees()
        )
        gas = gas_limit(int(estimate))
        return TxPlan(
            chain_id=chain_id,
            sender=sender,
            to=to,
            value=value,
            data=data,
            nonce=nonce,
            gas=gas,
            max_fee_per_gas=fees.max_fee,
            max_priority_fee_per_gas=fees.max_priority_fee,
        )

    async def build_token_transfer(self, sender: str, token: str, to: str, units: int) -> TxPlan:
        return await self.build(sender, token, data=erc20_transfer_data(_checksum(to), units))

    async def simulate(self, call: dict[str, Any] | TxPlan) -> None:
        """``eth_call`` the transaction; a revert raises ChainError with its reason."""
        params = call.as_call() if isinstance(call, TxPlan) else call
        with self._errors():
            await self._read(lambda: self.w3.eth.call(cast(Any, params)))

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
        problem = ""
        for _ in range(2):
            try:
                return _hex_hash(await self.w3.eth.send_raw_transaction(signed.raw))
            except Exception as exc:
                fault = transient_fault(exc, self.rpc_url, self._rpc_timeout)
                if fault is None or _never_connected(exc):
                    refused = explain(exc, self.rpc_url)
                    if problem and await self._known_quietly(tx_hash):
                        return tx_hash  # the first try did arrive after all
                    raise NotSent(f"{refused}; nothing was sent") from None
                problem = fault
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
            with self._errors():
                tx = await self._read(lambda: self.w3.eth.get_transaction(cast(Any, tx_hash)))
        except ChainError as exc:
            return f"no reason known (cannot replay it: {exc})"
        gas = int(tx.get("gas") or 0)
        if gas and receipt.gas_used >= gas:
            return f"ran out of gas (all {gas} gas used)"
        call = {
            "from": tx["from"],
            "to": tx.get("to"),
            "value": tx.get("value", 0),
            "data": tx.get("input", "0x"),
            "gas": gas or None,
        }
        try:
            with self._errors():
                await self._read(
                    lambda: self.w3.eth.call(
                        cast(Any, call), block_identifier=max(receipt.block_number - 1, 0)
                    )
                )
        except ChainError as exc:
            return str(exc).replace("the transaction would revert: ", "")
        return "no reason given"


def _quantity(value: Any) -> int:
    """A JSON-RPC quantity ("0x1a") as an int."""
    try:
        return int(str(value), 16)
    except ValueError:
        raise ChainError(f"unexpected JSON-RPC quantity: {str(value)[:40]!r}") from None


def _receipt(data: Any) -> Receipt:
    return Receipt(
        tx_hash=_hex_hash(data["transactionHash"]),
        status=int(data["status"]),
        block_number=int(data["blockNumber"]),
        gas_used=int(data["gasUsed"]),
    )
