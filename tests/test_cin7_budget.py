"""Cin7 Core's 60 calls a minute belong to the account: every process and store on it shares them,
less what the settings keep for the merchant's other apps (issue 9, item 15)."""

from __future__ import annotations

import asyncio
import os
import select
import time
from pathlib import Path

import pytest

from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.faults import FaultyTransport
from cin7_shopify.sandbox.session import CIN7_SANDBOX_URL, SandboxSession, open_sandbox
from cin7_shopify.secrets import EnvironmentStore
from cin7_shopify.settings import SettingsError, StoreSettings
from cin7_shopify.state.profiles import ProfileStore, StoreProfile
from cin7_shopify.workspace import Workspace

SECRETS = {"cin7_application_key": SANDBOX_CIN7_KEY, "shopify_access_token": "shpat_unused"}


def _profile(name: str, shop: str, reserved: int = 0) -> StoreProfile:
    return StoreProfile(
        name=name,
        shop_domain=f"{shop}.myshopify.com",
        cin7_account_id=SANDBOX_CIN7_ACCOUNT,
        cin7_base_url=CIN7_SANDBOX_URL,
        settings=StoreSettings(cin7_reserved_calls_per_minute=reserved),
    )


def _workspace(session: SandboxSession, clock: ManualClock, home: Path) -> Workspace:
    """A workspace as a second `sync run` process would have it: its own pacers, the same data folder."""
    workspace = Workspace(
        ProfileStore(home / "profiles.json"),
        EnvironmentStore(),
        transport=FaultyTransport(session.cin7, session.cin7_faults),
    )
    workspace.pacers.clock = clock
    return workspace


async def _calls(workspace: Workspace, profile: StoreProfile, count: int) -> None:
    cin7, _ = workspace.clients_for(profile, SECRETS)
    async with cin7:
        for _ in range(count):
            await cin7.me()


def _busiest_minute(times: list[float], window: float = 60.0) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if start <= t < start + window) for start in times), default=0)


async def test_two_stores_in_two_workspaces_on_one_account_share_sixty_calls(isolated_home: Path) -> None:
    clock = ManualClock()
    session = open_sandbox(clock=clock)
    first, second = _workspace(session, clock, isolated_home), _workspace(session, clock, isolated_home)
    await asyncio.gather(
        _calls(first, _profile("north", "north-shop"), 90), _calls(second, _profile("south", "south-shop"), 90)
    )
    statuses = [status for *_, status in session.cin7.call_log]
    assert statuses.count(200) == 180
    assert all(status == 200 for status in statuses), "Cin7 never had to throttle: the budget was shared"
    assert _busiest_minute([when for when, *_ in session.cin7.call_log]) <= 60


async def test_the_reserve_leaves_calls_for_the_merchants_other_apps(isolated_home: Path) -> None:
    clock = ManualClock()
    session = open_sandbox(clock=clock)
    first, second = _workspace(session, clock, isolated_home), _workspace(session, clock, isolated_home)
    await asyncio.gather(
        _calls(first, _profile("north", "north-shop", reserved=20), 60),
        _calls(second, _profile("south", "south-shop", reserved=20), 60),
    )
    times = [when for when, *_ in session.cin7.call_log]
    assert len(times) == 120
    assert _busiest_minute(times) <= 40, "20 of the account's 60 calls a minute stay free"
    assert _busiest_minute(times) >= 35, "and the rest is used"


def test_the_reserve_is_a_validated_setting() -> None:
    settings = StoreSettings().with_text_values({"cin7_reserved_calls_per_minute": "15"})
    assert settings.cin7_reserved_calls_per_minute == 15
    with pytest.raises(SettingsError, match="cin7_reserved_calls_per_minute: Input should be less than or equal to 59"):
        StoreSettings().with_text_values({"cin7_reserved_calls_per_minute": "60"})
    with pytest.raises(SettingsError, match="greater than or equal to 0"):
        StoreSettings().with_text_values({"cin7_reserved_calls_per_minute": "-1"})


def start_caller(record: Path) -> tuple[int, int]:
    """A real process taking 8 calls from the shared budget, printing when each was granted: (its pid, its
    output). Forked from this one, so it has the pacer already imported (a fresh interpreter spends most of
    its time importing); it never returns into the test process."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the caller
        code = 1
        try:
            os.close(read_end)

            async def calls() -> None:
                pacer = Cin7Pacer(5, window_seconds=0.5, margin_seconds=0.2, shared=record)
                for _ in range(8):
                    await pacer.acquire()
                    os.write(write_end, f"{time.monotonic()}\n".encode())

            asyncio.run(calls())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _read_all(descriptor: int) -> bytes:
    """All a caller printed. A forked caller that goes quiet for 30 s (a lock another thread held at the fork)
    fails the test instead of hanging it."""
    chunks = []
    while True:
        ready, _, _ = select.select([descriptor], [], [], 30)
        assert ready, "a forked caller stopped answering"
        if not (chunk := os.read(descriptor, 65536)):
            break
        chunks.append(chunk)
    os.close(descriptor)
    return b"".join(chunks)


def test_two_processes_on_one_account_never_exceed_the_budget_together(tmp_path: Path) -> None:
    """Two real processes, one file: 5 calls a (shortened) half-second window between them, 16 calls in four
    windows. (The margin keeps the window apart from when each process prints the time, as it does from
    Cin7's stamp.)"""
    record = tmp_path / "budget" / "account.json"
    runs = [start_caller(record) for _ in range(2)]
    times = []
    for pid, output in runs:
        out = _read_all(output)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        times += [float(line) for line in out.split()]
    assert len(times) == 16
    assert _busiest_minute(times, window=0.5) <= 5
