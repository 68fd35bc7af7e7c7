"""Time as the API clients and the sandboxes see it.

Rate limits are minutes long; a controllable clock lets tests and benchmarks run them in
milliseconds while the code under test behaves exactly as it would against the wall clock.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""

    async def sleep(self, seconds: float) -> None:
        """Wait this long on this clock."""


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        import asyncio  # here, not at the top: a command that fails fast never loads asyncio

        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when something sleeps on it or a test advances it.

    Concurrent sleepers behave like parallel waits: each wakes at the time it asked for,
    so two tasks sleeping 10 s together advance the clock by 10 s, not 20 s.
    """

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        import asyncio

        wake_at = self._now + max(0.0, seconds)
        await asyncio.sleep(0)
        self._now = max(self._now, wake_at)
