"""Writing reports: stdout or a file, never half-written."""

from __future__ import annotations

import sys
from pathlib import Path

from cin7_shopify.state.storage import write_atomically


def emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomically(out, text)
