"""Writing reports: stdout or a file, never half-written."""

from __future__ import annotations

import sys
from pathlib import Path

from cin7_shopify.state.storage import write_atomically
from cin7_shopify.text import safe_text


def emit(text: str, out: Path | None) -> None:
    """A report to stdout or a file. Reports escape outside text themselves; this is the last guard,
    so that no control character from a store's data reaches a terminal (CSV keeps its CRLF)."""
    text = "\r\n".join(safe_text(part, multiline=True) for part in text.split("\r\n"))
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomically(out, text)
