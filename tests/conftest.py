from __future__ import annotations

import contextlib
import gzip
import io
import json
import marshal
import os
import pickle
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keyring
import pytest
from keyring.backend import KeyringBackend

from cin7_shopify.clock import Clock, ManualClock, SystemClock
from cin7_shopify.paths import demo_scenario_dir

# The xdist controller loads this file too and runs no test: graphql-core, pydantic and the sandboxes load
# where a fixture first needs them (0.45-0.5 s CPU the controller spent before it started any worker).
if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from cin7_shopify.sandbox.faults import ThrottleShape
    from cin7_shopify.sandbox.scenario import Scenario
    from cin7_shopify.sandbox.session import SandboxSession

REAL_SCHEMA = Path(__file__).with_name("admin_2026-10.json.gz")
DEMO = Path(__file__).resolve().parents[1] / "sample_data" / "demo-apparel"


@cache
def real_shopify_schema() -> GraphQLSchema:
    """Shopify's own Admin API 2026-10 schema (introspection from @shopify/dev-mcp, ISC)."""
    from graphql import build_client_schema

    data = json.loads(gzip.decompress(REAL_SCHEMA.read_bytes()))
    return build_client_schema(data.get("data", data), assume_valid=True)


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in memory, so tests never touch the OS keyring."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.passwords:
            raise PasswordDeleteError("not found")
        del self.passwords[(service, username)]


def pytest_configure(config: pytest.Config) -> None:
    """Fewer full garbage collections in a test process: each walked every object the suite keeps loaded.

    The imports (Textual, graphql-core, pydantic models) are frozen out of the collector's reach, and a
    collection starts after 200,000 new objects instead of 700. Measured on three console key walks: a
    full collection took 0.33 s on the 117 MB heap, 15 of them 4.9 s of 25.5 s CPU; now none, 21.0 s, peak
    RSS 133 MB. 200,000 rather than 50,000: the whole suite, two alternating pairs, 166/176 s → 163/172 s
    user CPU, a worker's peak RSS 354-440 → 512-520 MB. Cycles are still collected, only less often;
    nothing a test checks depends on when.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 10, 10)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Everything a worker holds when its tests are done is frozen, uncollected: the process ends next.

    pytest then collects five times to catch a late `__del__` error (`unraisableexception`). The first of
    those, or one here, walked the worker's whole heap and freed what the tests left in cycles: about 800,000
    objects a worker, 2.3-2.5 s CPU at the very end of the run, with all three workers doing it at once.
    Now the five find nothing. Garbage the tests left is still collected, and a `__del__` error in it
    reported, by the young-generation collections that run all through the tests (every 200,000 objects,
    `pytest_configure`); only cycles old enough to wait for a full collection are left to the process's exit.
    """
    import gc

    gc.freeze()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores. About a fifth of the suite's time waits on real
    processes, sockets and terminals (signals, locks, kills, the served sandbox), which a spare worker
    fills: 651 tests on this 2-core machine took 156-168 s with 2 workers, 143 s with 3, 146 s with 4."""
    return (os.cpu_count() or 1) + 1


# The console files' tests are the suite's longest (every-key and hostile-text walks, 4-11 s each) and sort
# late by name (test_tui*), so the last worker often ran one alone while the others had finished.
_LONG_FIRST = ("tests/test_tui", "tests/test_hostile_text.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The console files' tests first (order kept within each file), so xdist hands the long ones out early."""
    items.sort(key=lambda item: not item.nodeid.startswith(_LONG_FIRST))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CIN7_SHOPIFY_HOME", str(tmp_path / "home"))
    yield tmp_path / "home"


