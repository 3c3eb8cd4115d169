"""Row 1: ``aleph-tui account balance ADDRESS --json``, whole process, against the official
``aleph credits show ADDRESS --json`` on the same devnet, runs interleaved."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time

from bench.aleph_client import THROWAWAY_KEY, aleph_cli
from bench.common import Result, devnet, main_for, median
from bench.release import release_command

ROUNDS = 7
TARGET_RATIO = 0.25


def timed_run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    return elapsed, done.stdout


def run() -> list[Result]:
    aleph = aleph_cli()
    with devnet("--chain", "embedded") as net, tempfile.TemporaryDirectory() as home:
        address = net.document["accounts"][0]["address"]
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("ALEPH")}
        ours_env = {
            **base_env,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "ALEPH_DEVNET_URL": net.api_url,
        }
        theirs_env = {
            **base_env,
            "HOME": home,
            "ALEPH_API_HOST": net.api_url,
            "ALEPH_PRIVATE_KEY_STRING": THROWAWAY_KEY,
        }
        ours_cmd = [
            *release_command(),
            "account",
            "balance",
            address,
            "--network",
            "devnet",
            "--json",
        ]
        theirs_cmd = [str(aleph), "credits", "show", address, "--json"]

        # Warm-up (page cache, .pyc files), and proof that both read the same credits.
        _, ours_out = timed_run(ours_cmd, ours_env)
        _, theirs_out = timed_run(theirs_cmd, theirs_env)
        ours_credits = json.loads(ours_out)["credits"]
        theirs_credits = json.loads(theirs_out)["credit_balance"]
        if ours_credits != theirs_credits:
            raise RuntimeError(f"credits differ: aleph-tui {ours_credits}, aleph {theirs_credits}")

        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(ROUNDS):
            ours.append(timed_run(ours_cmd, ours_env)[0])
            theirs.append(timed_run(theirs_cmd, theirs_env)[0])

    value, baseline = median(ours), median(theirs)
    return [
        Result(
            number=1,
            measure="account balance --json, whole process (median of 7)",
            value=value,
            unit="s",
            baseline=baseline,
            target=f"≤ {TARGET_RATIO}×",
            ok=value <= TARGET_RATIO * baseline,
            note=f"baseline: aleph credits show --json; same credits ({ours_credits})",
        )
    ]


if __name__ == "__main__":
    main_for(run)
