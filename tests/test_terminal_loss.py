"""When its terminal goes away the console leaves within 2 s, even where SIGHUP was ignored."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest


def _read_until(master: int, needle: bytes, seconds: float) -> bytes:
    seen, deadline = b"", time.monotonic() + seconds
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sighup_ignored", [False, True], ids=["plain", "sighup-ignored"])
def test_console_leaves_when_its_terminal_hangs_up_mid_work(tmp_path: Path, sighup_ignored: bool) -> None:
    pid, master = pty.fork()
    if pid == 0:  # the child: the console on the demo store, in a real terminal of its own
        if sighup_ignored:  # as under launchers that start everything with SIGHUP ignored
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.environ.update(CIN7_SHOPIFY_HOME=str(tmp_path / "home"), TERM="xterm-256color", COLUMNS="120", LINES="40")
        os.execv(sys.executable, [sys.executable, "-m", "cin7_shopify", "demo"])
    try:
        # Home paints first; the demo store joins its list once the sandbox has loaded.
        assert b"(sandbox)" in _read_until(master, b"(sandbox)", 30), "the console listed the demo store"
        os.write(master, b"p")  # the pilot: work under way when the terminal goes
        _read_until(master, b"Pilot", 5)
    finally:
        os.close(master)  # the pane closes: the terminal hangs up
    left = _gone_within(pid, 2.5)
    if not left:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert left, "the console was still running 2 s after its terminal went away"
    assert not list((tmp_path / "home" / "data" / "sandbox-runs").glob("*")), "the demo's state was removed"
