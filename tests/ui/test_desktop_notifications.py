"""Desktop notifications through a real session D-Bus: the dashboard, with
``desktop_notifications = true``, sends a low-balance warning to the
org.freedesktop.Notifications service, as a desktop's notification daemon receives it.

The service is a minimal one the test starts on the session bus (tests/support/
notification_service.py), recording every Notify call. CI runs the suite under
``dbus-run-session`` (.ci/run), so there a missing bus is a failure; elsewhere the test
is skipped (run it with ``dbus-run-session -- .venv/bin/python -m pytest …``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aleph_tui.ui.desktop_notices import APP_NAME
from aleph_tui.ui.low_balance import NOTIFY_TITLE
from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.usage_view import UsageView
from aleph_tui.ui.widgets import amount_text as fmt
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated
from tests.support.notification_service import NameTaken, Recorder, start
from tests.support.ui_app import PATIENCE_S, build_app, open_view, wait_for_workers

HOW = "run under dbus-run-session, as .ci/run does"
SIZE = (160, 45)
HUGE = 10**15  # a threshold above any balance


def unavailable(reason: str) -> None:
    message = f"no usable session D-Bus for a notification service: {reason}; {HOW}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
async def notifications() -> AsyncIterator[Recorder]:
    recorder = Recorder()
    problem = ""
    try:
        bus = await start(recorder)
    except NameTaken as exc:
        problem = str(exc)
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        unavailable(problem)
    yield recorder
    bus.disconnect()


def _settings(config: Path, text: str) -> None:
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(text)


async def test_a_low_balance_reaches_the_desktop_when_asked(
    notifications: Recorder,
    devnet: RunningDevnet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with isolated(tmp_path, monkeypatch) as config:
        _settings(config, "desktop_notifications = true\n")
        app = await build_app(devnet.document, tmp_path)
        app.views = [ViewSpec.of(UsageView)]
        account = app.service.account_list()[0]
        app.service.set_low_balance_threshold(account.address, HUGE)
        async with app.run_test(size=SIZE) as pilot:
            await open_view(pilot, "usage")
            await asyncio.wait_for(notifications.arrived.wait(), PATIENCE_S)
            await wait_for_workers(pilot)
        [notice] = notifications.notices
        assert notice.app_name == APP_NAME
        assert notice.summary == NOTIFY_TITLE
        assert notice.body.startswith(f"{account.name}: ")
        assert f"below the low-balance threshold of {fmt.credits(HUGE)}" in notice.body
        assert notice.urgency == 1  # normal
        assert any(n.startswith(f"{NOTIFY_TITLE}\n") for n in app.notified)  # and in-app


async def test_nothing_reaches_the_desktop_by_default(
    notifications: Recorder,
    devnet: RunningDevnet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with isolated(tmp_path, monkeypatch):
        app = await build_app(devnet.document, tmp_path)
        app.views = [ViewSpec.of(UsageView)]
        account = app.service.account_list()[0]
        app.service.set_low_balance_threshold(account.address, HUGE)
        async with app.run_test(size=SIZE) as pilot:
            await open_view(pilot, "usage")
            await wait_for_workers(pilot)
            assert any(n.startswith(f"{NOTIFY_TITLE}\n") for n in app.notified)
        assert not app.settings.desktop_notifications
        assert notifications.notices == []
