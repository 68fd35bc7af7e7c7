"""Benchmark start-up as a consultant feels it, from outside the process.

    python scripts/bench_startup.py [--runs 5] [--figures]

- the console: `cin7-shopify demo` started in a pseudo-terminal (120x40), timed until home has painted
  its store list and go-live checklist (its first frame), and until the demo store has joined the list
  (the sandbox loads after the first paint), then closed with `q`;
- the floor: Python, importing Textual and a bare App composing one Static with home's two markers, in the
  same pseudo-terminal, timed to its first frame the same way (run alternately with the console);
- a store command that fails fast: `cin7-shopify store show nosuch` and `cin7-shopify audit --store
  nosuch`, timed to their exit.

Each is run once to warm the disk cache, then `--runs` times. Wall time depends on what else the
machine runs; CPU time (user + system, of the process) much less: both are printed, the minimum and
the median of the runs, beside the goal. `--figures` ends with one JSON line for `make bench`.

Where valgrind is installed, the console and the floor are also run once each under callgrind to their first
frame, and the instructions each executed are printed: a figure that does not move with the machine's load (this
machine's bare App took 266 to 454 ms from night to night), and the console's cost over the floor as a ratio.
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
from collections.abc import Iterator
from pathlib import Path

HOME_PAINTED = (b"Go-live checklist", b"Stores")  # both on home's first frame
STORES_LISTED = b"demo-apparel (sandbox)"  # the demo store in home's list: the sandbox has loaded
FAIL_FAST = (["store", "show", "nosuch"], ["audit", "--store", "nosuch"])
PAINT_GOAL, FAIL_GOAL = 0.300, 0.250  # issue 15, item 2
CLI = shutil.which("cin7-shopify", path=str(Path(sys.executable).parent)) or "cin7-shopify"


def _environment(home: Path) -> dict[str, str]:
    # As installed (pip compiles the bytecode): with PYTHONDONTWRITEBYTECODE every run would compile every
    # module it imports again; the run that warms the disk cache writes the bytecode instead.
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**inherited, "CIN7_SHOPIFY_HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU a running process has used so far (Linux /proc): on a shared, loaded machine
    this is the figure that does not depend on how many others want the processors."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The floor: Python, importing Textual and an App that composes one Static with home's two markers, timed
# the same way. What the console does beyond it is what it can still shed.
FLOOR_APP = """
from textual.app import App
from textual.widgets import Static

class Floor(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Static("Stores\\nGo-live checklist")

Floor().run()
"""


def terminal_output(fd: int, *, until: float, keep: int, poll: float) -> Iterator[bytes]:
    """What a program has written to its pseudo-terminal so far (the last `keep` bytes), after each read, until
    it closes the terminal or the clock passes `until`."""
    seen = b""
    while time.perf_counter() < until:
        ready, _, _ = select.select([fd], [], [], poll)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the program has closed the terminal
            return
        if not chunk:
            return
        seen = (seen + chunk)[-keep:]
        yield seen


def console_paint_seconds(
    home: Path, timeout: float = 60.0, *, floor: bool = False
) -> tuple[float, float, float, float]:
    """From starting `cin7-shopify demo` to home's first frame on the terminal, and to the demo store in
    its list: wall and CPU seconds of each. `floor`: the bare App instead (its 'listed' is its paint)."""
    import fcntl
    import termios

    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, on this pseudo-terminal, sized before it starts
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        if floor:
            os.execve(sys.executable, [sys.executable, "-c", FLOOR_APP], _environment(home))
        os.execve(CLI, [CLI, "demo"], _environment(home))
    painted: tuple[float, float] | None = None
    listed: tuple[float, float] | None = None
    try:
        for seen in terminal_output(fd, until=started + timeout, keep=400_000, poll=0.01):
            now = time.perf_counter() - started
            if painted is None and all(marker in seen for marker in HOME_PAINTED):
                painted = now, cpu_seconds(pid)
            if painted is not None and (floor or STORES_LISTED in seen):
                listed = painted if floor else (now, cpu_seconds(pid))
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
    if painted is None or listed is None:
        raise SystemExit(f"the console did not paint home and list the demo store within {timeout:.0f} s")
    return (*painted, *listed)


# Run before the console or the floor: the process leaves as soon as the terminal has been sent home's first
# frame (both markers), so that an instruction count covers the start and nothing after it.
EXIT_AT_FIRST_FRAME = """
import importlib.machinery, os, sys

class _FirstFrame:
    def find_spec(self, name, path, target=None):
        if name != "textual.drivers.linux_driver":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            write, sent = module.LinuxDriver.write, []

            def written(driver, data):
                write(driver, data)
                sent.append(data)
                if all(marker in "".join(sent) for marker in ("Go-live checklist", "Stores")):
                    os._exit(0)

            module.LinuxDriver.write = written

        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _FirstFrame())
