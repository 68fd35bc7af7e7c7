"""Colour themes from files a user can copy and edit, validated before use; the choice is remembered."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from cin7_shopify.paths import config_dir, themes_dir
from cin7_shopify.state.storage import write_atomically

DEFAULT_THEME = "cin7-dark"


class ThemeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    success: str | None = None
    warning: str | None = None
    error: str | None = None

    @field_validator(
        "primary", "secondary", "accent", "foreground", "background", "surface", "panel", "success", "warning", "error"
    )
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"'{value}' is not a colour (use #RRGGBB)") from None
        return value

    def to_theme(self) -> Theme:
        return Theme(**self.model_dump())


def theme_folders() -> list[Path]:
    return [themes_dir(), config_dir() / "themes"]


def load_themes(folders: list[Path] | None = None) -> tuple[list[Theme], list[str]]:
    """Every valid theme file, and one line per file refused (the console shows those in one toast)."""
    themes: list[Theme] = []
    problems: list[str] = []
    for folder in folders or theme_folders():
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                themes.append(ThemeFile.model_validate(json.loads(path.read_text(encoding="utf-8"))).to_theme())
            except IsADirectoryError:
                problems.append(f"{path.name}: a folder, not a theme file")
            except OSError as exc:
                problems.append(f"{path.name}: cannot be read ({exc.strerror})")
            except (ValueError, ValidationError) as exc:
                detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else "not valid JSON"
                problems.append(f"{path.name}: {str(detail).removeprefix('Value error, ')}")
    return themes, problems


def _settings_path() -> Path:
    return config_dir() / "console.json"


def remembered_theme() -> str | None:
    try:
        value = json.loads(_settings_path().read_text()).get("theme")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def remember_theme(name: str) -> None:
    path = _settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps({"theme": name}))
