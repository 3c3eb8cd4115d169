"""aleph-tui as users install it (``pip install .``), for the rows that time whole processes.

The project's own venv holds an editable install, whose import hook runs for every
import (0.1 s of a cold start here), and the test extra's packages: selenium brings
trio, which httpcore imports whenever it is installed (60-190 ms of a cold start that no
user pays). So rows 1 and 2 run ``bench/.venv-release``: ``pip install .`` with no extra,
the versions pinned by ``requirements.lock``, nothing else. Its dependencies are
installed again when the lock or pyproject.toml changes, aleph-tui alone when a source
file changes (gitignored by ``.venv*/``).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / ".venv-release"
STAMP = VENV / "source.sha256"
DEPENDENCIES_STAMP = VENV / "dependencies.sha256"


def _hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _pip(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "-q", "--disable-pip-version-check", *args], check=True
    )


def release_python() -> Path:
    """The release venv's interpreter, (re)built when the sources or the lock changed."""
    python = VENV / "bin" / "python"
    sources = _hash([ROOT / "pyproject.toml", *(ROOT / "aleph_tui").rglob("*")])
    dependencies = _hash([ROOT / "pyproject.toml", ROOT / "requirements.lock"])

    def holds(stamp: Path, wanted: str) -> bool:
        return python.exists() and stamp.exists() and stamp.read_text() == wanted

    if holds(STAMP, sources) and holds(DEPENDENCIES_STAMP, dependencies):
        return python
    print(f"installing aleph-tui into {VENV} (sources changed)", file=sys.stderr, flush=True)
    if not holds(DEPENDENCIES_STAMP, dependencies):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        _pip(python, "install", "-c", str(ROOT / "requirements.lock"), str(ROOT))
        DEPENDENCIES_STAMP.write_text(dependencies)
    else:
        _pip(python, "install", "--no-deps", "--force-reinstall", str(ROOT))
    STAMP.write_text(sources)
    return python


def release_command() -> list[str]:
    """``aleph-tui`` from the release venv."""
    python = release_python()
    return [str(python.parent / "aleph-tui")]
