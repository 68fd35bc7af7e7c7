"""A detail pane's text, set again only when it changed."""

from __future__ import annotations

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
    return isinstance(new, str) and isinstance(shown, str) and new == shown
