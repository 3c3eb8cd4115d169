"""The official aleph CLI (package aleph-client) in its own venv, the baseline of row 1.

Its pins conflict with web3 8, so it never shares the project's venv; the first run
creates ``bench/.venv-aleph-client`` (gitignored by ``.venv*/``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ALEPH_CLIENT = "aleph-client==1.9.3"
VENV = Path(__file__).resolve().parent / ".venv-aleph-client"
# A throwaway key (the tenth anvil dev key): `aleph credits show` loads an account even
# when given an address, and the key signs nothing.
THROWAWAY_KEY = "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"


def aleph_cli() -> Path:
    """The ``aleph`` executable, installing aleph-client first when it is missing."""
    executable = VENV / "bin" / "aleph"
    if not executable.exists():
        print(f"installing {ALEPH_CLIENT} into {VENV} (once)", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", ALEPH_CLIENT],
            check=True,
        )
    return executable
