"""The console's styles as parsed at an earlier start, kept on disk: home's first frame waits for no CSS parse.

Textual 8.2.8 parses each stylesheet source (console.tcss and every widget's DEFAULT_CSS) at every start, with
the theme's variables substituted: ~20 ms before home's first frame, the same work each time. What a start parsed
before its first frame is kept in the tool's cache folder, one file for each Textual, Python and set of theme
variables, and a later start takes a source's rules from it when the CSS text is the same. A file that is missing,
unreadable or from another version is parsed again and written anew; deleting the folder loses nothing. (Pickle:
the folder is the user's own, as Python's bytecode cache is.)
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

log = logging.getLogger("cin7_shopify.tui")

# What a source's rules depend on besides its variables: its CSS text, where it was read from, and how Textual
# weighs it (Stylesheet._parse_rules' own cache key).
SourceKey = tuple[str, Any, bool, int, str]


def _textual_installed() -> tuple[int, ...]:
    """Which Textual is installed, told by its parser's and rule model's files (an upgrade or a reinstall writes
    them anew). Not `textual.__version__`: that reads the package's metadata, ~25 ms."""
    import textual.css.model
    import textual.css.parse

    stats = [os.stat(module.__file__ or "") for module in (textual.css.parse, textual.css.model)]
    return tuple(number for stat in stats for number in (stat.st_mtime_ns, stat.st_size))


class KeptStylesheet(Stylesheet):
    def __init__(self, folder: Path, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self.folder = folder
        self._kept: dict[SourceKey, list[RuleSet]] = {}
        self._kept_for: object = None  # the variables `_kept` was read for
        self._parsed: dict[SourceKey, list[RuleSet]] = {}  # parsed here, not found in the file

    def _file(self) -> Path:
        variables = "\n".join(f"{name}={value}" for name, value in sorted(self._variables.items()))
        versions = f"textual {_textual_installed()} python {sys.version_info[:2]}"
        digest = hashlib.sha256(f"{versions}\n{variables}".encode()).hexdigest()[:20]
        return self.folder / f"styles-{digest}.pickle"

    def _kept_rules(self) -> dict[SourceKey, list[RuleSet]]:
        if self._kept_for is not self._variables:  # a theme of its own (Textual replaces the dict, never changes it)
            self._kept_for, self._kept, self._parsed = self._variables, {}, {}
            with contextlib.suppress(FileNotFoundError):
                try:
                    with self._file().open("rb") as stream:
                        kept = pickle.load(stream)
                    if isinstance(kept, dict):
                        self._kept = kept
                except Exception as exc:  # a torn or foreign file: parsed again, and written again
                    log.info("kept styles not read (%s: %s); parsing them", type(exc).__name__, exc)
        return self._kept

    def _parse_rules(
        self,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key: SourceKey = (css, read_from, is_default_rules, tie_breaker, scope)
        kept = self._kept_rules().get(key)
        if kept is not None:
            return kept
        rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
        if not any(rule.errors for rule in rules):  # a source with errors is refused again at each start
            self._parsed[key] = rules
        return rules

    def keep(self) -> None:
        """Write what this start parsed that the file did not have (after the first frame: what it needs)."""
        if not self._parsed:
            return
        kept = {**self._kept_rules(), **self._parsed}
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".styles.", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    pickle.dump(kept, stream, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, self._file())
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except Exception as exc:  # a read-only home, a full disk: each start parses, as Textual does
            log.info("kept styles not written (%s: %s)", type(exc).__name__, exc)
            return
        self._kept, self._parsed = kept, {}
