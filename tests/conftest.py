from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from graphql import GraphQLSchema, build_client_schema
from keyring.backend import KeyringBackend

from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.session import SandboxSession, open_sandbox

REAL_SCHEMA = Path(__file__).with_name("admin_2026-10.json.gz")
DEMO = Path(__file__).resolve().parents[1] / "sample_data" / "demo-apparel"


@cache
def real_shopify_schema() -> GraphQLSchema:
    """Shopify's own Admin API 2026-10 schema (introspection from @shopify/dev-mcp, ISC)."""
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


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CIN7_SHOPIFY_HOME", str(tmp_path / "home"))
    yield tmp_path / "home"


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
    return open_sandbox(DEMO, clock=clock)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_sandbox() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cin7_shopify",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--cin7-throttle",
            "503",
            "--cin7-calls-per-minute",
            "6000",  # tests need not wait out real minutes: the limit itself is tested on a simulated clock
            "--shopify-restore-rate",
            "1000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/admin/api/2026-10/graphql.json", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("sandbox did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def audit_of(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A scenario audited through its store session (for module-scoped fixtures: its own tool home)."""
    import asyncio

    from cin7_shopify.commands.session import scenario_session

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CIN7_SHOPIFY_HOME", str(tmp_path_factory.mktemp("home")))
        with scenario_session(folder) as session:
            return asyncio.run(session.audit())
