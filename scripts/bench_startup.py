"""Benchmark start-up as a consultant feels it, from outside the process.

    python scripts/bench_startup.py [--runs 5] [--figures]

- the console: `cin7-shopify demo` started in a pseudo-terminal (120x40), timed until home has painted
  its store list and go-live checklist, then closed with `q`;
- a store command that fails fast: `cin7-shopify store show nosuch`, timed to its exit.

Each is run once to warm the disk cache, then `--runs` times; the median is quoted. `--figures` prints
one JSON line for `make bench`.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOME_PAINTED = (b"Go-live checklist", b"Stores")  # both on home's first frame
CLI = shutil.which("cin7-shopify", path=str(Path(sys.executable).parent)) or "cin7-shopify"


def _environment(home: Path) -> dict[str, str]:
    return {**os.environ, "CIN7_SHOPIFY_HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU a running process has used so far (Linux /proc): on a shared, loaded machine
    this is the figure that does not depend on how many others want the processors."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def console_paint_seconds(home: Path, timeout: float = 60.0) -> tuple[float, float]:
    """From starting `cin7-shopify demo` to home's first frame on the terminal: wall and CPU seconds."""
    import fcntl
    import termios

    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, on this pseudo-terminal
        os.execve(CLI, [CLI, "demo"], _environment(home))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    painted: float | None = None
    cpu = 0.0
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen = (seen + chunk)[-200_000:]
            if all(marker in seen for marker in HOME_PAINTED):
                painted = time.perf_counter() - started
                cpu = cpu_seconds(pid)
                break
        os.write(fd, b"q")
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            select.select([fd], [], [], 0.05)
            with contextlib.suppress(OSError):
                os.read(fd, 65536)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    if painted is None:
        raise SystemExit(f"the console did not paint home within {timeout:.0f} s")
    return painted, cpu


def fail_fast_seconds(home: Path) -> tuple[float, float]:
    """`store show nosuch` from start to exit: wall and CPU seconds."""
    before = os.times()
    started = time.perf_counter()
    run = subprocess.run([CLI, "store", "show", "nosuch"], env=_environment(home), capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if run.returncode != 2 or b"No store named 'nosuch'" not in run.stderr:
        raise SystemExit(f"`store show nosuch` did not fail as expected: {run.returncode} {run.stderr!r}")
    return elapsed, cpu


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    home = Path(tempfile.mkdtemp())
    console_paint_seconds(home)
    fail_fast_seconds(home)
    paints = [console_paint_seconds(home) for _ in range(runs)]
    fails = [fail_fast_seconds(home) for _ in range(runs)]
    paint, paint_cpu = (statistics.median(p[i] for p in paints) for i in (0, 1))
    fail, fail_cpu = (statistics.median(f[i] for f in fails) for i in (0, 1))
    print(f"console paints home: median {paint * 1000:.0f} ms wall, {paint_cpu * 1000:.0f} ms CPU ({runs} runs)")
    print(f"`store show nosuch` exits: median {fail * 1000:.0f} ms wall, {fail_cpu * 1000:.0f} ms CPU ({runs} runs)")
    if "--figures" in sys.argv:
        print(
            json.dumps(
                [
                    {
                        "what": "`make demo` to the painted home screen",
                        "goal": "< 300 ms",
                        "measured": f"{paint * 1000:.0f} ms ({paint_cpu * 1000:.0f} ms CPU)",
                        "met": paint < 0.3,
                    },
                    {
                        "what": "a store command that fails fast (`store show nosuch`)",
                        "goal": "< 250 ms",
                        "measured": f"{fail * 1000:.0f} ms ({fail_cpu * 1000:.0f} ms CPU)",
                        "met": fail < 0.25,
                    },
                ],
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
