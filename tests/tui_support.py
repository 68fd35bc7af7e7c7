"""Building the console for tests: the demo sandbox, an isolated profile store, a fixed journal."""

from __future__ import annotations

import asyncio
import inspect
import json
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import textual._wait
from pytest_textual_snapshot import (  # type: ignore[import-untyped]
    PseudoApp,
    PseudoConsole,
    SVGImageExtension,
    node_to_report_path,
)
from rich.console import Console
from textual._queue import Queue
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.message import Message
from textual.message_pump import MessagePump
from textual.pilot import Pilot, WaitForScreenTimeout

from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.faults import FaultyTransport
from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.sandbox.store import SandboxStore
from cin7_shopify.secrets import KeyringStore
from cin7_shopify.state.profiles import ProfileStore
from cin7_shopify.tui.app import ConsoleApp, make_app
from cin7_shopify.workspace import Workspace
from tests.conftest import demo_copy

FIXED_JOURNAL = [
    {
        "event": "error",
        "id": f"e{n}",
        "time": f"2026-11-20T0{n}:15:00Z",
        "kind": kind,
        "ref": ref,
        "message": message,
        "fix": fix,
        "status": "open",
        "store": "demo-apparel",
        "order_id": f"gid://shopify/Order/{5500000 + n}",
    }
    for n, (kind, ref, message, fix) in enumerate(
        [
            (
                "unknown_sku",
                "#1006",
                "Order #1006: SKU TOTE-CANVAS ('Canvas Tote') is not a Cin7 Core product.",
                "Create TOTE-CANVAS in Cin7 Core or correct the Shopify SKU; the order is retried by itself.",
            ),
            (
                "unmapped_tax",
                "#1010",
                "Order #1010: tax line 'VAT 20%' has no Cin7 Core tax rule.",
                "Map 'VAT 20%' to a Cin7 Core sale tax rule (audit → mapping); the order is retried by itself.",
            ),
            (
                "cin7_rejected",
                "#1015",
                "Order #1015: Cin7 Core said: Product 'RJK-YEL-S' is deprecated.",
                "Fix what Cin7 Core names (product, customer, tax rule or location); the order is retried by itself.",
            ),
        ],
        start=1,
    )
]


# Parsed CSS, shared by every console a test process starts. Textual caches what it parsed per stylesheet,
# and every app has its own (and a fresh one each time it re-parses, e.g. when the theme is set): the
# console's and its widgets' CSS was parsed again for each test (ten demo consoles started and
# settled: 6.3-6.9 s CPU, 5.5-6.2 s with this). The rules
# depend on the CSS, where it came from and the theme's variables, so those are the key; an app never
# changes a parsed rule (within one app every matching widget shares it already).
_PARSED_CSS: dict[tuple[object, ...], list[RuleSet]] = {}
_parse_rules = Stylesheet._parse_rules


_VARIABLE_SETS: dict[tuple[tuple[str, str], ...], int] = {}  # each theme's variables, numbered


def _variables_key(stylesheet: Stylesheet) -> int:
    """The number of the stylesheet's set of variables (the theme's ~200), sorted once for each dict of them it
    is given (Textual 8.2.8 replaces the dict, never changes it: `Stylesheet.set_variables`), not sorted and
    hashed again for each CSS source parsed (a console start parses ~60)."""
    variables = stylesheet._variables
    held = stylesheet.__dict__.get("_variables_key")
    if held is None or held[0] is not variables:
        number = _VARIABLE_SETS.setdefault(tuple(sorted(variables.items())), len(_VARIABLE_SETS))
        held = stylesheet.__dict__["_variables_key"] = (variables, number)
    return held[1]


def _parse_rules_once(
    self: Stylesheet,
    css: str,
    read_from: tuple[str, str],
    is_default_rules: bool = False,
    tie_breaker: int = 0,
    scope: str = "",
) -> list[RuleSet]:
    key = (css, read_from, is_default_rules, tie_breaker, scope, _variables_key(self))
    if key not in _PARSED_CSS:
        _PARSED_CSS[key] = _parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
    return _PARSED_CSS[key]


Stylesheet._parse_rules = _parse_rules_once  # type: ignore[method-assign]

# Pilot's key presses and pauses wait until the console looks idle: sleep a step, and idle once a step used
# under 1 ms of CPU. Textual's step is 20 ms, two or three a key: the every-key walks slept a third of their
# time (test_tui_keys + test_tui_pilot, -n0: 54 s wall for 37 s CPU). Steps of 5 ms with the same 1 ms: 40 s.
# (A threshold scaled down with the step never saw the console's timers as idle: each wait ran to its 1 s cap.)
textual._wait.SLEEP_GRANULARITY = 1 / 200
textual._wait.SLEEP_IDLE = 1 / 1000


# Pilot waits (every press, pause and settle) for "the screen and its children to have processed all pending
# events": it posts a callback to the app and to every widget of the screen (70-130 of them) and waits for each
# to run. Almost all of them are idle: the home every-key walk waited 286 times on 8,999 nodes, of which 38 had
# anything queued or running. A node whose task is parked in its queue's get (textual 8.2.8 message_pump.py
# `_get_message`: `await self._message_queue.get()`, textual/_queue.py: `await self.ready_event.wait()`) with
# its queue empty and no message peeked aside (`_pending_message`) has no message before the callback and no
# handler running, so its callback would only dispatch itself and an idle pass that has already run (a widget's
# refresh, layout and styles flags always come with `check_idle()`, which queues a Prompt when the queue is
# empty, so a node with work to do is never seen as parked). Posting to every other node, as Pilot does, gives
# the same guarantee: each message queued before the wait, and any handler running at its start, has been
# processed. A node not started yet (no task parked) still gets its callback.
def _parked(node: MessagePump) -> bool:
    queue: Queue[Message | None] = node._message_queue
    if not queue.empty() or node._pending_message is not None:
        return False
    waiters = queue.ready_event._waiters
    return bool(waiters) and any(not waiter.done() for waiter in waiters)


