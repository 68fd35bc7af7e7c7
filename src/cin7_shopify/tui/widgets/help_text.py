"""Help's text: the console's own Markdown drawn as one widget, parsed once a process.

Textual's Markdown widget makes a widget of every block, list item and table cell (about seventy for a
screen's help and the keymap), each styled, laid out and painted as help opens: 0.4-0.6 s CPU an opening.
Help's Markdown is the console's own and uses little of it (headings, paragraphs, lists, a table, bold,
italic and code), so it is drawn here as wrapped lines of text in one widget: a list item's and a table
row's following lines indented under their first, colours from the theme's variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from textual.content import Content
from textual.visual import Visual

if TYPE_CHECKING:
    from markdown_it.token import Token
    from textual.css.styles import RulesMap
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions

HEADING = "bold $text-primary"
INLINE = {"strong": "bold", "em": "italic", "s": "strike"}
CODE = "$text-warning"
RULE = "$text-muted"
BULLET = "• "
KEY_SHARE = 3  # a table's first columns take at most a third of the width between them; the last one wraps


@dataclass
class _Text:
    """A heading, a paragraph or a list item's paragraph: `prefix` before its first line, `indent` before the
    others."""

    text: Content
    prefix: str = ""
    indent: str = ""
    gap: bool = True  # a blank line before it

    def lines(self, width: int) -> list[Content]:
        wrapped = self.text.wrap(max(width - len(self.indent), 1)) or [Content("")]
        return [Content(self.prefix) + wrapped[0], *(Content(self.indent) + line for line in wrapped[1:])]


@dataclass
class _Row:
    """A table row: every cell but the last kept on its line at its column's width, the last one wrapped
    beside them. The header row is underlined by a rule."""

    cells: list[Content]
    gap: bool
    header: bool = False
    widths: list[int] = field(default_factory=list)

    def lines(self, width: int) -> list[Content]:
        *keys, last = self.cells
        room = max(width // KEY_SHARE - 2 * len(keys), len(keys))
        left = Content("")
        for cell, column in zip(keys, self.widths, strict=True):
            shown = min(column, max(room // len(keys), 1))
            left += (cell if cell.cell_length <= shown else cell.truncate(shown)).pad_right(shown - cell.cell_length)
            left += "  "
        margin = left.cell_length
        wrapped = last.wrap(max(width - margin, 1)) or [Content("")]
        lines = [left + wrapped[0], *(Content(" " * margin) + line for line in wrapped[1:])]
        if self.header:
            lines.append(Content.styled("─" * width, RULE))
        return lines


class HelpDocument(Visual):
    """Markdown as wrapped lines of text, built once for each width it is drawn at."""

    def __init__(self, blocks: list[_Text | _Row]) -> None:
        self.blocks = blocks
        self._lines: dict[int, tuple[Content, int]] = {}

    def lines(self, width: int) -> tuple[Content, int]:
        """The document at `width` cells, one line of the Content a line on screen; and how many."""
        if width not in self._lines:
            lines: list[Content] = []
            for block in self.blocks:
                if lines and block.gap:
                    lines.append(Content(""))
                lines.extend(block.lines(width))
            self._lines[width] = Content("\n").join(lines), len(lines)
        return self._lines[width]

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return self.lines(width)[0].render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_minimal_width(self, rules: RulesMap) -> int:
        return 20

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.lines(width)[1]


@lru_cache(maxsize=32)
def help_document(markdown: str) -> HelpDocument:
    """The console's own Markdown (a screen's help and the keymap, a dialog's question) as one Visual; the same
    text is parsed once."""
    from markdown_it import MarkdownIt  # here: markdown-it loads when help is first opened

    return HelpDocument(_blocks(MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)))


def _blocks(tokens: list[Token]) -> list[_Text | _Row]:
    blocks: list[_Text | _Row] = []
    lists: list[list[int]] = []  # each open list: [items so far, number of the next item, or 0 for bullets]
    paragraphs_in_item = 0
    heading = header = False
    row: list[Content] | None = None
    table_rows = 0
    for token in tokens:
        kind = token.type
        if kind == "bullet_list_open":
            lists.append([0, 0])
        elif kind == "ordered_list_open":
            lists.append([0, int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1][0] += 1
            paragraphs_in_item = 0
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "table_open":
            table_rows = 0
        elif kind == "thead_open":
            header = True
        elif kind == "thead_close":
            header = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            blocks.append(_Row(row, gap=table_rows == 0, header=header))
            table_rows += 1
            row = None
        elif kind == "inline" and row is not None:
            row.append(_inline(token, "bold" if header else None))
        elif kind == "inline" and lists:
            items, number = lists[-1]
            marker = f"{number + items - 1}. " if number else BULLET
            depth = "  " * (len(lists) - 1)
            indent = depth + " " * len(marker)
            first = paragraphs_in_item == 0
            # A list's items follow one another; the list, and a second paragraph in an item, stand apart.
            gap = not first or (items == 1 and len(lists) == 1)
            blocks.append(_Text(_inline(token, None), depth + marker if first else indent, indent, gap))
            paragraphs_in_item += 1
        elif kind == "inline":
            blocks.append(_Text(_inline(token, HEADING if heading else None)))
    _size_columns(blocks)
    return blocks


def _size_columns(blocks: list[_Text | _Row]) -> None:
    """Each table's first columns as wide as their widest cell."""
    rows = [block for block in blocks if isinstance(block, _Row)]
    tables: list[list[_Row]] = []
    for row in rows:
        if row.gap:
            tables.append([])
        tables[-1].append(row)
    for table in tables:
        columns = len(table[0].cells) - 1
        widths = [max(row.cells[column].cell_length for row in table) for column in range(columns)]
        for row in table:
            row.widths = widths


def _inline(token: Token, style: str | None) -> Content:
    """An inline token's text with its bold, italic and code as spans: the text itself is never read as markup."""
    parts: list[str | tuple[str, str]] = []
    styles: list[str] = [style] if style else []
    for child in token.children or []:
        kind = child.type
        if kind == "text":
            parts.append((child.content, " ".join(styles)) if styles else child.content)
        elif kind == "code_inline":
            parts.append((child.content, " ".join([*styles, CODE])))
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind.endswith("_open") and kind.removesuffix("_open") in INLINE:
            styles.append(INLINE[kind.removesuffix("_open")])
        elif kind.endswith("_close") and kind.removesuffix("_close") in INLINE:
            styles.pop()
    return Content.assemble(*parts)