@pytest.fixture(autouse=True)
def no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync in this process returns at once: it guards files against power loss, which no test can cause.

    A process that is killed (what the crash tests do) loses nothing the page cache holds; those tests
    kill real processes, which still fsync. Here it only waited on a disk shared with the other tests.
    """
    monkeypatch.setattr(os, "fsync", lambda descriptor: None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def demo(clock: ManualClock) -> SandboxSession:
    """The Demo Apparel store in both sandboxes, on a clock that only moves when someone waits."""
    return demo_copy(clock)


class _SeededStorePickler(pickle.Pickler):
    """Pickles a seeded sandbox session whole, except what its copies share or replace: the process's one
    GraphQL schema (its resolvers are functions), the clock (each copy runs on its own) and the scenario the
    sandboxes were seeded from (`session.scenario`).

    The scenario is read, never changed, once the sandboxes are seeded: they copy every record of it they
    keep (`json_copy`, `owned`), and what reads `session.scenario` afterwards (the sandbox store's title,
    profile and settings, the Shopify client's domain, tests taking an order as a template) reads it or
    deep-copies it. Unpickling it was ~6 ms of each copy's ~20; `_shared_scenarios_unchanged` checks at the
    end of each worker's run that no test changed it."""

    shared_types: dict[type, str]  # each shared object's exact type (a subclass is pickled): `_pickled` sets it

    def persistent_id(self, obj: object) -> str | None:
        return self.shared_types.get(type(obj))


class _SeededStoreUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, shared: dict[str, object]) -> None:
        super().__init__(io.BytesIO(data))
        self.shared = shared

    def persistent_load(self, pid: Any) -> object:
        return self.shared[pid]


def _pickled(session: SandboxSession) -> bytes:
    from graphql import GraphQLSchema

    from cin7_shopify.sandbox.scenario import Scenario

    data = io.BytesIO()
    pickler = _SeededStorePickler(data, pickle.HIGHEST_PROTOCOL)
    pickler.shared_types = {
        ManualClock: "clock",
        SystemClock: "clock",
        GraphQLSchema: "schema",
        Scenario: "scenario",
    }
    try:
        pickler.dump(session)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise AssertionError(
            f"a seeded sandbox can no longer be copied ({exc}): a sandbox now keeps something pickle cannot "
            "copy; share it between copies in _SeededStorePickler.persistent_id if it never changes once "
            "built (as the GraphQL schema), or make it picklable"
        ) from exc
    return data.getvalue()


@cache
def _seeded_demo() -> tuple[bytes, float, GraphQLSchema, Scenario]:
    """The demo seeded once a process, as bytes every copy is unpickled from (and the scenario they share)."""
    from cin7_shopify.sandbox.session import open_sandbox

    clock = ManualClock()
    session = open_sandbox(DEMO, clock=clock)
    _SHARED_SCENARIOS.append((session.scenario, pickle.dumps(session.scenario, pickle.HIGHEST_PROTOCOL)))
    return _pickled(session), clock.now(), session.shopify.schema, session.scenario


# Each scenario copies share, with its pickle when it was seeded: compared at the end of the run.
_SHARED_SCENARIOS: list[tuple[Scenario, bytes]] = []


@pytest.fixture(scope="session", autouse=True)
def _shared_scenarios_unchanged() -> Iterator[None]:
    """Fails the run (an error at the last test's teardown) if a test or the product changed a scenario the
    seeded copies share: their sharing it would then leak that change from one test into the next."""
    yield
    for scenario, seeded in _SHARED_SCENARIOS:
        assert pickle.dumps(scenario, pickle.HIGHEST_PROTOCOL) == seeded, (
            f"the shared seeded scenario {scenario.name!r} was changed: copy it (copy.deepcopy) before changing it"
        )


