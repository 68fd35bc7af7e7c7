"""Colour themes from files a user can copy and edit, validated before use; the choice is remembered."""

from __future__ import annotations

import json
from pathlib import Path

from textual.theme import Theme

from cin7_shopify.paths import config_dir, themes_dir
from cin7_shopify.state.storage import write_atomically

DEFAULT_THEME = "cin7-dark"


def load_themes(folders: list[Path] | None = None) -> tuple[list[Theme], list[str]]:
    """Every valid theme file, and one line per file refused (the console shows those in one toast).

    By default the console's own themes, then the user's (config/themes); only the user's are validated
    (pydantic loads then), so the first frame never waits for the models."""
    themes: list[Theme] = []
    if folders is None:
        bundled = themes_dir()
        for path in sorted(bundled.glob("*.json")) if bundled.is_dir() else []:
            themes.append(Theme(**json.loads(path.read_text(encoding="utf-8"))))
        folders = [config_dir() / "themes"]
    problems: list[str] = []
    for folder in folders:
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            theme, problem = _user_theme(path)
            themes += [theme] if theme is not None else []
            problems += [problem] if problem is not None else []
    return themes, problems


def _user_theme(path: Path) -> tuple[Theme | None, str | None]:
    """A user's theme file, or the one line that says why it is not loaded."""
    from pydantic import ValidationError

    from cin7_shopify.tui.theme_file import ThemeFile

    try:
        return ThemeFile.model_validate(json.loads(path.read_text(encoding="utf-8"))).to_theme(), None
    except IsADirectoryError:
        return None, f"{path.name}: a folder, not a theme file"
    except OSError as exc:
        return None, f"{path.name}: cannot be read ({exc.strerror})"
    except (ValueError, ValidationError) as exc:
        detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else "not valid JSON"
        return None, f"{path.name}: {str(detail).removeprefix('Value error, ')}"


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
