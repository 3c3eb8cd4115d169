"""Deploy and fund the devnet's contracts: ALEPH, USDC and the payment processor."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eth_typing import ChecksumAddress

from aleph_tui.devnet import operators
from aleph_tui.devnet.contracts import load_artifact
from aleph_tui.devnet.prices import PriceBook

if TYPE_CHECKING:
    from web3 import AsyncWeb3

log = logging.getLogger(__name__)

ETH_TOKEN = "0x0000000000000000000000000000000000000000"
ALEPH_SUPPLY = 10**9 * 10**18
USDC_SUPPLY = 10**9 * 10**6
DEV_ALEPH = 100_000 * 10**18
DEV_USDC = 25_000 * 10**6
PROCESSOR_RESERVE = 100_000_000 * 10**18


@dataclass(frozen=True)
class Deployment:
    aleph_token: ChecksumAddress
    usdc_token: ChecksumAddress
    processor: ChecksumAddress
    deploy_block: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        from eth_utils.address import to_checksum_address

        return cls(
            to_checksum_address(data["aleph_token"]),
            to_checksum_address(data["usdc_token"]),
            to_checksum_address(data["processor"]),
            int(data["deploy_block"]),
        )


class Sender:
    """Signs and sends the admin's transactions with locally tracked nonces."""

    def __init__(self, w3: AsyncWeb3[Any], chain_id: int) -> None:
        from eth_account import Account

        self.w3 = w3
        self.chain_id = chain_id
        self.account = Account.from_key(operators.ADMIN.private_key)
        self.nonce: int | None = None

    async def send(self, tx: dict[str, Any], *, wait: bool = True) -> dict[str, Any]:
        if self.nonce is None:
            self.nonce = await self.w3.eth.get_transaction_count(self.account.address, "pending")
        block = await self.w3.eth.get_block("latest")
        tip = 10**9
        full = {
            "from": self.account.address,
            "chainId": self.chain_id,
            "nonce": self.nonce,
            "type": 2,
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": 2 * int(block.get("baseFeePerGas", 10**9)) + tip,
            **tx,
        }
        if "gas" not in full:
            full["gas"] = int(await self.w3.eth.estimate_gas(full) * 1.3)  # type: ignore[arg-type,unused-ignore]
        signed = self.account.sign_transaction(full)
        tx_hash = await self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self.nonce += 1
        if not wait:
            return {"transactionHash": tx_hash}
        receipt = await self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        if receipt["status"] != 1:
            raise RuntimeError(f"devnet transaction reverted: {tx_hash.hex()}")
        return dict(receipt)

    async def deploy(self, name: str, *args: Any) -> ChecksumAddress:
        artifact = load_artifact(name)
        from eth_abi.abi import encode

        constructor = next(e for e in artifact.abi if e["type"] == "constructor")
        types = [i["type"] for i in constructor["inputs"]]
        data = artifact.bytecode + encode(types, list(args)).hex()
        receipt = await self.send({"data": data})
        from eth_utils.address import to_checksum_address

        return to_checksum_address(receipt["contractAddress"])

    async def call(self, address: str, artifact: str, fn: str, *args: Any) -> dict[str, Any]:
        from eth_utils.address import to_checksum_address

        contract = self.w3.eth.contract(
            address=to_checksum_address(address), abi=load_artifact(artifact).abi
        )
        data = contract.encode_abi(fn, args=list(args))
        return await self.send({"to": address, "data": data})


def swap_rate(book: PriceBook, symbol: str) -> tuple[int, int]:
    """ALEPH base units per token base unit, as an exact fraction."""
    token = book.token(symbol)
    aleph = book.token("ALEPH")
    rate = token.usd / aleph.usd * Decimal(10) ** (aleph.decimals - token.decimals)
    num, den = rate.as_integer_ratio()
    return num, den


async def deploy(
    w3: AsyncWeb3[Any], chain_id: int, book: PriceBook, dev_addresses: list[str]
) -> Deployment:
    await w3.provider.make_request(
        "anvil_setBalance",
        [operators.ADMIN.address, hex(10**6 * 10**18)],
    )
    sender = Sender(w3, chain_id)
    start_block = await w3.eth.block_number
    aleph = await sender.deploy("TestToken", "Aleph.im", "ALEPH", 18, ALEPH_SUPPLY)
    usdc = await sender.deploy("TestToken", "USD Coin", "USDC", 6, USDC_SUPPLY)
    processor = await sender.deploy(
        "AlephPaymentProcessor",
        aleph,
        operators.DISTRIBUTION.address,
        operators.DEVELOPERS.address,
    )
    num, den = swap_rate(book, "USDC")
    await sender.call(processor, "AlephPaymentProcessor", "setTokenConfig", usdc, num, den, True)
    num, den = swap_rate(book, "ETH")
    await sender.call(
        processor, "AlephPaymentProcessor", "setTokenConfig", ETH_TOKEN, num, den, False
    )
    await sender.call(aleph, "TestToken", "transfer", processor, PROCESSOR_RESERVE)
    for address in dev_addresses:
        await sender.call(
            aleph,
            "TestToken",
            "transfer",
            address,
            DEV_ALEPH,
        )
        await sender.call(usdc, "TestToken", "transfer", address, DEV_USDC)
    log.info("deployed ALEPH %s, USDC %s, processor %s", aleph, usdc, processor)
    return Deployment(aleph, usdc, processor, start_block + 1)
