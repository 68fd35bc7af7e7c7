"""Errors every face of the tool can show to a person: one line saying what is wrong and what to do."""

from __future__ import annotations


class ConsoleError(Exception):
    """An error with a message fit for a consultant's eyes (no secrets, no traceback needed)."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint

    def explain(self) -> str:
        """The one-line explanation printed by the CLI and shown by the console."""
        return f"{self.message} {self.hint}".strip()


# Exit status of every command (SCENARIO.md): the one place these numbers are written.
EXIT_OK = 0  # nothing blocking
EXIT_BLOCKING = 1  # blocking problems found
EXIT_CANNOT_RUN = 2  # bad input, no credentials, no connection
EXIT_INTERRUPTED = 130  # Ctrl-C
