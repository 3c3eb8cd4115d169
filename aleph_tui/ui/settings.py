"""The dashboard's settings: ``config.toml`` in aleph-tui's config directory.

```toml
theme = "aleph-dark"        # written by the app when a theme is chosen
refresh_interval = 30       # seconds between automatic reloads; 0 turns them off
desktop_notifications = false  # true: also a desktop notification when an account's
                               # credits fall below its threshold (the [notify] extra)

[keymap]                    # binding id = keys, as in the help screen (?)
reload = "f5,r"
view-history = "h"
```

Reading never raises: a problem comes back as a sentence naming the file, the key and
the rule (the pydantic schema in ui/settings_schema.py), for a notification, and the
defaults stand in for the bad keys. Writing keeps the user's comments (tomlkit) and
replaces the file in one step; a file that cannot be parsed is never overwritten.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from aleph_tui.core.accounts.key_storage import atomic_write
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.paths import app_config_dir

CONFIG_NAME = "config.toml"
DEFAULT_REFRESH_INTERVAL = 30.0


class SettingsError(ServiceError):
    """The settings file could not be written; the sentence names the file."""


@dataclass(frozen=True)
class UiSettings:
    theme: str | None = None
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL
    keymap: dict[str, str] = field(default_factory=dict)
    desktop_notifications: bool = False


@dataclass(frozen=True)
class LoadedSettings:
    settings: UiSettings
    path: Path
    problems: list[str] = field(default_factory=list)


def config_file() -> Path:
    return app_config_dir() / CONFIG_NAME


def users_config_file() -> Path:
    """The settings file a user edits to keep a change: in a ``--devnet`` session too,
    whose own copy of it is thrown away at the end."""
    return app_config_dir(the_users=True) / CONFIG_NAME


def load_settings(path: Path | None = None) -> LoadedSettings:
    """The settings in ``path`` (default: ``config_file()``); a missing file is no problem."""
    path = path or config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedSettings(UiSettings(), path)
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedSettings(UiSettings(), path, [f"{path}: cannot be read ({_reason(exc)})"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return LoadedSettings(UiSettings(), path, [f"{path}: not valid TOML ({exc})"])
    from aleph_tui.ui.settings_schema import check

    checked, problems = check(data, path)
    settings = UiSettings(
        theme=checked.theme,
        refresh_interval=checked.refresh_interval,
        keymap=dict(checked.keymap),
        desktop_notifications=checked.desktop_notifications,
    )
    return LoadedSettings(settings, path, problems)


def save_theme(theme: str, path: Path | None = None) -> None:
    """Record ``theme`` in the settings file, keeping everything else in it as it is."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    path = path or config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: theme not saved, cannot read it ({_reason(exc)})") from None
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise SettingsError(
            f"{path}: theme not saved, the file is not valid TOML ({exc})"
        ) from None
    document["theme"] = theme
    try:
        atomic_write(path, tomlkit.dumps(document))
    except OSError as exc:
        raise SettingsError(f"{path}: theme not saved ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
