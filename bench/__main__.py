"""``python -m bench [N ...]``: run every benchmark (or rows N...), print the table and
write bench/results.json."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from pathlib import Path

from bench.common import Result, report

BENCHMARKS = {
    1: "bench.b1_cli_balance",
    2: "bench.b2_tui_start",
    3: "bench.b3_history",
    4: "bench.b4_refresh",
    5: "bench.b5_buy",
    6: "bench.b6_token_flow",
    7: "bench.b7_load",
}
RESULTS_PATH = Path(__file__).resolve().parent / "results.json"


def _module_for(number: int) -> str:
    # b3/b4 are named by their author; find them by prefix when the default name differs.
    default = BENCHMARKS[number]
    folder = Path(__file__).resolve().parent
    if (folder / (default.split(".")[1] + ".py")).exists():
        return default
    found = sorted(folder.glob(f"b{number}_*.py"))
    return f"bench.{found[0].stem}" if found else default


def chosen(argv: list[str] | None = None) -> list[int]:
    """The benchmark numbers the command line asks for; all of them when none is given."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    # No ``choices=``: before Python 3.12 argparse checks an empty ``nargs="*"`` list
    # against them and refuses the plain ``python -m bench``.
    parser.add_argument("numbers", nargs="*", type=int, metavar="{1..7}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.numbers) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no benchmark numbered {', '.join(map(str, unknown))}")
    return list(args.numbers) or sorted(BENCHMARKS)


def main(argv: list[str] | None = None) -> int:
    results: list[Result] = []
    failed: list[str] = []
    for number in chosen(argv):
        name = _module_for(number)
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(name)
            rows: list[Result] = module.run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        report(rows)
        results.extend(rows)
    print("\n== summary")
    report(results)
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "python": platform.python_version(),
                "machine": platform.platform(),
                "results": [r.as_dict() for r in results],
                "failed": failed,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS_PATH}")
    return 0 if not failed and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
