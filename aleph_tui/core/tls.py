"""The TLS context of every HTTP client of the process (httpx: the API, the RPC nodes)."""

from __future__ import annotations

import os
import ssl
import threading

_lock = threading.Lock()  # clients may be made from worker threads
_context: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """One verifying context for the whole process: each new one would load the CA bundle
    again (~0.1 s). The CAs are httpx's defaults: the file or directory named by
    ``SSL_CERT_FILE`` or ``SSL_CERT_DIR``, else certifi's bundle."""
    global _context
    with _lock:
        if _context is None:
            _context = _verifying_context()
        return _context


def _verifying_context() -> ssl.SSLContext:
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def tls_context_for(url: str) -> ssl.SSLContext:
    """``tls_context()`` for an https URL. A client of a plain-http URL (the devnet)
    never opens TLS (redirects are not followed), so it gets a context that trusts no
    one instead of paying for the CA bundle: should TLS ever happen, it fails closed."""
    if url.lower().startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return tls_context()