"""
CONSOLE_APP = "import sys\nfrom cin7_shopify.cli import main\nsys.argv = ['cin7-shopify', 'demo']\nsys.exit(main())\n"


def instructions_to_first_frame(home: Path, *, floor: bool = False) -> int | None:
    """Instructions the console (or the floor) executes from its start to home's first frame, counted by
    valgrind's callgrind; None where valgrind is not installed."""
    import re

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    code = EXIT_AT_FIRST_FRAME + (FLOOR_APP if floor else CONSOLE_APP)
    argv = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code]
    pid, fd = pty.fork()
    if pid == 0:
        import fcntl
        import termios

        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        os.execve(valgrind, argv, _environment(home))
    seen = b""
    deadline = time.perf_counter() + 300  # callgrind runs the start ~50 times slower
    try:
        for seen in terminal_output(fd, until=deadline, keep=200_000, poll=1.0):  # noqa: B007 (the last is kept)
            pass
        if time.perf_counter() >= deadline:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    counted = re.search(rb"Collected : (\d+)", seen)
    if counted is None or os.waitstatus_to_exitcode(status) != 0:  # it failed before its first frame
        print("(not counted: the start did not reach its first frame under valgrind)")
        return None
    return int(counted.group(1))


def fail_fast_seconds(home: Path, argv: list[str]) -> tuple[float, float]:
    """A command naming a store that does not exist, from start to exit: wall and CPU seconds."""
    before = os.times()
    started = time.perf_counter()
    run = subprocess.run([CLI, *argv], env=_environment(home), capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if run.returncode != 2 or b"No store named 'nosuch'" not in run.stderr:
        raise SystemExit(f"`{' '.join(argv)}` did not fail as expected: {run.returncode} {run.stderr!r}")
    return elapsed, cpu


def _figure(wall: list[float], cpu: list[float]) -> str:
    """make bench's figure: the fastest run, wall (CPU)."""
    return f"{min(wall) * 1000:.0f} ms ({min(cpu) * 1000:.0f} ms CPU), min of {len(wall)}"


def _ms(values: list[float]) -> str:
    return f"min {min(values) * 1000:.0f} / median {statistics.median(values) * 1000:.0f} ms"


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    home = Path(tempfile.mkdtemp())
    console_paint_seconds(home)
    for argv in FAIL_FAST:
        fail_fast_seconds(home, argv)
    console_paint_seconds(home, floor=True)
    # Interleaved with the floor's runs: both see the same load on a shared machine.
    both = [(console_paint_seconds(home), console_paint_seconds(home, floor=True)) for _ in range(runs)]
    consoles, floors = [c for c, _ in both], [f for _, f in both]
    fails = {" ".join(argv): [fail_fast_seconds(home, argv) for _ in range(runs)] for argv in FAIL_FAST}
    paint, paint_cpu, listed, listed_cpu = ([c[i] for c in consoles] for i in range(4))
    floor, floor_cpu = [f[0] for f in floors], [f[1] for f in floors]
    print(f"{runs} runs each (after one to warm the disk cache); load average {os.getloadavg()[0]:.1f} at the end")
    print(f"console paints home:              {_ms(paint)} wall, {_ms(paint_cpu)} CPU (goal < 300 ms)")
    print(f"  … and lists the demo store:     {_ms(listed)} wall, {_ms(listed_cpu)} CPU")
    print(f"  floor, a bare App and a Static: {_ms(floor)} wall, {_ms(floor_cpu)} CPU")
    for command, timings in fails.items():
        wall, cpu = [t[0] for t in timings], [t[1] for t in timings]
        print(f"`{command}` exits:{' ' * (28 - len(command))}{_ms(wall)} wall, {_ms(cpu)} CPU (goal < 250 ms)")
    console_instructions = instructions_to_first_frame(home)  # the styles kept by the runs above: a later start
    floor_instructions = instructions_to_first_frame(home, floor=True)
    counted = ""
    if console_instructions and floor_instructions:
        ratio = console_instructions / floor_instructions
        counted = f"; to the first frame {console_instructions / 1e6:.0f}M instructions, {ratio:.2f}× the floor's"
        print(
            f"instructions to the first frame:  console {console_instructions / 1e6:.0f}M, floor "
            f"{floor_instructions / 1e6:.0f}M ({ratio:.2f}×; callgrind)"
        )
    if "--figures" in sys.argv:
        fail_wall = [t[0] for t in fails["store show nosuch"]]
        fail_cpu = [t[1] for t in fails["store show nosuch"]]
        print(
            json.dumps(
                [
                    {
                        "what": "`make demo` to the painted home screen",
                        "goal": "< 300 ms",
                        "measured": _figure(paint, paint_cpu) + counted,
                        "met": min(paint) < PAINT_GOAL,
                    },
                    {
                        "what": "… the floor: Python, Textual and a bare App painting one Static, timed the same way",
                        "goal": "—",
                        "measured": _figure(floor, floor_cpu),
                        "met": None,
                    },
                    {
                        "what": "… until the demo store is listed (the sandbox loads after the paint)",
                        "goal": "—",
                        "measured": _figure(listed, listed_cpu),
                        "met": None,
                    },
                    {
                        "what": "a store command that fails fast (`store show nosuch`)",
                        "goal": "< 250 ms",
                        "measured": _figure(fail_wall, fail_cpu),
                        "met": min(fail_wall) < FAIL_GOAL,
                    },
                ],
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
