"""A theme file a user wrote, validated before use (the console's own themes are trusted: a test checks them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme


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
