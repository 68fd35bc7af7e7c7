"""Leave when the terminal goes: a closed tmux pane, a dropped SSH session, a hang-up.

Textual's input thread keeps polling a terminal that has hung up (its reads return nothing, at once,
for ever: 100 % CPU and a process nobody can reach). We do not wait for that to be fixed upstream:
a SIGHUP handler (installed even where SIGHUP was inherited as ignored, as under some launchers) and
a twice-a-second check that the terminal still answers both end the app, and if the app cannot
finish within a second and a half (its last writes go to a dead terminal), the process ends anyway,
after `before_exit` (the demo's sandbox state removed: on a busy machine the app may not finish in time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

from textual.app import App

log = logging.getLogger(__name__)
HUNG_UP_EXIT = 129  # 128 + SIGHUP, as a shell reports a hang-up
_GRACE_SECONDS = 1.5


def guard_terminal(app: App[object], *, before_exit: Callable[[], None] | None = None) -> None:
    """Call once the app runs in a real terminal (not headless); `before_exit` runs if the process is ended."""
    global _before_exit
    fileno = _terminal_fileno()
    if fileno is None:
        return
    _before_exit = before_exit
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, _leave, app)
    app.set_interval(0.5, lambda: _check(app, fileno), name="terminal-watch")


def _terminal_fileno() -> int | None:
    stream = sys.__stdin__
    try:
        fileno = stream.fileno() if stream is not None else -1
    except (OSError, ValueError):
        return None
    return fileno if fileno >= 0 and os.isatty(fileno) else None


def terminal_gone(fileno: int) -> bool:
    """A hung-up terminal refuses its attributes (EIO); a live one answers."""
    try:
        import termios
    except ImportError:  # pragma: no cover - Windows has no termios and no hang-up to watch for
        return False
    try:
        termios.tcgetattr(fileno)
    except (termios.error, OSError):
        return True
    return False


def _check(app: App[object], fileno: int) -> None:
    if terminal_gone(fileno):
        _leave(app)


_leaving = threading.Event()
_before_exit: Callable[[], None] | None = None


def _leave(app: App[object]) -> None:
    if _leaving.is_set():
        return
    _leaving.set()
    log.info("the terminal went away: leaving")
    fallback = threading.Timer(_GRACE_SECONDS, _end_process)
    fallback.daemon = True
    fallback.start()
    app.exit(return_code=HUNG_UP_EXIT)


def _end_process() -> None:
    """The app did not finish in time: what must not outlive it goes first (no finally will run)."""
    if _before_exit is not None:
        with contextlib.suppress(Exception):
            _before_exit()
    os._exit(HUNG_UP_EXIT)
