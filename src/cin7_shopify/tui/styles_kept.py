"""The console's styles as parsed at an earlier start, kept on disk: home's first frame waits for no CSS parse.

Textual 8.2.8 parses each stylesheet source (console.tcss and every widget's DEFAULT_CSS) at every start, with
the theme's variables substituted: ~20 ms before home's first frame, the same work each time. What a start parsed
before its first frame is kept in the tool's cache folder, one file for each Textual, Python and set of theme
variables, and a later start takes a source's rules from it when the CSS text is the same. A file that is missing,
unreadable or from another version is parsed again and written anew, and files of another version are removed;
deleting the folder loses nothing. Unpickling runs code: a file is read only if the user owns it and its folder and
no one else can write either.
"""

from __future__ import annotations

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

from cin7_shopify.paths import private_folder

log = logging.getLogger("cin7_shopify.tui")

# What a source's rules depend on besides its variables: its CSS text, where it was read from, and how Textual
# weighs it (Stylesheet._parse_rules' own cache key).
SourceKey = tuple[str, Any, bool, int, str]


def _textual_installed() -> str:
    """Which Textual is installed: its version, from the name of its metadata folder beside the package, and the
    size and time of the files that parse CSS and build the rules (a reinstall writes them anew). Not
    `textual.__version__`: that reads the package's metadata, ~25 ms."""
    import textual.css.model
    import textual.css.parse
    import textual.css.styles

    package = Path(textual.__file__ or "").parent
    versions = sorted(entry.name for entry in os.scandir(package.parent) if entry.name.startswith("textual-"))
    parser = Path(textual.css.parse.__file__ or "").parent
    files = [Path(m.__file__ or "") for m in (textual.css.parse, textual.css.model, textual.css.styles)]
    stats = [os.stat(file) for file in [*files, parser / "_styles_builder.py"]]
    return f"{versions} {[(stat.st_mtime_ns, stat.st_size) for stat in stats]}"


def _own_and_private(stat: os.stat_result) -> bool:
    """Written by this user and writable by no one else: the only kind of file this unpickles (a pickle runs code,
    and a shared home, such as a service's, is writable by others)."""
    return stat.st_uid == os.geteuid() and not stat.st_mode & 0o022


def _rules_only(kept: object) -> dict[SourceKey, list[RuleSet]] | None:
    """The file's content, if it is what `keep` writes: source keys to lists of rule sets."""
    if not isinstance(kept, dict):
        return None
    for key, rules in kept.items():
        if not (isinstance(key, tuple) and len(key) == 5 and isinstance(rules, list)):
            return None
        if not all(isinstance(rule, RuleSet) for rule in rules):
            return None
    return kept


class KeptStylesheet(Stylesheet):
    def __init__(self, folder: Path, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self.folder = folder
        self._kept: dict[SourceKey, list[RuleSet]] = {}
        self._kept_for: object = None  # the variables `_kept` was read for
        self._parsed: dict[SourceKey, list[RuleSet]] = {}  # parsed here, not found in the file

    def _file(self) -> Path:
        """styles-<this Textual and Python>-<these variables>.pickle"""
        versions = f"textual {_textual_installed()} python {sys.version_info[:2]}"
        variables = "\n".join(f"{name}={value}" for name, value in sorted(self._variables.items()))
        installed = hashlib.sha256(versions.encode()).hexdigest()[:12]
        theme = hashlib.sha256(variables.encode()).hexdigest()[:16]
        return self.folder / f"styles-{installed}-{theme}.pickle"

    def _kept_rules(self) -> dict[SourceKey, list[RuleSet]]:
        if self._kept_for is not self._variables:  # a theme of its own (Textual replaces the dict, never changes it)
            self._kept_for, self._kept, self._parsed = self._variables, {}, {}
            self._kept = self._read() or {}
        return self._kept

    def _read(self) -> dict[SourceKey, list[RuleSet]] | None:
        path = self._file()
        try:
            folder = self.folder.stat()
            with path.open("rb") as stream:
                if not (_own_and_private(folder) and _own_and_private(os.fstat(stream.fileno()))):
                    log.info("kept styles in %s not read: not the user's own, or writable by others", path)
                    return None
                kept = _rules_only(pickle.load(stream))
        except FileNotFoundError:
            return None
        except Exception as exc:  # torn, or not a pickle: parsed again, and written again
            log.info("kept styles not read (%s: %s); parsing them", type(exc).__name__, exc)
            return None
        if kept is None:
            log.info("kept styles in %s are not rule sets; parsing them", path)
        return kept

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
        path = self._file()
        try:
            private_folder(self.folder)
            handle, temporary = tempfile.mkstemp(prefix=".styles.", suffix=".tmp", dir=self.folder)  # owner-only
            try:
                with os.fdopen(handle, "wb") as stream:
                    pickle.dump(kept, stream, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            installed = path.name.split("-")[1]
            for other in self.folder.glob("styles-*.pickle"):  # another Textual's or Python's: never read again
                if other.name.split("-")[1] != installed:
                    other.unlink(missing_ok=True)
        except Exception as exc:  # a read-only home, a full disk: each start parses, as Textual does
            log.info("kept styles not written (%s: %s)", type(exc).__name__, exc)
            return
        self._kept, self._parsed = kept, {}
