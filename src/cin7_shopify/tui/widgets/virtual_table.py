"""A read-only table that renders only the rows on screen, so 100,000 rows cost what 40 do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cin7_shopify.text import safe_text


@dataclass(frozen=True)
class Column:
    label: str
    width: int  # 0: take the rest


class VirtualTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    VirtualTable { height: 1fr; background: $surface; }
    VirtualTable > .virtual-table--header { text-style: bold; background: $panel; color: $text-primary; }
    VirtualTable > .virtual-table--cursor { background: $accent 40%; text-style: bold; }
    VirtualTable:focus > .virtual-table--cursor { background: $accent; color: $text; }
    VirtualTable > .virtual-table--blocker { color: $error; }
    VirtualTable > .virtual-table--warning { color: $warning; }
    VirtualTable > .virtual-table--info { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--blocker",
        "virtual-table--warning",
        "virtual-table--info",
    }
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False, id="table.up"),
        Binding("down", "move(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.pagedown"),
        Binding("home", "jump(0)", "First", show=False, id="table.home"),
        Binding("end", "jump(-1)", "Last", show=False, id="table.end"),
    ]
    cursor: reactive[int] = reactive(0)

    class Highlighted(Message):
        def __init__(self, table: VirtualTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.rows: Sequence[tuple[str, ...]] = []
        self.tones: Sequence[str] = []  # per row: blocker, warning, info or ""

    def set_rows(self, rows: Sequence[tuple[str, ...]], tones: Sequence[str] | None = None) -> None:
        self.rows = rows
        self.tones = tones or []
        self.virtual_size = Size(self._width(), len(rows) + 1)
        self.cursor = min(self.cursor, max(0, len(rows) - 1))
        self.refresh()
        if rows:
            self.post_message(self.Highlighted(self, self.cursor))

    def _width(self) -> int:
        return 0  # never wider than the screen: the flexible column takes what is left

    def _widths(self) -> list[int]:
        fixed = sum(c.width + 1 for c in self.columns if c.width)
        rest = max(10, self.scrollable_content_region.width - fixed)
        return [c.width or rest for c in self.columns]

    def _cells(self, values: Sequence[str]) -> str:
        parts = []
        for value, width in zip(values, self._widths(), strict=False):
            # Cells go to the terminal as they are. Made visible, a character only grows: a cell's first width + 1
            # characters tell what it shows (a 10 kB name was made visible in full for each line painted).
            text = safe_text(str(value)[: width + 1].replace("\n", " "))
            parts.append(text[: width - 1] + "…" if len(text) > width else text.ljust(width))
        return " ".join(parts)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            style = self.get_component_rich_style("virtual-table--header")
            text = self._cells([c.label for c in self.columns])
            return Strip([Segment(text[:width].ljust(width), style)])
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return Strip([Segment(" " * width, self.rich_style)])
        if index == self.cursor:
            style = self.get_component_rich_style("virtual-table--cursor")
        else:
            tone = self.tones[index] if index < len(self.tones) else ""
            style = self.get_component_rich_style(f"virtual-table--{tone}") if tone else Style()
        text = self._cells(self.rows[index])
        return Strip([Segment(text[:width].ljust(width), self.rich_style + style)])

    def watch_cursor(self, old: int, new: int) -> None:
        self._keep_cursor_in_view()
        self.refresh()
        if self.rows:
            self.post_message(self.Highlighted(self, new))

    def _keep_cursor_in_view(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 1:  # not laid out yet: try again once it is
            self.call_after_refresh(self._keep_cursor_in_view) if self.is_mounted and not height else None
            return
        visible = height - 1
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def on_resize(self) -> None:
        self._keep_cursor_in_view()

    def action_move(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 2))

    def action_jump(self, where: int) -> None:
        if self.rows:
            self.cursor = 0 if where == 0 else len(self.rows) - 1

    def on_click(self, event: object) -> None:
        offset = getattr(event, "y", 0)
        index = self.scroll_offset.y + offset - 1
        if 0 <= index < len(self.rows):
            self.cursor = index
