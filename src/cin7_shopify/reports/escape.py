"""Text from Shopify, Cin7 Core or the journal is data, never markup: escaped where a report renders it."""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # with < > & as entities: nothing left to make markup


def md(text: object) -> str:
    """Safe inside a Markdown table cell or line: no pipes that split cells, no emphasis, links or raw HTML."""
    flat = " ".join(str(text).split())  # a newline would end the table row
    return html.escape(_MD_SPECIAL.sub(r"\\\1", flat), quote=False)


def esc(text: object) -> str:
    """Safe as HTML text or a quoted attribute value."""
    return html.escape(str(text), quote=True)
