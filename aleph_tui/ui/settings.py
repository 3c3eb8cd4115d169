"""The dashboard's settings: ``config.toml`` in aleph-tui's config directory.

```toml
theme = "aleph-dark"        # written by the app when a theme is chosen
refresh_interval = 30       # seconds between automatic reloads; 0 turns them off

[keymap]                    # binding id = keys, as in the help screen (?)
reload = "f5,r"
view-history = "h"
```

Reading never raises: a problem comes back as a sentence naming the file, for a
notification, and the defaults stand in. Writing keeps the user's comments (tomlkit) and
replaces the file in one step; a file that cannot be parsed is never overwritten.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aleph_tui.core.accounts.key_storage import atomic_write
from aleph_tui.core.errors import ServiceError
from aleph_tui.core.paths import app_config_dir

CONFIG_NAME = "config.toml"
DEFAULT_REFRESH_INTERVAL = 30.0
KNOWN_SETTINGS = ("theme", "refresh_interval", "keymap")


class SettingsError(ServiceError):
    """The settings file could not be written; the sentence names the file."""


@dataclass(frozen=True)
class UiSettings:
    theme: str | None = None
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL
    keymap: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedSettings:
    settings: UiSettings
    path: Path
    problems: list[str] = field(default_factory=list)


def config_file() -> Path:
    return app_config_dir() / CONFIG_NAME


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
    problems: list[str] = []
    settings = UiSettings(
        theme=_theme(data.get("theme"), path, problems),
        refresh_interval=_refresh_interval(data.get("refresh_interval"), path, problems),
        keymap=_keymap(data.get("keymap"), path, problems),
    )
    for key in data:
        if key not in KNOWN_SETTINGS:
            problems.append(f"{path}: unknown setting '{key}' (known: {', '.join(KNOWN_SETTINGS)})")
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


def _theme(value: Any, path: Path, problems: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return value.strip()
    problems.append(f'{path}: theme must be a theme name, like "aleph-dark"')
    return None


def _refresh_interval(value: Any, path: Path, problems: list[str]) -> float:
    if value is None:
        return DEFAULT_REFRESH_INTERVAL
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    problems.append(
        f"{path}: refresh_interval must be a number of seconds, 0 or more "
        f"(got {value!r}); using {DEFAULT_REFRESH_INTERVAL:g}"
    )
    return DEFAULT_REFRESH_INTERVAL


def _keymap(value: Any, path: Path, problems: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f'{path}: keymap must be a table: [keymap] then binding-id = "keys"')
        return {}
    keymap: dict[str, str] = {}
    for binding_id, keys in value.items():
        if isinstance(keys, str) and _valid_keys(keys):
            keymap[binding_id] = ",".join(key.strip() for key in keys.split(","))
        else:
            problems.append(
                f'{path}: [keymap] {binding_id} must be keys like "f5" or "ctrl+r,f5" '
                f"(got {keys!r})"
            )
    return keymap


def _valid_keys(keys: str) -> bool:
    parts = [key.strip() for key in keys.split(",")]
    return all(part and " " not in part for part in parts)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
