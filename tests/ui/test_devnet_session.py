"""``aleph-tui --devnet``'s session (ui/devnet_session.py) keeps out of the user's files:
thresholds, watch list, journal and caches live in its throwaway directory, and its keys
are said to be in the session keyring, not the OS's."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from aleph_tui.core.paths import app_config_dir
from aleph_tui.devnet.chain.engine import dev_accounts
from aleph_tui.ui.devnet_session import devnet_session
from aleph_tui.ui.screens.help_screen import HelpScreen
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import SIZE, UiTestApp, open_view, shown, until


def files_under(home: Path) -> dict[str, str]:
    """Every file of the isolated home but the logs (which stay the user's)."""
    return {
        str(path.relative_to(home)): path.read_text(errors="replace")
        for path in sorted(home.rglob("*"))
        if path.is_file() and "state" not in path.relative_to(home).parts
    }


async def test_a_devnet_session_reads_and_writes_none_of_the_users_files(
    devnet: RunningDevnet, isolated_config: Path, tmp_path: Path
) -> None:
    dev0 = dev_accounts(1)[0].address
    real = app_config_dir() / "thresholds.toml"
    real.parent.mkdir(parents=True)
    real.write_text(f'[thresholds]\n"{dev0}" = 999999999999999\n')
    before = files_under(tmp_path)

    async with devnet_session(devnet.document) as service:
        # The user's threshold would show dev-0 "low" on the throwaway devnet.
        assert service.low_balance_threshold(dev0) is None
        service.set_low_balance_threshold(dev0, 5)
        assert service.low_balance_thresholds() == {dev0: 5}
        service.watch("carol", dev_accounts(4)[3].address)
        app = UiTestApp(service)
        async with app.run_test(size=SIZE) as pilot:
            await open_view(pilot, "accounts")
            await until(pilot, lambda: "dev-0" in shown(app), "the dev accounts")
            assert "session keyring (throwaway" in shown(app)
            assert "OS keyring" not in shown(app)
            assert "a throwaway store for this devnet session" in shown(app)
            assert "shared with the aleph CLI" not in shown(app)
            # Help sends a remapping to the user's own settings, which outlive the
            # session, not to the throwaway copy the session reads.
            await pilot.press("escape", "question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
            await pilot.pause()
            hint = str(app.screen.query_one(".hint", Static).render())
            assert f"Remap a key in {real.parent / 'config.toml'}:" in hint
            assert app.config_path != real.parent / "config.toml"

    assert files_under(tmp_path) == before
