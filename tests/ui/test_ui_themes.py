"""Themes: the bundled TOML files, user theme files, bad files as notifications, the chosen
theme remembered across runs, aleph-tui's CSS variables, and the packaging of themes/."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.theme import BUILTIN_THEMES

from aleph_tui.ui import settings as ui_settings
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.themes import (
    ThemeFileError,
    load_bundled_themes,
    load_user_themes,
    parse_theme,
)
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_harness import (
    SIZE,
    STUB_VIEWS,
    import_dev_accounts,
    make_service,
    make_store,
    notifications,
)

pytestmark = pytest.mark.usefixtures("isolated_config")

ROOT = Path(__file__).resolve().parents[2]
AppFactory = Callable[[], Awaitable[AlephApp]]

GOOD_THEME = """\
name = "harbour"
primary = "#1E88E5"
secondary = "#26A69A"
background = "#0B1A2A"
dark = true
luminosity_spread = 0.2

[variables]
amount-positive = "#00E676"
input-selection-background = "#1E88E5 35%"
block-cursor-text-style = "bold"
link-style-hover = "bold not underline"
"""


@pytest.fixture
def make_app(devnet: RunningDevnet, tmp_path: Path) -> AppFactory:
    store = make_store(tmp_path / "session")
    imported: list[bool] = []

    async def build() -> AlephApp:
        if not imported:
            await import_dev_accounts(store, 1)
            imported.append(True)
        return AlephApp(make_service(devnet, store, tmp_path / "session"), views=STUB_VIEWS)

    return build


def user_theme(config_dir: Path, name: str, text: str) -> Path:
    directory = config_dir / "themes"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text)
    return path


def write_config(config_dir: Path, text: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "config.toml"
    path.write_text(text)
    return path


# --- theme files ------------------------------------------------------------------------


def test_bundled_themes_load_with_the_app_variables() -> None:
    loaded = load_bundled_themes()
    assert loaded.failures == []
    themes = {theme.name: theme for theme in loaded.themes}
    assert {"aleph-dark", "aleph-light"} <= set(themes)
    assert themes["aleph-dark"].dark and not themes["aleph-light"].dark
    for theme in themes.values():
        assert {"amount-positive", "amount-negative", "pending"} <= set(theme.variables)


def test_every_repository_theme_file_is_valid() -> None:
    for path in sorted((ROOT / "themes").glob("*.toml")):
        theme = parse_theme(path.read_text(), path.stem)
        assert theme.name == path.stem, f"{path.name}: name should match the file name"


def test_a_theme_file_maps_onto_textual_theme() -> None:
    theme = parse_theme(GOOD_THEME, "fallback")
    assert theme.name == "harbour"
    assert theme.primary == "#1E88E5"
    assert theme.background == "#0B1A2A"
    assert theme.luminosity_spread == 0.2
    assert theme.variables["amount-positive"] == "#00E676"
    assert theme.variables["link-style-hover"] == "bold not underline"
    assert parse_theme('primary = "red"', "from-file-name").name == "from-file-name"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("primary = ", "not valid TOML"),
        ('name = "x"', "primary is required"),
        ('primary = "#12345"', "primary = '#12345' is not a colour"),
        ('primary = "red"\nsurface = "blurple"', "surface = 'blurple' is not a colour"),
        ('primary = "red"\nprimery = "blue"', "unknown field primery"),
        ('primary = "red"\ndark = "yes"', "dark must be true or false"),
        ('primary = "red"\ntext_alpha = "high"', "text_alpha must be a number"),
        ('primary = "red"\nvariables = 3', "variables must be a table"),
        ('primary = "red"\n[variables]\npending = "soon"', "variables.pending = 'soon'"),
        ("primary = 7", "primary must be a colour string"),
        ('primary = "red"\n[variables]\ninput-cursor-text-style = "wavy"', "is not a text style"),
        ('primary = "red"\n[variables]\nlink-style = "loud"', "is not a link style"),
        ('primary = "red"\n[variables]\nfooter-key-foreground = "$accent"', "is not a colour"),
    ],
)
def test_bad_theme_files_say_why(text: str, problem: str) -> None:
    with pytest.raises(ThemeFileError, match=None) as raised:
        parse_theme(text, "bad")
    assert problem in str(raised.value)


def test_user_themes_load_and_failures_are_collected(isolated_config: Path) -> None:
    good = user_theme(isolated_config, "harbour.toml", GOOD_THEME)
    bad = user_theme(isolated_config, "broken.toml", 'primary = "nope"')
    user_theme(isolated_config, "notes.txt", "not a theme")
    loaded = load_user_themes()
    assert [theme.name for theme in loaded.themes] == ["harbour"]
    assert loaded.failures == [(str(bad), "primary = 'nope' is not a colour")]
    assert good.exists()


def test_no_user_theme_directory_is_fine(isolated_config: Path) -> None:
    assert not (isolated_config / "themes").exists()
    loaded = load_user_themes()
    assert loaded.themes == [] and loaded.failures == []


# --- in the app -------------------------------------------------------------------------


async def test_the_app_starts_in_aleph_dark_with_bundled_and_user_themes(
    make_app: AppFactory, isolated_config: Path
) -> None:
    user_theme(isolated_config, "harbour.toml", GOOD_THEME)
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "aleph-dark"
        available = set(app.available_themes)
        assert {"aleph-dark", "aleph-light", "harbour", "nord", "textual-dark"} <= available
        assert not {"ansi-dark", "ansi-light"} & available
        assert set(BUILTIN_THEMES) - {"ansi-dark", "ansi-light"} <= available
        dark = app.get_theme("aleph-dark")
        assert dark is not None
        assert app.theme_variables["amount-positive"] == dark.variables["amount-positive"]
        app.theme = "harbour"
        await pilot.pause()
        assert app.theme_variables["amount-positive"] == "#00E676"
        # A theme without aleph-tui's variables falls back on its own colours.
        app.theme = "nord"
        await pilot.pause()
        nord = BUILTIN_THEMES["nord"]
        assert app.theme_variables["amount-negative"] == nord.error
        assert app.theme_variables["pending"] == nord.warning
        assert not notifications(app)


async def test_bad_user_themes_are_notifications_and_the_app_keeps_running(
    make_app: AppFactory, isolated_config: Path
) -> None:
    bad_toml = user_theme(isolated_config, "broken.toml", "primary = [")
    bad_colour = user_theme(isolated_config, "muddy.toml", 'primary = "mud"')
    # Valid colours, but a variable that would break the styles once applied.
    bad_css = user_theme(
        isolated_config,
        "sneaky.toml",
        'primary = "#336699"\n[variables]\nfooter-key-foreground = "not-a-colour"\n',
    )
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = "\n".join(notifications(app))
        assert f"{bad_toml}: not valid TOML" in shown
        assert f"{bad_colour}: primary = 'mud' is not a colour" in shown
        assert f"{bad_css}: variables.footer-key-foreground = 'not-a-colour' is not a" in shown
        assert "sneaky" not in app.available_themes
        assert app.theme == "aleph-dark"
        await pilot.press("2")
        assert app.shown_view == "history"
        assert bad_css.exists()


async def test_the_chosen_theme_is_remembered_across_runs(
    make_app: AppFactory, isolated_config: Path
) -> None:
    config = write_config(
        isolated_config, '# my settings\nrefresh_interval = 45\n\n[keymap]\nreload = "f5"\n'
    )
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "aleph-dark"
        assert "theme" not in tomllib.loads(config.read_text())  # nothing chosen yet
        app.theme = "aleph-light"
        await pilot.pause()
    text = config.read_text()
    assert "# my settings" in text  # the user's comments survive
    assert tomllib.loads(text) == {
        "refresh_interval": 45,
        "theme": "aleph-light",
        "keymap": {"reload": "f5"},
    }
    again = await make_app()
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "aleph-light"
        again.theme = "gruvbox"
        await pilot.pause()
    assert ui_settings.load_settings(config).settings.theme == "gruvbox"


async def test_an_unknown_saved_theme_falls_back_with_a_warning(
    make_app: AppFactory, isolated_config: Path
) -> None:
    write_config(isolated_config, 'theme = "vanished"\n')
    app = await make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "aleph-dark"
        assert any("theme 'vanished' is not available" in n for n in notifications(app))


# --- settings file ----------------------------------------------------------------------


def test_settings_problems_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = 3\nrefresh_interval = -1\ncolour = "x"\nkeymap = "r"\n')
    loaded = ui_settings.load_settings(path)
    assert loaded.settings == ui_settings.UiSettings()
    assert all(problem.startswith(f"{path}: ") for problem in loaded.problems)
    joined = "\n".join(loaded.problems)
    for fragment in ("theme must be", "refresh_interval must be", "unknown setting 'colour'"):
        assert fragment in joined
    assert "keymap must be a table" in joined


def test_save_theme_writes_atomically_and_creates_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    ui_settings.save_theme("nord", path)
    assert tomllib.loads(path.read_text()) == {"theme": "nord"}
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left


def test_save_theme_never_overwrites_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("theme = [")
    with pytest.raises(ui_settings.SettingsError, match="not valid TOML"):
        ui_settings.save_theme("nord", path)
    assert path.read_text() == "theme = ["


# --- packaging --------------------------------------------------------------------------


def test_every_package_directory_is_listed_for_the_wheel() -> None:
    """pyproject lists packages by hand (to map themes/); a new package must be added."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "aleph_tui").rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"
    assert setuptools["package-dir"] == {"aleph_tui.themes": "themes"}
    assert setuptools["package-data"]["aleph_tui.themes"] == ["*.toml"]
    data_dirs = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "aleph_tui").rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }
    assert data_dirs <= set(setuptools["package-data"]), "package data not shipped"


# --- snapshot -----------------------------------------------------------------------------


def test_snapshot_aleph_light(
    snap_compare: Any, devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "session"
    config = tmp_path / "fixed-config" / "aleph-tui"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('theme = "aleph-light"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config.parent))
    store = make_store(home)
    asyncio.run(import_dev_accounts(store, 3))
    app = AlephApp(make_service(devnet, store, home), views=STUB_VIEWS)
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=SIZE)
