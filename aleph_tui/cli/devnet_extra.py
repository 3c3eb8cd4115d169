"""The devnet is an extra (``pip install 'aleph-tui[devnet]'``): a plain install has the
dashboard and the commands only. Without the extra, ``aleph-tui --devnet`` and
``aleph-tui devnet`` say, in one line, the exact command that adds it."""

from __future__ import annotations

import importlib.util
import json
import shlex
import sys
from importlib import metadata
from urllib.parse import unquote, urlparse

from aleph_tui.cli.common import CommandError

# py-evm's package (the embedded chain) and the devnet's HTTP server.
DEVNET_MODULES = ("eth", "aiohttp")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def install_command(extra: str = "devnet") -> str:
    """The pip command that adds ``extra`` to this very install: the same interpreter,
    and the same source when aleph-tui was installed from a directory (PEP 610)."""
    target, editable = f"aleph-tui[{extra}]", False
    try:
        origin = metadata.distribution("aleph-tui").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        origin = None
    if origin:
        document = json.loads(origin)
        url = urlparse(str(document.get("url", "")))
        if url.scheme == "file" and "dir_info" in document:
            target = f"{unquote(url.path)}[{extra}]"
            editable = bool(document["dir_info"].get("editable"))
    words = [sys.executable, "-m", "pip", "install", *(["-e"] if editable else []), target]
    return shlex.join(words)


def require_devnet() -> None:
    """Raise a one-line CommandError (exit 1) when the devnet extra is not installed."""
    require_extra("devnet", DEVNET_MODULES, what="the devnet")


def require_extra(extra: str, modules: tuple[str, ...], *, what: str | None = None) -> None:
    """Raise a one-line CommandError (exit 1) naming the install command when one of
    ``modules`` (what the extra installs) is missing."""
    if not all(_installed(module) for module in modules):
        raise CommandError(
            f"{what or extra} is not installed (it is the [{extra}] extra); add it with: "
            f"{install_command(extra)}"
        )
