"""Crash points: where the crash tests kill the sync, to prove nothing is duplicated or lost.

`CIN7_SHOPIFY_CRASH_AT=N` makes the process die (os._exit, no clean-up at all) at the Nth point it
reaches. The points are every durable write (each ledger and journal append, just after it is on
disk) and both sides of every remote write (just before it is sent, just after its answer arrives).
`CIN7_SHOPIFY_CRASH_LOG=FILE` appends the name of each point reached, so a script can enumerate them.
Unset, every crash point is free.
"""

from __future__ import annotations

import os


class SimulatedCrash(BaseException):
    """Raised instead of exiting, for in-process crash tests (BaseException: nothing may catch it)."""


class CrashPoints:
    def __init__(self, crash_at: int | None = None, *, exit_process: bool = True) -> None:
        if crash_at is None and os.environ.get("CIN7_SHOPIFY_CRASH_AT"):
            crash_at = int(os.environ["CIN7_SHOPIFY_CRASH_AT"])
        self.crash_at = crash_at
        self.exit_process = exit_process
        self.reached: list[str] = []

    def hit(self, name: str) -> None:
        self.reached.append(name)
        log = os.environ.get("CIN7_SHOPIFY_CRASH_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as stream:
                stream.write(name + "\n")
        if self.crash_at is not None and len(self.reached) == self.crash_at:
            if self.exit_process:
                os._exit(137)  # as abrupt as a kill -9: no finally, no flush
            raise SimulatedCrash(name)
