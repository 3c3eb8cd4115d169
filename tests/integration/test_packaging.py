"""The devnet is an extra: a plain install has the dashboard and the commands, and none of
the devnet's chain engines; without the extra, the devnet commands say how to add it.
CI and the benchmarks install the exact versions of requirements.lock."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
DEVNET_ONLY = {"py-evm", "aiohttp", "web3"}
TEST_ONLY = {"eth-tester"}

# Run before aleph_tui in a fresh interpreter: py-evm (``eth``), web3, aiohttp, eth-tester and
# desktop-notifier cannot be imported, as in an install without the [devnet], [test] and
# [notify] extras.
WITHOUT_EXTRAS = """
import sys
from importlib.abc import MetaPathFinder

class NotInstalled(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in (
            "eth", "eth_tester", "web3", "aiohttp", "textual_serve", "desktop_notifier", "dbus_fast"
        ):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
"""


def _project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project: dict[str, Any] = tomllib.load(file)["project"]
    return project


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(text).name for text in requirements}


def _without_extras(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS + code],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
    )


def test_a_plain_install_pulls_no_chain_engine() -> None:
    project = _project()
    base = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert not base & (DEVNET_ONLY | TEST_ONLY)
    assert _names(extras["devnet"]) >= DEVNET_ONLY
    assert _names(extras["test"]) >= TEST_ONLY


def test_libraries_take_ranges_and_only_pre_releases_are_pinned() -> None:
    project = _project()
    every = project["dependencies"] + [
        r for group in project["optional-dependencies"].values() for r in group
    ]
    for text in every:
        requirement = Requirement(text)
        pinned = [spec for spec in requirement.specifier if spec.operator == "=="]
        for spec in pinned:
            assert Version(spec.version).is_prerelease, f"{text}: exact pin on a release"
    assert not any(
        s.operator == "=="
        for s in Requirement(
            next(t for t in project["dependencies"] if t.startswith("certifi"))
        ).specifier
    )


def test_the_lock_pins_every_requirement_inside_its_range() -> None:
    locked: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.partition(" ")[0].partition("==")
            locked[Requirement(name).name.lower()] = Version(version)
    project = _project()
    every = project["dependencies"] + [
        r for group in project["optional-dependencies"].values() for r in group
    ]
    for text in every:
        requirement = Requirement(text)
        name = requirement.name.lower()
        assert name in locked, f"{name} is missing from requirements.lock: bash scripts/lock.sh"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock has {name}=={locked[name]}, outside {text}: bash scripts/lock.sh"
        )


def test_the_dashboard_and_the_commands_import_without_the_extras() -> None:
    code = """
import pkgutil, aleph_tui
from aleph_tui.cli import main
for module in pkgutil.walk_packages(aleph_tui.__path__, "aleph_tui."):
    # __main__ would run the program.
    if not module.name.startswith(("aleph_tui.devnet", "aleph_tui.serve", "aleph_tui.__main__")):
        __import__(module.name)
sys.exit(main(["--help"]))
"""
    done = _without_extras(code)
    assert done.returncode == 0, done.stderr
    assert "usage: aleph-tui" in done.stdout


def test_serve_says_how_to_add_its_extra() -> None:
    done = _without_extras("from aleph_tui.cli import main; sys.exit(main(['serve']))")
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "the [serve] extra" in lines[0], done.stderr
    assert f"{sys.executable} -m pip install" in lines[0] and "[serve]" in lines[0]


def test_the_devnet_commands_say_how_to_add_the_extra() -> None:
    for argv in (["--devnet"], ["devnet"], ["devnet", "--fault", "latency,delay_ms=5"]):
        done = _without_extras(f"from aleph_tui.cli import main; sys.exit(main({argv!r}))")
        assert done.returncode == 1, (argv, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, (argv, done.stderr)
        assert "the devnet is not installed" in lines[0]
        # The pip of this very interpreter, and the extra's name.
        assert f"{sys.executable} -m pip install" in lines[0]
        assert "[devnet]" in lines[0]
