"""One call budget per Cin7 Core account, shared by every caller on the machine.

Cin7 Core allows 60 calls in any 60 seconds per account; going over costs a throttle answer and
a wait. The pacer keeps a sliding log of when calls were sent and makes the next caller wait for
the oldest one to leave the window, so a burst is spread out instead of rejected.

The limit is per account in production, whatever process or key calls ("a dedicated key does not
help": repo JoaoBueno1/Rapid-Labels docs/SYNC_WORKFLOWS.md; the blueprint, APIB:L36, says per
application). So two `sync run` processes for two stores on one account must share it: a pacer given
a `shared` file keeps its log there, under an exclusive file lock, and every process that opens the
same file spends the same 60 calls. The log is on the pacer's clock: the system's monotonic clock is
one clock for every process on a machine, and the simulated clock of sandbox runs shares it only
between the pacers of one process (which is all a sandbox run has).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.paths import private_folder

CIN7_CALLS_PER_MINUTE = 60


class Cin7Pacer:
    def __init__(
        self,
        calls_per_minute: int = CIN7_CALLS_PER_MINUTE,
        *,
        clock: Clock | None = None,
        window_seconds: float = 60.0,
        margin_seconds: float = 1.0,
        shared: Path | None = None,
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
        self.shared = shared  # the account's log in a file every process on this machine shares
        self.waited_seconds = 0.0
        self.waiting_until: float | None = None  # on this pacer's clock, while a caller waits for budget

    async def acquire(self) -> None:
        """Wait until one more call fits in the budget, then claim it."""
        async with self._lock:
            while True:
                wait = self._claim()
                if wait <= 0:
                    return
                await self._wait(wait)

    def _claim(self) -> float:
        """Claim a call now and answer 0, or answer how long to wait before asking again."""
        with self._log() as (sent, hold_until):
            now = self.clock.now()  # read under the lock: another process may have claimed meanwhile
            if now < hold_until:
                return hold_until - now
            while sent and sent[0] <= now - self._window:
                sent.popleft()
            if len(sent) < self.calls_per_minute:
                sent.append(now)
                return 0.0
            return sent[0] + self._window - now

    def hold(self, seconds: float) -> None:
        """After a throttle answer: nobody on this account sends for this long."""
        until = self.clock.now() + seconds
        self._hold_until = max(self._hold_until, until)
        if self.shared is not None:
            with _locked_record(self.shared) as record:
                record["hold_until"] = max(float(record.get("hold_until") or 0.0), until)

    def in_use(self) -> int:
        """Calls spent in the current window (for the budget shown on the home screen)."""
        now = self.clock.now()
        with self._log() as (sent, _):
            return sum(1 for when in sent if when > now - self._window)

    @contextmanager
    def _log(self) -> Iterator[tuple[deque[float], float]]:
        """The calls sent on this account and the hold: this process's own, or the shared file's."""
        if self.shared is None:
            yield self._sent, self._hold_until
            return
        with _locked_record(self.shared) as record:
            now = self.clock.now()
            # A time ahead of now by more than a window is from before a restart of the machine
            # (a monotonic clock starts again at boot): it says nothing about this minute.
            sent = deque(sorted(t for t in _floats(record.get("sent")) if now - self._window < t <= now + self._window))
            hold_until = float(record.get("hold_until") or 0.0)
            hold_until = hold_until if hold_until <= now + 3600 else 0.0
            yield sent, max(hold_until, self._hold_until)
            record["sent"] = list(sent)
            record["hold_until"] = hold_until

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
    """Hands out one pacer per Cin7 account so every store on that account shares the budget.

    With `shared_dir`, each account's log is a file there, so the stores of one account in other
    processes on this machine (another `sync run`, the console) share the budget too.
    """

    def __init__(
        self,
        calls_per_minute: int = CIN7_CALLS_PER_MINUTE,
        clock: Clock | None = None,
        *,
        shared_dir: Path | None = None,
    ):
        self.calls_per_minute = calls_per_minute
        self.clock = clock
        self.shared_dir = shared_dir
        self._pacers: dict[str, Cin7Pacer] = {}

    def for_account(self, account_id: str, calls_per_minute: int | None = None) -> Cin7Pacer:
        """The account's pacer; where two profiles of one account set different rates, the lower holds."""
        key = account_id.strip().lower()
        rate = calls_per_minute or self.calls_per_minute
        pacer = self._pacers.get(key)
        if pacer is None:
            shared = None
            if self.shared_dir is not None:
                shared = self.shared_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"
            pacer = self._pacers[key] = Cin7Pacer(rate, clock=self.clock, shared=shared)
        elif rate < pacer.calls_per_minute:
            pacer.calls_per_minute = rate
        return pacer


def _floats(value: Any) -> list[float]:
    if not isinstance(value, list):
        return []
    return [float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)]


@contextmanager
def _locked_record(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON record in `path`, read and written back under an exclusive lock (held for microseconds).

    A damaged record (a crash mid-write) reads as empty: at worst one minute's calls are forgotten.
    """
    if not path.parent.exists():
        private_folder(path.parent)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock_waiting(descriptor)
        try:
            with os.fdopen(os.dup(descriptor), "r+", encoding="utf-8") as handle:
                try:
                    record = json.loads(handle.read() or "{}")
                except ValueError:
                    record = {}
                if not isinstance(record, dict):
                    record = {}
                yield record
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(record))
                handle.flush()
        finally:
            _unlock(descriptor)
    finally:
        os.close(descriptor)


if os.name == "posix":
    import fcntl

    def _lock_waiting(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)

else:  # pragma: no cover - exercised on Windows only
    import msvcrt

    # msvcrt locks bytes from the current position: always the first byte.
    def _lock_waiting(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
