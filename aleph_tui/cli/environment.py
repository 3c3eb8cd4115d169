"""The environment variables aleph-tui reads, checked before any command (or the
dashboard) runs: a variable that is set must hold a valid value. Set but empty is bad
input too (exit 2, one line naming the variable and the rule), never a silent default.

Only what aleph-tui itself reads is checked; XDG_* follow the XDG rule (empty = unset).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from aleph_tui.cli.common import UsageError

PRIVATE_KEY_ENV = "ALEPH_PRIVATE_KEY"
PASSWORD_ENV = "ALEPH_PASSWORD"
CONFIG_HOME_ENV = "ALEPH_CONFIG_HOME"
DEVNET_URL_ENV = "ALEPH_DEVNET_URL"
KDF_ENV = "ALEPH_TUI_KDF"
ANVIL_ENV = "ALEPH_TUI_ANVIL"
DEBUG_ENV = "ALEPH_TUI_DEBUG"
TIMEOUT_ENVS = (
    "ALEPH_TUI_HTTP_TIMEOUT",
    "ALEPH_TUI_POST_TIMEOUT",
    "ALEPH_TUI_RECEIPT_TIMEOUT",
    "ALEPH_TUI_FOLLOW_TIMEOUT",
)
_HEX_KEY = re.compile(r"^(0x|0X)?[0-9a-fA-F]{64}$")
PRIVATE_KEY_RULE = "must be a private key: 64 hexadecimal digits (32 bytes), with or without 0x"


def _private_key(value: str) -> str | None:
    return None if _HEX_KEY.match(value.strip()) else PRIVATE_KEY_RULE


def _url(value: str) -> str | None:
    from aleph_tui.core.validation import InvalidInput, http_url

    try:
        http_url(value, field=DEVNET_URL_ENV)
    except InvalidInput as exc:
        return exc.rule
    return None


def _seconds(value: str) -> str | None:
    from decimal import Decimal, InvalidOperation

    rule = "must be a positive number of seconds, e.g. 30"
    try:
        seconds = Decimal(value.strip())
    except InvalidOperation:
        return rule
    return None if seconds.is_finite() and seconds > 0 else rule


def _kdf(value: str) -> str | None:
    return None if value.strip().lower() in ("scrypt", "pbkdf2") else "must be scrypt or pbkdf2"


def _switch(value: str) -> str | None:
    return None if value.strip() in ("0", "1") else "must be 1 (on) or 0 (off)"


def _anything(value: str) -> str | None:
    return None


CHECKS: dict[str, Callable[[str], str | None]] = {
    PRIVATE_KEY_ENV: _private_key,
    PASSWORD_ENV: _anything,
    CONFIG_HOME_ENV: _anything,
    DEVNET_URL_ENV: _url,
    KDF_ENV: _kdf,
    ANVIL_ENV: _anything,
    DEBUG_ENV: _switch,
    **dict.fromkeys(TIMEOUT_ENVS, _seconds),
}


def check_environment(environ: Mapping[str, str]) -> None:
    """UsageError for the first variable that is set but empty or malformed."""
    for name, check in CHECKS.items():
        value = environ.get(name)
        if value is None:
            continue
        if not value or (name != PASSWORD_ENV and not value.strip()):  # a password may be spaces
            raise UsageError(f"aleph-tui: {name}: is set but empty; unset it or give a value")
        rule = check(value)
        if rule is not None:
            raise UsageError(f"aleph-tui: {name}: {rule}")