@cache
def _seeded_served() -> tuple[bytes, GraphQLSchema, Scenario]:
    """The served demo (`_served_session`) seeded once a process, as bytes every copy is unpickled from."""
    from cin7_shopify.sandbox.session import open_sandbox

    # 6000 calls a minute and a bucket no test drains: the limits themselves are tested on a simulated clock.
    # (With 2,000 points, concurrent ~900-point order pages were THROTTLED and the client waited out whole
    # real seconds, as it should against Shopify: 7 s of test_sync_cli's 14.)
    session = roomy_bucket(open_sandbox(DEMO, throttle_shape="503", cin7_calls_per_minute=6000))
    _SHARED_SCENARIOS.append((session.scenario, pickle.dumps(session.scenario, pickle.HIGHEST_PROTOCOL)))
    return _pickled(session), session.shopify.schema, session.scenario


def demo_copy(clock: ManualClock) -> SandboxSession:
    """What `open_sandbox(DEMO, clock=clock)` seeds, copied from the process's seeded demo.

    Seeding reads, validates and rebuilds the scenario (about 45 ms CPU); unpickling the seeded sandboxes
    takes about half that, and a test run seeds the demo a few hundred times. Both sandboxes and their fault
    knobs are copies of their own; only the GraphQL schema (immutable once built) and the scenario they
    were seeded from (read-only once seeded, see `_SeededStorePickler`) are shared. A clock that does not
    start where the seed's did gets a seed of its own (the sandboxes note the time they were seeded)."""
    from cin7_shopify.sandbox.session import open_sandbox

    data, seeded_at, schema, scenario = _seeded_demo()
    if clock.now() != seeded_at:
        return open_sandbox(DEMO, clock=clock)
    shared = {"clock": clock, "schema": schema, "scenario": scenario}
    session: SandboxSession = _SeededStoreUnpickler(data, shared).load()
    return session


def _open_sandbox_copying_the_demo(
    scenario: Scenario | str | Path | None = None,
    *,
    clock: Clock | None = None,
    cin7_calls_per_minute: int = 60,
    throttle_shape: ThrottleShape = "429",
    hand_over: bool = False,
) -> SandboxSession:
    """`open_sandbox` as the product calls it (`scenario_workspace`, `open_sandboxes`), except that the demo's
    folder on a fresh simulated clock with the default limits is a copy of the process's seed (`demo_copy`).

    A command run in-process with `--scenario sample_data/demo-apparel` (or the console's demo) seeded it afresh:
    ~30 ms CPU to read and check the files and ~45 ms to seed, against ~25 ms to copy. A handed-over seed is
    the command's alone, as the copy is; it only leaves the scenario's catalogue lists in place."""
    from cin7_shopify.sandbox.session import open_sandbox

    folder = demo_scenario_dir() if scenario is None else scenario
    if (
        isinstance(folder, (str, Path))
        and Path(folder).resolve() == DEMO
        and type(clock) is ManualClock
        and (cin7_calls_per_minute, throttle_shape) == (60, "429")
    ):
        return demo_copy(clock)
    return open_sandbox(
        scenario,
        clock=clock,
        cin7_calls_per_minute=cin7_calls_per_minute,
        throttle_shape=throttle_shape,
        hand_over=hand_over,
    )


# Scenarios whose content a test process has already found valid, by their marshalled bytes.
_VALID_SCENARIOS: set[bytes] = set()


@pytest.fixture(scope="session", autouse=True)
def _scenarios_validated_once() -> Iterator[None]:
    """`validate_scenario`, run once a process for each scenario content: the same folders and generated
    scenarios are opened again and again (188 validations of 56 contents in a run, ~20 ms CPU each for the
    demo). The check only reads the scenario, so equal content passes or fails alike; a scenario that fails
    is checked afresh each time, and one marshal cannot write (not plain JSON values) is always checked."""
    from cin7_shopify.sandbox.scenario import validate_scenario

    def validate_once(scenario: Scenario) -> None:
        try:
            content = marshal.dumps((scenario.shopify, scenario.cin7, scenario.settings))
        except ValueError:
            validate_scenario(scenario)
            return
        if content not in _VALID_SCENARIOS:
            validate_scenario(scenario)
            _VALID_SCENARIOS.add(content)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("cin7_shopify.sandbox.scenario.validate_scenario", validate_once)
        patch.setattr("cin7_shopify.sandbox.session.validate_scenario", validate_once)
        yield


