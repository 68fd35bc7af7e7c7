"""One call budget per Cin7 Core account, shared by every caller.

Cin7 Core allows 60 calls in any 60 seconds per account; going over costs a throttle answer and
a wait. The pacer keeps a sliding log of when calls were sent and makes the next caller wait for
the oldest one to leave the window, so a burst is spread out instead of rejected.
"""

from __future__ import annotations

from collections import deque

from cin7_shopify.clock import Clock, SystemClock

CIN7_CALLS_PER_MINUTE = 60


class Cin7Pacer:
    def __init__(
        self,
        calls_per_minute: int = CIN7_CALLS_PER_MINUTE,
        *,
        clock: Clock | None = None,
        window_seconds: float = 60.0,
        margin_seconds: float = 1.0,
    ) -> None:
        if calls_per_minute < 1:
            raise ValueError("calls_per_minute must be at least 1")
        self.calls_per_minute = calls_per_minute
        self.clock: Clock = clock or SystemClock()
        # The server stamps a call a little after we send it; the margin keeps both windows apart.
        self._window = window_seconds + margin_seconds
        self._sent: deque[float] = deque()
        self._hold_until = 0.0
        import asyncio  # here, not at the top: a command that fails fast never loads asyncio

        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0
        self.waiting_until: float | None = None  # on this pacer's clock, while a caller waits for budget

    async def acquire(self) -> None:
        """Wait until one more call fits in the budget, then claim it."""
        async with self._lock:
            while True:
                now = self.clock.now()
                if now < self._hold_until:
                    await self._wait(self._hold_until - now)
                    continue
                while self._sent and self._sent[0] <= now - self._window:
                    self._sent.popleft()
                if len(self._sent) < self.calls_per_minute:
                    self._sent.append(now)
                    return
                await self._wait(self._sent[0] + self._window - now)

    def hold(self, seconds: float) -> None:
        """After a throttle answer: nobody on this account sends for this long."""
        self._hold_until = max(self._hold_until, self.clock.now() + seconds)

    def in_use(self) -> int:
        """Calls spent in the current window (for the budget shown on the home screen)."""
        now = self.clock.now()
        return sum(1 for sent in self._sent if sent > now - self._window)

    async def _wait(self, seconds: float) -> None:
        self.waited_seconds += seconds
        self.waiting_until = self.clock.now() + seconds
        try:
            await self.clock.sleep(seconds)
        finally:
            self.waiting_until = None

    def wait_left(self) -> float:
        """Seconds until the waiting caller may send (0 when nobody waits)."""
        return max(0.0, self.waiting_until - self.clock.now()) if self.waiting_until is not None else 0.0


class PacerRegistry:
    """Hands out one pacer per Cin7 account so every store on that account shares the budget."""

    def __init__(self, calls_per_minute: int = CIN7_CALLS_PER_MINUTE, clock: Clock | None = None):
        self.calls_per_minute = calls_per_minute
        self.clock = clock
        self._pacers: dict[str, Cin7Pacer] = {}

    def for_account(self, account_id: str, calls_per_minute: int | None = None) -> Cin7Pacer:
        """The account's pacer; where two profiles of one account set different rates, the lower holds."""
        key = account_id.strip().lower()
        rate = calls_per_minute or self.calls_per_minute
        pacer = self._pacers.get(key)
        if pacer is None:
            pacer = self._pacers[key] = Cin7Pacer(rate, clock=self.clock)
        elif rate < pacer.calls_per_minute:
            pacer.calls_per_minute = rate
        return pacer
