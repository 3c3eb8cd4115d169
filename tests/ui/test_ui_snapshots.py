"""How every view looks, as SVG snapshots (pytest-textual-snapshot).

The devnet runs with ``--clock`` and the app with the same fixed ``now()``, so the seeded
balances, expiries, history and "last updated" read the same on any day. Baselines live
in ``tests/ui/__snapshots__/test_ui_snapshots/``; after a deliberate change, review
``snapshot_report.html`` and accept with ``pytest tests/ui/test_ui_snapshots.py
--snapshot-update``.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from aleph_tui.ui.views import all_views
from tests.support.devnet_process import RunningDevnet, start_devnet
from tests.support.isolation import isolated
from tests.support.ui_app import (
    DEVNET_CLOCK,
    FIXED_NOW,
    SIZE,
    build_app_sync,
    fill,
    open_view,
    settle_loaded,
)

SnapCompare = Callable[..., bool]


@pytest.fixture(scope="module")
def clock_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    """A devnet whose "now" is fixed: its seeded history and balances never move."""
    running = start_devnet(
        tmp_path_factory.mktemp("devnet-clock"), "--chain", "embedded", "--clock", DEVNET_CLOCK
    )
    yield running
    running.stop()


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_devnet_clock_fixes_seeding_and_expiry(clock_devnet: RunningDevnet) -> None:
    """Seeded history ends just before the fixed "now", and balances count the lots
    still valid then, not today."""
    address = clock_devnet.document["accounts"][0]["address"]
    with httpx.Client(base_url=clock_devnet.api_url, timeout=30) as client:
        balance = client.get(
            f"/api/v0/addresses/{address}/balance", params={"include_credit_details": "true"}
        ).json()
        history = client.get(
            f"/api/v0/addresses/{address}/credit_history",
            params={"pagination": 1, "page": 1},
        ).json()["credit_history"]
    newest = max(_instant(row["message_timestamp"]) for row in history)
    assert FIXED_NOW - dt.timedelta(days=2) < newest < FIXED_NOW
    lots = balance["credit_balance_details"]
    assert lots and balance["credit_balance"] == sum(lot["amount"] for lot in lots)
    expiries = [_instant(lot["expiration_date"]) for lot in lots if lot["expiration_date"]]
    assert min(expiries) > FIXED_NOW
    assert min(expiries) < FIXED_NOW + dt.timedelta(days=60)  # "expiring soon" is seeded


def test_a_bad_clock_is_refused_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aleph_tui", "devnet", "--clock", "next tuesday"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--clock" in result.stderr and "ISO 8601" in result.stderr


@pytest.mark.parametrize("view_id", [view.view_id for view in all_views()])
def test_view_looks(
    view_id: str,
    clock_devnet: RunningDevnet,
    snap_compare: SnapCompare,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with isolated(tmp_path, monkeypatch):
        app = build_app_sync(clock_devnet.document, tmp_path)

        async def show(pilot: Pilot[Any]) -> None:
            await open_view(pilot, view_id)
            await settle_loaded(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=show)


async def _import_dialog(pilot: Pilot[Any]) -> None:
    await pilot.press("i")
    await fill(pilot, "#import-name", "savings")
    await fill(pilot, "#import-key", "ab" * 32)  # shown masked


async def _remove_dialog(pilot: Pilot[Any]) -> None:
    await pilot.press("down", "down", "x")
    await fill(pilot, "#remove-confirm", "dev-")


DIALOGS = {"import": _import_dialog, "remove": _remove_dialog}


@pytest.mark.parametrize("dialog", sorted(DIALOGS))
def test_account_dialog_looks(
    dialog: str,
    clock_devnet: RunningDevnet,
    snap_compare: SnapCompare,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with isolated(tmp_path, monkeypatch):
        app = build_app_sync(clock_devnet.document, tmp_path)

        async def show(pilot: Pilot[Any]) -> None:
            await open_view(pilot, "accounts")
            await DIALOGS[dialog](pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=show)
