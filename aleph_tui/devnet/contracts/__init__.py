"""Solidity sources and their compiled artifacts."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "TOKEN_PAYMENTS_PROCESSED_TOPIC",
    "TRANSFER_TOPIC",
    "Artifact",
    "load_artifact",
]

#: keccak256("TokenPaymentsProcessed(address,address,uint256,uint256,uint256,uint256,uint256,
#: uint256,uint8,bool)"), emitted by AlephPaymentProcessor.process (and the real contract).
TOKEN_PAYMENTS_PROCESSED_TOPIC = (
    "0x3db36cd2496ef869c223c05bc35ff9785f5cc1ffeca2b221d884488c4282cbbc"
)
#: keccak256("Transfer(address,address,uint256)"), the ERC-20 event, also emitted by the
#: processor's receive() for ETH payments.
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


@dataclass(frozen=True)
class Artifact:
    """A compiled contract: its ABI and creation bytecode (0x-prefixed hex)."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


@functools.cache
def load_artifact(name: str) -> Artifact:
    """Load ``<name>.json`` (e.g. ``"TestToken"``) shipped next to this module."""
    text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return Artifact(name=data["contractName"], abi=data["abi"], bytecode=data["bytecode"])
