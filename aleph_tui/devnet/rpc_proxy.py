"""The devnet's JSON-RPC proxy (``POST {api_url}/rpc``): every client reaches the chain
engine through it, so chain faults can be injected; the devnet's own credit service and
seeding talk to the engine directly and never see them.

Without an active rule the engine's answer is passed on byte for byte (status, body,
content type), over one reused aiohttp session. The HTTP kinds of ``faults`` apply to
the whole request (``match`` is a JSON-RPC method of the request, or of the batch). The
chain kinds are made faithful rather than faked:

- ``rpc_down``: answers ``502 Bad Gateway`` with an HTML body and no JSON-RPC, which is
  what a load balancer in front of a dead node answers (nginx, cloud RPC gateways);
  every request gets it while the rule is active.
- ``revert``: the next transaction sent is mined and reverts for real, with its real
  reason. Two cases:
  * One that would fail anyway: clients (``core.chain.ChainGateway.build``) simulate
    with ``eth_call`` and estimate with ``eth_estimateGas`` before signing; while the
    rule is active, a reverting ``eth_call`` on the current state (no block, ``latest``
    or ``pending``) answers ``0x`` and a reverting ``eth_estimateGas`` answers
    ``REVERT_GAS``, so the client signs and sends, and the engine mines the revert.
  * An ERC-20 ``transfer`` that would succeed (a buy with ALEPH or USDC): the proxy
    plays "the tokens were spent by another transaction before yours was mined". It
    sets the sender's token balance to 0 (``anvil_setStorageAt`` then ``evm_mine``, a
    block of its own), forwards the transaction, which the token contract reverts
    with "ERC20: insufficient balance", then puts the balance back the same way. This
    needs the devnet's TestToken layout (checked against ``balanceOf`` first); any
    other transaction that would succeed is forwarded unchanged.
  ``eth_call`` at an explicit block (how ``failure_reason`` replays a mined
  transaction on the state before it) is never masked, so the real reason comes back.
  The rule uses one of its ``times`` per ``eth_sendRawTransaction``.
- ``receipt_never``: the transaction is mined for real, but ``eth_getTransactionReceipt``
  answers ``null`` while the rule is active (each such answer uses one of its
  ``times``); ``eth_getTransactionByHash`` still shows it, and clearing the rule makes the
  receipt visible.
- ``nonce_conflict``: ``eth_getTransactionCount(address, "pending")`` answers the
  account's last used nonce instead of the next one, as when another wallet on the same
  account sent a transaction between the read and the send. The engine itself then
  rejects the send with its own "nonce too low" error, on anvil and the embedded chain
  alike. An account that never sent anything has no used nonce yet: for a dev account
  (public key) the proxy has "the other wallet" use nonce 0 with a real 0-value transfer
  to itself, then answers 0; for any other account the rule does not act (nor count).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from aleph_tui.devnet.faults import CHAIN_KINDS, ActiveRule, FaultStore, apply_http_faults

log = logging.getLogger(__name__)

PATH = "/rpc"
# The gas a masked estimate answers: room for any devnet contract call to run into its
# revert (a token transfer or a payment uses well under 100k).
REVERT_GAS = 500_000
CURRENT_BLOCKS = (None, "latest", "pending")
TRANSFER_SELECTOR = bytes.fromhex("a9059cbb")  # transfer(address,uint256)
TRANSFER_CALL_BYTES = 4 + 32 + 32
BALANCE_OF = "0x70a08231"  # balanceOf(address)
# TestToken's storage: name, symbol, totalSupply, then the balanceOf mapping.
BALANCES_SLOT = 3
EXECUTION_REVERTED = 3
OTHER_WALLET_TIP = 10**9  # 1 gwei
# A held engine call (a slow block) is the engine's business; only a dead engine times out.
ENGINE_TIMEOUT = ClientTimeout(total=120)
BAD_GATEWAY_TEXT = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


def bad_gateway() -> web.Response:
    return web.Response(status=502, text=BAD_GATEWAY_TEXT, content_type="text/html")


class RpcProxy:
    def __init__(self, engine_url: str, faults: FaultStore) -> None:
        self.engine_url = engine_url
        self.faults = faults
        self._session: ClientSession | None = None

    @property
    def session(self) -> ClientSession:
        if self._session is None:
            self._session = ClientSession(timeout=ENGINE_TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if self.faults.empty:
            return await self._forward(body)
        calls = _calls(body)
        methods = {str(call.get("method")) for call in calls or ()}

        def matches(method: str) -> bool:
            return method in methods

        if self.faults.take(frozenset({"rpc_down"}), "rpc", matches) is not None:
            return bad_gateway()
        return await apply_http_faults(
            self.faults, request, "rpc", matches, lambda: self._answer(body, calls)
        )

    async def _answer(self, body: bytes, calls: list[dict[str, Any]] | None) -> web.Response:
        if calls is None or not any(self.faults.active(kind, "rpc") for kind in CHAIN_KINDS):
            return await self._forward(body)
        try:
            answers = [await self._call(call) for call in calls]
        except (ClientError, ValueError) as exc:
            log.warning("chain engine unreachable: %s", exc)
            return bad_gateway()
        payload: Any = answers if body.lstrip().startswith(b"[") else answers[0]
        return web.Response(text=json.dumps(payload), content_type="application/json")

    async def _forward(self, body: bytes) -> web.Response:
        try:
            async with self.session.post(
                self.engine_url, data=body, headers={"Content-Type": "application/json"}
            ) as response:
                return web.Response(
                    body=await response.read(),
                    status=response.status,
                    content_type=response.content_type,
                )
        except ClientError as exc:
            log.warning("chain engine unreachable: %s", exc)
            return bad_gateway()

    async def _engine(self, call: dict[str, Any]) -> dict[str, Any]:
        async with self.session.post(self.engine_url, json=call) as response:
            answer: dict[str, Any] = await response.json(content_type=None)
            return answer

    async def _call(self, call: dict[str, Any]) -> dict[str, Any]:
        """One call of a request while a chain rule is active."""
        method = call.get("method")
        params = call.get("params") or []
        faults = self.faults

        def rule(kind: str) -> ActiveRule | None:
            return faults.find(frozenset({kind}), "rpc", lambda match: match == method)

        if method == "eth_getTransactionReceipt" and (active := rule("receipt_never")):
            faults.use(active)
            return {"jsonrpc": "2.0", "id": call.get("id"), "result": None}
        if method == "eth_sendRawTransaction" and (active := rule("revert")):
            faults.use(active)
            spent = None
            try:
                spent = await self._spend_tokens(params[0] if params else None)
            except ValueError as exc:
                log.warning("fault revert: cannot spend the tokens first: %s", exc)
            sent: dict[str, Any] = {}
            try:
                sent = await self._engine(call)
                return sent
            finally:
                if spent is not None:
                    # anvil answers a send before its automine block is sealed: restoring
                    # the balance first would let the transfer succeed after all.
                    await self._mined(sent.get("result"))
                    await self._set_storage(*spent)
        answer = await self._engine(call)
        if (
            method == "eth_getTransactionCount"
            and _block(params, 1) == "pending"
            and (active := rule("nonce_conflict"))
            and isinstance(answer.get("result"), str)
        ):
            nonce = int(answer["result"], 16)
            if nonce == 0 and await self._send_as_other_wallet(str(params[0])):
                faults.use(active)
                return answer  # 0, which the other wallet has just used
            if nonce > 0:
                faults.use(active)
                return answer | {"result": hex(nonce - 1)}
        if (
            method in ("eth_call", "eth_estimateGas")
            and _reverted(answer)
            and _block(params, 1) in CURRENT_BLOCKS
            and rule("revert")
        ):
            masked = "0x" if method == "eth_call" else hex(REVERT_GAS)
            log.info("fault revert: %s answers %s instead of a revert", method, masked)
            return {"jsonrpc": answer.get("jsonrpc", "2.0"), "id": call.get("id"), "result": masked}
        return answer

    async def _result(self, method: str, *params: Any) -> Any:
        answer = await self._engine(_request(method, *params))
        if "error" in answer:
            raise ValueError(f"{method}: {answer['error']}")
        return answer["result"]

    async def _spend_tokens(self, raw: Any) -> tuple[str, int, int] | None:
        """Set the sender's balance of the token ``raw`` transfers to 0, in a block of its
        own, when that transfer would succeed; returns (token, slot, balance) to restore."""
        transfer = _token_transfer(raw)
        if transfer is None:
            return None
        sender, token, data = transfer
        would_fail = await self._engine(
            _request("eth_call", {"from": sender, "to": token, "data": data}, "latest")
        )
        if "error" in would_fail:
            return None
        slot = _balance_slot(sender)
        stored = int(await self._result("eth_getStorageAt", token, hex(slot), "latest"), 16)
        call = {"to": token, "data": BALANCE_OF + sender[2:].lower().rjust(64, "0")}
        balance = int(await self._result("eth_call", call, "latest"), 16)
        if stored == 0 or stored != balance:
            log.warning("fault revert: %s is not laid out as the devnet token", token)
            return None
        log.info("fault revert: %s's %s balance spent before its transfer", sender, token)
        await self._set_storage(token, slot, 0)
        return token, slot, stored

    async def _send_as_other_wallet(self, address: str) -> bool:
        """Use nonce 0 of a dev account with a real 0-value transfer to itself, as another
        wallet holding the same key would; False for an account whose key is not public."""
        from eth_account import Account

        from aleph_tui.devnet.chain.engine import dev_accounts

        key = next(
            (a.private_key for a in dev_accounts() if a.address.lower() == address.lower()), None
        )
        if key is None:
            return False
        try:
            chain_id = int(await self._result("eth_chainId"), 16)
            head = await self._result("eth_getBlockByNumber", "latest", False)
            tip = OTHER_WALLET_TIP
            tx = {
                "chainId": chain_id,
                "type": 2,
                "nonce": 0,
                "to": Account.from_key(key).address,
                "value": 0,
                "gas": 21_000,
                "maxPriorityFeePerGas": tip,
                "maxFeePerGas": 2 * int(head["baseFeePerGas"], 16) + tip,
            }
            raw = Account.sign_transaction(tx, key).raw_transaction
            await self._result("eth_sendRawTransaction", "0x" + bytes(raw).hex())
        except ValueError as exc:
            log.warning("fault nonce_conflict: the other wallet could not send: %s", exc)
            return False
        log.info("fault nonce_conflict: another wallet used nonce 0 of %s", address)
        return True

    async def _mined(self, tx_hash: Any, within: float = 10.0) -> None:
        """Poll until ``tx_hash`` has a receipt (or ``within`` seconds pass)."""
        if not isinstance(tx_hash, str):
            return
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            answer = await self._engine(_request("eth_getTransactionReceipt", tx_hash))
            if answer.get("result"):
                return
            await asyncio.sleep(0.02)
        log.warning("fault revert: %s not mined within %.0f s", tx_hash, within)

    async def _set_storage(self, token: str, slot: int, value: int) -> None:
        word = "0x" + value.to_bytes(32, "big").hex()
        await self._result("anvil_setStorageAt", token, hex(slot), word)
        await self._result("evm_mine")


def _request(method: str, *params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}


def _token_transfer(raw: Any) -> tuple[str, str, str] | None:
    """(sender, token, calldata) of a signed typed ERC-20 ``transfer``, else None."""
    from eth_account import Account
    from eth_account.typed_transactions.typed_transaction import TypedTransaction
    from eth_utils.address import to_checksum_address
    from hexbytes import HexBytes

    if not isinstance(raw, str):
        return None
    try:
        signed = HexBytes(raw)
        sender = str(Account.recover_transaction(signed))
        fields = TypedTransaction.from_bytes(signed).as_dict()
    except (ValueError, TypeError):
        return None  # not a typed transaction (legacy), or not decodable: left alone
    to, data = fields.get("to"), bytes(fields.get("data") or b"")
    if not to or len(data) != TRANSFER_CALL_BYTES or data[:4] != TRANSFER_SELECTOR:
        return None
    return sender, to_checksum_address(bytes(to)), "0x" + data.hex()


def _balance_slot(owner: str) -> int:
    """The storage slot of ``balanceOf[owner]`` in TestToken (mapping at slot 3)."""
    from eth_utils.crypto import keccak

    key = bytes.fromhex(owner[2:].rjust(64, "0")) + BALANCES_SLOT.to_bytes(32, "big")
    return int.from_bytes(keccak(key), "big")


def _calls(body: bytes) -> list[dict[str, Any]] | None:
    """The calls of a JSON-RPC request (single or batch), or None if it is not one."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    calls = payload if isinstance(payload, list) else [payload]
    if not calls or not all(isinstance(call, dict) for call in calls):
        return None
    return calls


def _block(params: Any, index: int) -> Any:
    if isinstance(params, list) and len(params) > index:
        return params[index]
    return None


def _reverted(answer: dict[str, Any]) -> bool:
    error = answer.get("error")
    if not isinstance(error, dict):
        return False
    return error.get("code") == EXECUTION_REVERTED or "revert" in str(error.get("message", ""))
