"""JSON-RPC errors with the codes and messages anvil/geth use."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000
# anvil answers rejected transactions (nonce, funds, chain id) with -32003.
TRANSACTION_REJECTED = -32003
# geth and anvil answer a reverted eth_call/eth_estimateGas with code 3.
EXECUTION_REVERTED = 3

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


class RpcError(Exception):
    """An error to answer with, as ``{"code", "message", "data"?}``."""

    def __init__(self, code: int, message: str, data: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class InvalidParams(RpcError):
    def __init__(self, message: str) -> None:
        super().__init__(INVALID_PARAMS, message)


class MethodNotFound(RpcError):
    def __init__(self) -> None:
        super().__init__(METHOD_NOT_FOUND, "Method not found")


class TransactionRejected(RpcError):
    def __init__(self, message: str) -> None:
        super().__init__(TRANSACTION_REJECTED, message)


def revert_reason(output: bytes) -> str | None:
    """The reason string of an ``Error(string)`` revert, if that is what ``output`` is."""
    if output[:4] != ERROR_STRING_SELECTOR:
        return None
    try:
        (reason,) = abi_decode(["string"], output[4:])
    except (DecodingError, UnicodeDecodeError, ValueError):
        return None
    return str(reason)


def execution_reverted(output: bytes) -> RpcError:
    """The error anvil returns for a revert: code 3, reason in the message, raw data."""
    reason = revert_reason(output)
    message = f"execution reverted: {reason}" if reason is not None else "execution reverted"
    return RpcError(EXECUTION_REVERTED, message, "0x" + output.hex())
