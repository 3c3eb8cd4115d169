"""aleph-tui as users install it (``pip install .``), for the rows that time whole processes.

The project's own venv holds an editable install, whose import hook runs for every
import (0.1 s of a cold start here), so rows 1 and 2 run ``bench/.venv-release``
instead: the project built and installed as a wheel, with the dependencies of the
running venv on its path (no second download). It is rebuilt when a tracked source file
changes (gitignored by ``.venv*/``).
"""

from __future__ import annotations

import hashlib
import site
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / ".venv-release"
STAMP = VENV / "source.sha256"


def _source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted([ROOT / "pyproject.toml", *(ROOT / "aleph_tui").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def release_python() -> Path:
    """The release venv's interpreter, (re)built when the sources changed."""
    python = VENV / "bin" / "python"
    wanted = _source_hash()
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    print(f"installing aleph-tui into {VENV} (sources changed)", file=sys.stderr, flush=True)
    # No pip of its own: the running venv's pip builds the wheel and installs it.
    subprocess.run(
        [sys.executable, "-m", "venv", "--clear", "--without-pip", str(VENV)], check=True
    )
    packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The running venv's packages, appended to the path; its .pth files (the editable
    # hook among them) are not run, so aleph_tui comes from the wheel below.
    (Path(packages) / "bench-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = ["install", "-q", "--no-deps", str(ROOT)]
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), *install], check=True)
    STAMP.write_text(wanted)
    return python


def release_command() -> list[str]:
    """``aleph-tui`` from the release venv."""
    python = release_python()
    return [str(python.parent / "aleph-tui")]
