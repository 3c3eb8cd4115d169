"""The schema of the dashboard's ``config.toml`` (ui/settings.py): each key, its type and
its rule, as a pydantic model. A problem names the file, the key and the rule; a bad key
falls back to its default alone, the others stand.

Imported only when there is a file to check: pydantic and the model cost ~70 ms, which a
start without a settings file (the benchmarks' own) does not pay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from aleph_tui.ui.settings import DEFAULT_REFRESH_INTERVAL

KEYS_RULE = 'keys like "f5" or "ctrl+r,f5"'


def _theme_name(value: str) -> str:
    if not value.strip():
        raise ValueError("empty")
    return value.strip()


def _keys(value: str) -> str:
    """``"ctrl+r, f5"`` as ``"ctrl+r,f5"``; an empty key or one with a space is refused."""
    parts = [key.strip() for key in value.split(",")]
    if not all(part and " " not in part for part in parts):
        raise ValueError(KEYS_RULE)
    return ",".join(parts)


ThemeName = Annotated[str, Field(strict=True), AfterValidator(_theme_name)]
Keys = Annotated[str, Field(strict=True), AfterValidator(_keys)]


class SettingsFile(BaseModel):
    """config.toml. ``description`` is the rule a problem quotes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: ThemeName | None = Field(default=None, description='a theme name, like "aleph-dark"')
    refresh_interval: float = Field(
        default=DEFAULT_REFRESH_INTERVAL,
        strict=True,  # a number: no "30", no true
        ge=0,
        allow_inf_nan=False,
        description="a number of seconds, 0 or more",
    )
    desktop_notifications: bool = Field(default=False, strict=True, description="true or false")
    keymap: dict[str, Keys] = Field(
        default_factory=dict, description='a table: [keymap] then binding-id = "keys"'
    )


def check(data: dict[str, Any], path: Path) -> tuple[SettingsFile, list[str]]:
    """The settings ``data`` holds, with every invalid key (or keymap entry) left at its
    default, and one sentence per problem."""
    try:
        return SettingsFile.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors()
    problems: list[str] = []
    valid = dict(data)
    keymap = dict(data["keymap"]) if isinstance(data.get("keymap"), dict) else None
    fields = SettingsFile.model_fields
    for error in errors:
        key = str(error["loc"][0])
        if error["type"] == "extra_forbidden":
            known = ", ".join(fields)
            problems.append(f"{path}: unknown setting '{key}' (known: {known})")
        elif key == "keymap" and len(error["loc"]) > 1 and keymap is not None:
            binding = str(error["loc"][1])
            problems.append(
                f"{path}: [keymap] {binding} must be {KEYS_RULE} (got {error['input']!r})"
            )
            keymap.pop(binding, None)
            continue
        else:
            default = fields[key].get_default(call_default_factory=True)
            using = f"; using {default:g}" if isinstance(default, float) else ""
            problems.append(
                f"{path}: {key} must be {fields[key].description} (got {error['input']!r}){using}"
            )
        valid.pop(key, None)
    if keymap is not None and "keymap" in valid:
        valid["keymap"] = keymap
    return SettingsFile.model_validate(valid), list(dict.fromkeys(problems))
