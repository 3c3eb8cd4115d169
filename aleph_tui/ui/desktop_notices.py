"""Desktop notifications (desktop-notifier, the ``[notify]`` extra), off by default.

With ``desktop_notifications = true`` in the dashboard's config.toml, a warning that
matters when the terminal is hidden (an account's credits falling below its threshold)
is also sent to the desktop's notification service: org.freedesktop.Notifications on the
session D-Bus on Linux, the notification centre on macOS and Windows. desktop-notifier is
imported on first use, so the dashboard's start-up never pays for it; without it, the
dashboard says once which install adds it. A send that fails (no session bus, no
notification service) is logged by desktop-notifier and never reaches the dashboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

APP_NAME = "aleph-tui"
TIMEOUT_S = 10
MISSING = (
    "desktop_notifications is on, but desktop-notifier is not installed: "
    "pip install 'aleph-tui[notify]'"
)


class DesktopNotices:
    """The dashboard's desktop notifications; ``send`` does nothing unless ``enabled``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._notifier: Any = None  # a DesktopNotifier, made on first use
        self._missing_told = False

    def send(self, app: App[Any], title: str, message: str) -> None:
        """Send ``title`` and ``message`` to the desktop, in a named worker."""
        if not self.enabled:
            return
        app.run_worker(
            self._send(app, title, message),
            name="desktop-notification",
            group="desktop-notification",
            exit_on_error=False,
        )

    async def _send(self, app: App[Any], title: str, message: str) -> None:
        try:
            from desktop_notifier import DesktopNotifier
        except ImportError:
            if not self._missing_told:
                self._missing_told = True
                app.notify(MISSING, title="Settings", severity="warning", markup=False)
            return
        if self._notifier is None:
            self._notifier = DesktopNotifier(app_name=APP_NAME)
        await self._notifier.send(title=title, message=message, timeout=TIMEOUT_S)
