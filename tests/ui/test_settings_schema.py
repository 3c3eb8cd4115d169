"""config.toml is checked by its pydantic schema (ui/settings_schema.py): every problem
names the file, the key and the rule; a bad key falls back alone, the others stand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aleph_tui.ui import settings as ui_settings


def _load(tmp_path: Path, text: str) -> ui_settings.LoadedSettings:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return ui_settings.load_settings(path)


def test_a_bad_key_falls_back_alone(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        'theme = "  nord "\nrefresh_interval = "45"\n[keymap]\nreload = "ctrl+r, f5"\n'
        "view-history = 5\n",
    )
    assert loaded.settings == ui_settings.UiSettings(
        theme="nord", refresh_interval=30.0, keymap={"reload": "ctrl+r,f5"}
    )
    path = tmp_path / "config.toml"
    assert loaded.problems == [
        f"{path}: refresh_interval must be a number of seconds, 0 or more (got '45'); using 30",
        f'{path}: [keymap] view-history must be keys like "f5" or "ctrl+r,f5" (got 5)',
    ]


def test_numbers_are_numbers_and_finite(tmp_path: Path) -> None:
    for text in ("refresh_interval = true\n", "refresh_interval = inf\n", "theme = ''\n"):
        loaded = _load(tmp_path, text)
        assert loaded.settings == ui_settings.UiSettings(), text
        assert len(loaded.problems) == 1 and " must be " in loaded.problems[0], text
    assert _load(tmp_path, "refresh_interval = 0\n").settings.refresh_interval == 0.0
    assert _load(tmp_path, "refresh_interval = 2.5\n").problems == []


def test_without_a_settings_file_pydantic_is_not_loaded(tmp_path: Path) -> None:
    """The check costs ~70 ms of start-up: a start without a settings file skips it."""
    probe = (
        "import sys; from pathlib import Path; from aleph_tui.ui import settings; "
        f"settings.load_settings(Path({str(tmp_path / 'none.toml')!r})); "
        "print('pydantic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def test_desktop_notifications_are_off_unless_set_true(tmp_path: Path) -> None:
    assert not ui_settings.UiSettings().desktop_notifications
    assert _load(tmp_path, "desktop_notifications = true\n").settings.desktop_notifications
    loaded = _load(tmp_path, 'desktop_notifications = "yes"\n')
    assert not loaded.settings.desktop_notifications
    path = tmp_path / "config.toml"
    assert loaded.problems == [f"{path}: desktop_notifications must be true or false (got 'yes')"]
