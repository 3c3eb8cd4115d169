"""Row 2 counted in instructions: process start to the first frame holding aleph-tui's
balance, against the one-label app's first frame, each run once under callgrind.

Wall-clock row 2 moves by about 40% with this host's phases; an instruction count does
not move between runs, so a change of a few milliseconds can be judged in one run. It
needs valgrind, and is not one of the six rows: ``python -m bench.b2_instructions``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench.b2_tui_start import BASELINE_TEXT, MINIMAL_APP, dashboard_on_devnet
from bench.common import Result, main_for
from bench.release import release_python
from bench.terminal import run_to_exit

FIRST_FRAME = Path(__file__).with_name("first_frame.py")


def instructions(command: list[str], env: dict[str, str]) -> int:
    """Instructions executed by ``command`` (every thread), counted by callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        status = run_to_exit(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command], env
        )
        if status != 0:
            raise RuntimeError(f"{command[-1]}: exit {status} (3: not in the first frames)")
        for line in out.read_text().splitlines():
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def run() -> list[Result]:
    if shutil.which("valgrind") is None:
        raise RuntimeError("valgrind is not installed (apt-get install valgrind)")
    python = str(release_python())
    with dashboard_on_devnet() as (env, balance):
        ours = instructions(
            [python, str(FIRST_FRAME), balance, "--", "aleph-tui", "--network", "devnet"], env
        )
        baseline = instructions(
            [python, str(FIRST_FRAME), BASELINE_TEXT, "--", str(MINIMAL_APP), BASELINE_TEXT],
            env,
        )
    return [
        Result(
            number=2,
            measure="TUI start to the first frame with the balance, in instructions",
            value=ours / 1e6,
            unit="M instructions",
            baseline=baseline / 1e6,
            target="≤ 2× (companion of row 2; no time target)",
            ok=ours <= 2 * baseline,
            note="callgrind, all threads; baseline: a Textual app painting one label",
        )
    ]


if __name__ == "__main__":
    main_for(run)
