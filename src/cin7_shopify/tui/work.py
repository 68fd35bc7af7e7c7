"""Running core work from a screen: errors become one-line explanations, never tracebacks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from textual.message_pump import MessagePump

from cin7_shopify.errors import ConsoleError
from cin7_shopify.tui.messages import Failed, Loaded

log = logging.getLogger("cin7_shopify.tui")


async def report(owner: MessagePump, what: str, job: Callable[[], Awaitable[Any]]) -> None:
    """Run `job`; post Loaded(what, result) or Failed(what, explanation) to `owner`."""
    app = owner.app
    _busy(app, +1)
    try:
        result = await job()
    except Exception as exc:
        owner.post_message(Failed(what, explain(exc, what)))
    else:
        owner.post_message(Loaded(what, result))
    finally:
        _busy(app, -1)


def _busy(app: object, change: int) -> None:
    """The console's count of jobs at work, shown in the header at once (not at its next tick)."""
    show = getattr(app, "show_busy", None)
    if show is not None:  # the console (other apps in tests have no header to turn)
        app.busy_jobs += change  # type: ignore[attr-defined]
        show(turn=False)


def explain(exc: Exception, what: str) -> str:
    """A failure in one line (call it where it was caught): a ConsoleError in its own words; anything else
    named, never a traceback on screen, the traceback kept in the log."""
    if isinstance(exc, ConsoleError):
        return exc.explain()
    log.exception("unexpected error while %s", what)
    from cin7_shopify.logs import log_file

    return f"Unexpected {type(exc).__name__} while {what}: {exc} (details in {log_file()})"


def budget_note(pacer: object | None) -> str:
    """Shown instead of the step while the Cin7 call budget makes a read wait: the screen never looks stuck."""
    wait = getattr(pacer, "wait_left", lambda: 0.0)() if pacer is not None else 0.0
    if wait <= 0:
        return ""
    per_minute = getattr(pacer, "calls_per_minute", 60)
    return f"Cin7 budget ({per_minute}/min): waiting {wait:.0f} s"