@pytest.fixture(scope="session", autouse=True)
def _commands_copy_the_seeded_demo() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("cin7_shopify.sandbox.store.open_sandbox", _open_sandbox_copying_the_demo)
        yield


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def _sandbox_server() -> Iterator[tuple[str, Any]]:
    """One real HTTP server a test process (uvicorn, as `sandbox serve` runs it) in a thread of its own."""
    import threading

    import uvicorn

    from cin7_shopify.sandbox.serve import CombinedSandbox

    first = _served_session()
    combined = CombinedSandbox(first.cin7, first.shopify)
    config = uvicorn.Config(combined, host="127.0.0.1", port=_free_port(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="served-sandbox", daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("sandbox did not start")
    try:
        yield f"http://127.0.0.1:{config.port}", combined
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _served_session() -> SandboxSession:
    """The demo store as `sandbox serve --cin7-throttle 503` serves it, with limits tests need not wait out.

    A copy of the process's one seed (see `demo_copy`). On the system clock the copy is what a fresh seed
    would be: Shopify's bucket, the one thing a sandbox times from its seed, is full either way."""
    data, schema, scenario = _seeded_served()
    shared = {"clock": SystemClock(), "schema": schema, "scenario": scenario}
    session: SandboxSession = _SeededStoreUnpickler(data, shared).load()
    return session


def roomy_bucket(session: SandboxSession) -> SandboxSession:
    """A served sandbox (on the system clock) whose Shopify no test waits on: a bucket no test's requests
    drain (20,000 points, 1,000 a second) and cancel jobs done by the client's first look (0.5 s) instead of
    its third (2 s: 3.5 s of real sleep a cancel). Both are tested on a simulated clock."""
    session.shopify.restore_rate = 1000
    session.shopify.maximum_available = 20000.0
    session.shopify._available = session.shopify.maximum_available
    session.shopify.order_cancel_job_seconds = 0.2
    return session


@pytest.fixture
def served_sandbox(_sandbox_server: tuple[str, Any]) -> str:
    """The sandbox over real HTTP, freshly seeded for this test (the server is shared, the stores are not)."""
    base, combined = _sandbox_server
    session = _served_session()
    combined.cin7, combined.shopify = session.cin7, session.shopify
    return base


def audit_of(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A scenario audited through its store session (for module-scoped fixtures: its own tool home)."""
    import asyncio

    from cin7_shopify.commands.session import scenario_session

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CIN7_SHOPIFY_HOME", str(tmp_path_factory.mktemp("home")))
        with scenario_session(folder) as session:
            return asyncio.run(session.audit())


def run_cli(env: Mapping[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`cin7-shopify ARGS` run in this process through `main(argv)`, as a subprocess would see it.

    The environment is exactly `env` for the call, stdin is a pipe holding `stdin` (never a terminal),
    and stdout, stderr and the exit code come back as `subprocess.run` would give them. A keyring named
    by `PYTHON_KEYRING_BACKEND` (e.g. the failing one of a headless machine) is the keyring meanwhile.
    Use a real subprocess only where that is what is tested: signals, locks held by another process.
    """
    import keyring.core

    from cin7_shopify.cli import main

    saved_environ, saved_keyring = dict(os.environ), keyring.get_keyring()
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(env)
        if env.get("PYTHON_KEYRING_BACKEND"):
            keyring.set_keyring(keyring.core.load_keyring(env["PYTHON_KEYRING_BACKEND"]))
        with (
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            pytest.MonkeyPatch.context() as patch,
        ):
            patch.setattr(sys, "stdin", io.StringIO(stdin or ""))
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        keyring.set_keyring(saved_keyring)
    return subprocess.CompletedProcess(["cin7-shopify", *args], code, stdout.getvalue(), stderr.getvalue())
