"""The JSON-RPC 2.0 envelope: single and batch requests, notifications, errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aleph_tui.devnet.chain.rpc_errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    PARSE_ERROR,
    RpcError,
)

logger = logging.getLogger(__name__)

Dispatch = Callable[[str, Any], Any]
JsonResponse = dict[str, Any]


def error_response(request_id: Any, error: RpcError) -> JsonResponse:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}


def parse_error() -> JsonResponse:
    return error_response(None, RpcError(PARSE_ERROR, "Parse error"))


def handle_payload(payload: Any, dispatch: Dispatch) -> JsonResponse | list[JsonResponse] | None:
    """The response to a decoded request body; None when nothing is to be sent back."""
    if isinstance(payload, list):
        if not payload:
            return error_response(None, RpcError(INVALID_REQUEST, "Invalid request"))
        responses = [r for r in (handle_request(item, dispatch) for item in payload) if r]
        return responses or None
    return handle_request(payload, dispatch)


def handle_request(request: Any, dispatch: Dispatch) -> JsonResponse | None:
    if not isinstance(request, dict):
        return error_response(None, RpcError(INVALID_REQUEST, "Invalid request"))
    request_id = request.get("id")
    method = request.get("method")
    if not isinstance(method, str) or not isinstance(request_id, str | int | None):
        return error_response(request_id, RpcError(INVALID_REQUEST, "Invalid request"))
    try:
        result = dispatch(method, request.get("params"))
    except RpcError as exc:
        logger.debug("%s failed: %s %s", method, exc.code, exc.message)
        response = error_response(request_id, exc)
    except Exception as exc:
        logger.exception("%s failed unexpectedly", method)
        response = error_response(request_id, RpcError(INTERNAL_ERROR, f"internal error: {exc}"))
    else:
        response = {"jsonrpc": "2.0", "id": request_id, "result": result}
    return response if "id" in request else None  # no answer to notifications
