"""Logging for both faces: a rotating file under the tool's home, and stderr for the sync service.

The file keeps the traceback of any unexpected error (the person sees one line; whoever debugs it
reads the file). Shopify tokens are scrubbed from every record before it is written.
"""

from __future__ import annotations

import logging
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from cin7_shopify.paths import log_dir, private_folder
from cin7_shopify.text import safe_text

LOG_FILE = "cin7-shopify.log"
_TOKENS = re.compile(r"\b(shpat|shpca|shppa|shpss)_[A-Za-z0-9]+")
_configured: set[str] = set()


class _ScrubTokens(logging.Filter):
    """No token in any record, and no control character from a store's data on a terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = safe_text(_TOKENS.sub("[redacted]", message), multiline=True)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def log_file() -> Path:
    return log_dir() / LOG_FILE


def configure_logging(*, to_stderr: bool = False) -> Path | None:
    """Send the tool's records to the rotating file (and stderr, for `sync run`). Returns the file, or
    None where the tool's home cannot be written (then only stderr, if asked)."""
    package = logging.getLogger("cin7_shopify")
    package.setLevel(logging.INFO)
    package.propagate = False
    path: Path | None = log_file()
    if "file" not in _configured:
        try:
            assert path is not None
            private_folder(path.parent)
            handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
            path.chmod(0o600)
        except OSError:
            path = None
        else:
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            handler.addFilter(_ScrubTokens())
            package.addHandler(handler)
            _configured.add("file")
    if to_stderr and "stderr" not in _configured:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
        console.addFilter(_ScrubTokens())
        console.addFilter(lambda record: not getattr(record, "file_only", False))  # said on stderr already
        package.addHandler(console)
        _configured.add("stderr")
    return path


def reset_logging() -> None:
    """Detach every handler (tests point the tool's home somewhere new between runs)."""
    package = logging.getLogger("cin7_shopify")
    for handler in list(package.handlers):
        package.removeHandler(handler)
        handler.close()
    _configured.clear()
