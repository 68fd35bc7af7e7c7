"""Writing reports: stdout or a file, never half-written."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from cin7_shopify.errors import ConsoleError
from cin7_shopify.text import safe_text


def write_text_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside the target, fsync, then rename over it."""
    target = path.expanduser()
    if target.is_dir():
        raise ConsoleError(f"{target} is a folder.", hint="Give a file name, e.g. --out report.md")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.exists():
        raise ConsoleError(f"The folder {directory} does not exist.", hint="Create it first or choose another path.")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def emit(text: str, out: Path | None) -> None:
    """A report to stdout or a file. Reports escape outside text themselves; this is the last guard,
    so that no control character from a store's data reaches a terminal (CSV keeps its CRLF)."""
    text = "\r\n".join(safe_text(part, multiline=True) for part in text.split("\r\n"))
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_text_atomically(out, text)
