"""Themes as TOML files: the bundled ones (the repository's ``themes/``, shipped in the
wheel as ``aleph_tui.themes``) and the user's (``<config>/aleph-tui/themes/*.toml``).

A file maps onto ``textual.theme.Theme``::

    name = "aleph-dark"          # default: the file name without .toml
    primary = "#7B5CFF"          # the only colour required
    secondary = "#5100CD"        # also: warning error success accent foreground
    dark = true                  #       background surface panel boost
    luminosity_spread = 0.15
    text_alpha = 0.95

    [variables]                  # Textual's CSS variables and aleph-tui's own:
    amount-positive = "#3DDC97"  # credits coming in
    amount-negative = "#FF6B81"  # credits going out
    pending = "#FFB547"          # operations not settled yet

Loading never raises: a file that cannot be used comes back as a failure (its path and
a sentence) for a notification.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from aleph_tui.core.paths import app_config_dir

BUNDLED_PACKAGE = "aleph_tui.themes"
DEFAULT_THEME = "aleph-dark"
ANSI_THEMES = ("ansi-dark", "ansi-light")
COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
NUMBER_FIELDS = ("luminosity_spread", "text_alpha")
KNOWN_FIELDS = ("name", *COLOUR_FIELDS, "dark", *NUMBER_FIELDS, "variables")
# aleph-tui's own CSS variables; each theme may set them in [variables].
APP_COLOUR_VARIABLES = ("amount-positive", "amount-negative", "pending")


class ThemeFileError(ValueError):
    """A theme file that cannot be used; the sentence says why."""


@dataclass
class ThemeLoad:
    themes: list[Theme] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, problem)

    def extend(self, other: ThemeLoad) -> None:
        self.themes.extend(other.themes)
        self.failures.extend(other.failures)


def user_themes_dir() -> Path:
    return app_config_dir() / "themes"


def parse_theme(text: str, default_name: str) -> Theme:
    """A ``Theme`` from the text of a TOML theme file; raises ThemeFileError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"not valid TOML ({exc})") from None
    return theme_from_mapping(data, default_name)


def theme_from_mapping(data: dict[str, Any], default_name: str) -> Theme:
    unknown = sorted(set(data) - set(KNOWN_FIELDS))
    if unknown:
        raise ThemeFileError(
            f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(known: {', '.join(KNOWN_FIELDS)})"
        )
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError("name must be a non-empty string")
    if "primary" not in data:
        raise ThemeFileError('primary is required (a colour such as "#7B5CFF")')
    colours = {key: _colour(key, data[key]) for key in COLOUR_FIELDS if key in data}
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError("dark must be true or false")
    theme = Theme(
        name=name.strip(),
        primary=colours["primary"],
        secondary=colours.get("secondary"),
        warning=colours.get("warning"),
        error=colours.get("error"),
        success=colours.get("success"),
        accent=colours.get("accent"),
        foreground=colours.get("foreground"),
        background=colours.get("background"),
        surface=colours.get("surface"),
        panel=colours.get("panel"),
        boost=colours.get("boost"),
        dark=dark,
        variables=_variables(data.get("variables", {})),
    )
    for key in NUMBER_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ThemeFileError(f"{key} must be a number")
            setattr(theme, key, float(value))
    return theme


def load_theme_file(path: Path) -> Theme:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ThemeFileError(f"cannot be read ({reason})") from None
    return parse_theme(text, path.stem)


def load_user_themes(directory: Path | None = None) -> ThemeLoad:
    """Every ``*.toml`` in ``directory`` (default: ``user_themes_dir()``), sorted by name."""
    directory = directory or user_themes_dir()
    result = ThemeLoad()
    try:
        paths = sorted(directory.glob("*.toml"))
    except OSError as exc:
        result.failures.append((str(directory), f"cannot be listed ({exc.strerror or exc})"))
        return result
    for path in paths:
        try:
            result.themes.append(load_theme_file(path))
        except ThemeFileError as exc:
            result.failures.append((str(path), str(exc)))
    return result


def load_bundled_themes() -> ThemeLoad:
    """The themes shipped with aleph-tui: the ``aleph_tui.themes`` package data, or the
    repository's ``themes/`` when running from a checkout that does not map it."""
    result = ThemeLoad()
    for name, text in _bundled_files():
        try:
            result.themes.append(parse_theme(text, name.removesuffix(".toml")))
        except ThemeFileError as exc:
            result.failures.append((f"bundled theme {name}", str(exc)))
    return result


def _bundled_files() -> Iterable[tuple[str, str]]:
    # The package's folder itself, not importlib.resources: finding a namespace package
    # through the import system walked every path entry (33 ms of start-up).
    here = Path(__file__).resolve()
    installed = here.parents[1] / BUNDLED_PACKAGE.rpartition(".")[2]
    checkout = here.parents[2] / "themes"
    for directory in (installed, checkout):
        paths = sorted(directory.glob("*.toml"))
        if paths:
            return [(path.name, path.read_text(encoding="utf-8")) for path in paths]
    return []


def _colour(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f'{key} must be a colour string such as "#7B5CFF"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(f"{key} = {value!r} is not a colour") from None
    return value


def _variables(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ThemeFileError('variables must be a table: [variables] then name = "value"')
    variables: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str) or not item.strip():
            raise ThemeFileError(f"variables.{key} must be a non-empty string")
        if key in APP_COLOUR_VARIABLES:
            _colour(f"variables.{key}", item)
        else:
            _check_variable(key, item)
        variables[key] = item
    return variables


def _check_variable(name: str, value: str) -> None:
    """Parse the value as Textual would where such a variable is used, so that a bad
    value is reported now, not as a crash when a widget's styles first need it."""
    from textual.css.errors import StylesheetError
    from textual.css.stylesheet import Stylesheet

    if name.startswith("link-style"):
        rule, kind = "link-style", 'link style (e.g. "bold not underline")'
    elif "style" in name:
        rule, kind = "text-style", 'text style (e.g. "bold", "none")'
    else:
        rule, kind = "color", 'colour (e.g. "#7B5CFF", "#7B5CFF 35%", "auto 87%")'
    sheet = Stylesheet(variables={name: value})
    sheet.add_source(f"Widget {{ {rule}: ${name}; }}", read_from=("theme", name))
    try:
        sheet.parse()
    except StylesheetError:
        raise ThemeFileError(f"variables.{name} = {value!r} is not a {kind}") from None
