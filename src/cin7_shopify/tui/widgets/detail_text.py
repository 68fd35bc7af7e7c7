"""A detail pane's text, and any Static's, set again only when it changed."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.visual import VisualType
from textual.widgets import Static


class DetailText(Static):
    """The text under a table that tells the highlighted row's story.

    Screens draw it again whenever their rows may have changed (the pilot at every step of a trace), and
    setting a Static's text wraps and lays all of it out again, even the same text: in a hostile-text walk 82
    of the pilot's 95 updates were the text already shown, ~0.1 s each for a 10 kB name. The same text with
    the same styles is left as it is.
    """

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        if _same(content, self.content):
            return
        super().update(content, layout=layout)


def _same(new: VisualType, shown: VisualType) -> bool:
    if isinstance(new, Content) and isinstance(shown, Content):
        return new.plain == shown.plain and new.spans == shown.spans  # Content's == compares the text only
    if isinstance(new, Text) and isinstance(shown, Text):  # Text's == leaves out its own style
        return new == shown and (new.style, new.justify, new.overflow, new.no_wrap, new.end) == (
            shown.style,
            shown.justify,
            shown.overflow,
            shown.no_wrap,
            shown.end,
        )
    return isinstance(new, str) and isinstance(shown, str) and new == shown


def show(widget: Static, content: VisualType) -> None:
    """Set a Static's (or a Label's) text unless it shows it already: setting it lays the screen out again, even
    to the same text (home's status, checklist and progress line are set again at every refresh and step)."""
    if not _same(content, widget.content):
        widget.update(content)