async def _wait_for_screen(self: Pilot[Any], timeout: float = 30.0) -> bool:
    """Pilot._wait_for_screen (textual 8.2.8) with its callbacks posted only to nodes that are not parked."""
    try:
        screen = self.app.screen
    except Exception:
        return False
    children = [node for node in (self.app, *screen.walk_children(with_self=True)) if not _parked(node)]
    count = 0
    count_zero_event = asyncio.Event()

    def decrement_counter() -> None:
        nonlocal count
        count -= 1
        if count == 0:
            count_zero_event.set()

    for child in children:
        if child.call_later(decrement_counter):
            count += 1

    if count:
        wait_for = [
            asyncio.create_task(count_zero_event.wait()),
            asyncio.create_task(self.app._exception_event.wait()),
        ]
        _, pending = await asyncio.wait(wait_for, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if len(wait_for) == len(pending):
            raise WaitForScreenTimeout("Timed out while waiting for widgets to process pending messages.")
        if count > 0:
            return False
    return True


Pilot._wait_for_screen = _wait_for_screen  # type: ignore[method-assign]


class SandboxRouter:
    """The test's network: each host goes to its sandbox."""

    def __init__(self, session: SandboxSession) -> None:
        self.cin7 = FaultyTransport(session.cin7, session.cin7_faults)
        self.shopify = FaultyTransport(session.shopify, session.shopify_faults)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self.cin7 if request.url.host in {"cin7.sandbox", "inventory.dearsystems.com"} else self.shopify
        return await target.handle_async_request(request)

    async def aclose(self) -> None:
        pass


def demo_app(tmp_path: Path, *, theme: str | None = "cin7-dark", journal: bool = False) -> ConsoleApp:
    # A simulated clock: Cin7's 60 calls a minute hold, but waiting for them takes no real time. The demo is
    # copied from the process's seed (tests/conftest.py demo_copy): 21-25 ms CPU a console, where seeding it
    # again took 48-56 ms (20 of each, alternating); about 30 consoles start in a test run.
    session = demo_copy(ManualClock())
    workspace = Workspace(
        ProfileStore(tmp_path / "profiles.json"),
        KeyringStore(),
        sources=[SandboxStore(session)],
        transport=SandboxRouter(session),  # type: ignore[arg-type]
    )
    workspace.export_dir = tmp_path / "exports"
    if journal:
        entry = workspace.stores()[0]
        entry.folder.mkdir(parents=True, exist_ok=True)
        entry.journal_path.write_text("".join(json.dumps(r) + "\n" for r in FIXED_JOURNAL))
    app = make_app(workspace, remember=False, theme=theme)
    app.now = lambda: datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # dates on screen stay put for the snapshots
    return app


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for every worker (reads through the clients), what their results set off, and the repaint after it.

    No real sleep but the last `pause()`'s (it repaints): a worker's result is a message whose handler may
    start another worker, so it waits for workers and then for the screen's queued messages until nothing
    runs. The console's own timers (progress steps, the error log's tail) are not what a test waits for.
    """
    app = pilot.app
    for _ in range(10):
        await app.workers.wait_for_complete()
        await pilot._wait_for_screen()
        if all(worker.is_finished for worker in app.workers):
            break
    await pilot.pause()


async def assert_snapshot(pilot: Pilot[Any], request: pytest.FixtureRequest, name: str) -> None:
    """The console as it is now against its saved SVG, `<test>[name].svg`: what `snap_compare` checks, without
    starting a console of its own.

    `snap_compare` starts a console for each snapshot and drives it to the screen (1-1.5 s CPU each); a test
    that already stands on that screen at that size takes the snapshot in passing and goes on. The same
    waits as `snap_compare`'s (textual._doc.take_svg_screenshot after its `run_before`), the same SVG, and a
    mismatch in pytest-textual-snapshot's report like any other. `--snapshot-update` updates it.
    """
    app = pilot.app
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    actual = app.export_screenshot(title=app.title, simplify=True)
    snapshot = request.getfixturevalue("snapshot").use_extension(SVGImageExtension)(name=name)
    matches = snapshot == actual
    execution = snapshot.executions.get(snapshot.num_executions - 1)
    # The record snap_compare writes for the plugin's HTML report of mismatches (pytest-textual-snapshot 1.1.0,
    # pinned in pyproject.toml), one a snapshot.
    path, line, test = request.node.reportinfo()
    console = Console(legacy_windows=False, force_terminal=True)
    report = (
        matches,
        str(snapshot),
        actual,
        PseudoApp(PseudoConsole(console.legacy_windows, console.size)),
        path,
        line,
        f"{test}[{name}]",
        inspect.getdoc(request.node.function) or "",
        "",
        execution is not None and execution.final_data is not None,
    )
    report_path = node_to_report_path(request.node)
    report_path.with_name(f"{report_path.name}_{name}").write_bytes(pickle.dumps(report))
    saved = snapshot.extension.get_location(test_location=snapshot.test_location, index=name)
    assert matches, f"the console differs from {saved} (see the snapshot report)"
