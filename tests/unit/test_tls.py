"""The one TLS context of the process (core/tls.py), shared by every httpx client, must
trust exactly what httpx's own default context trusts."""

from __future__ import annotations

import ssl
import threading

import httpx

from aleph_tui.core import tls


def test_the_context_verifies_and_trusts_what_httpx_trusts() -> None:
    ours, theirs = tls.tls_context(), httpx.create_ssl_context()
    assert ours.verify_mode == ssl.CERT_REQUIRED
    assert ours.check_hostname
    assert ours.cert_store_stats() == theirs.cert_store_stats()
    assert sorted(c["serialNumber"] for c in ours.get_ca_certs()) == sorted(
        c["serialNumber"] for c in theirs.get_ca_certs()
    )


def test_threads_asking_at_once_share_one_context() -> None:
    seen: list[ssl.SSLContext] = []
    threads = [threading.Thread(target=lambda: seen.append(tls.tls_context())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(context) for context in seen}) == 1


def test_a_plain_http_url_gets_a_context_that_trusts_no_one() -> None:
    context = tls.tls_context_for("http://127.0.0.1:1")
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.cert_store_stats()["x509_ca"] == 0
    assert tls.tls_context_for("https://api2.aleph.im") is tls.tls_context()
