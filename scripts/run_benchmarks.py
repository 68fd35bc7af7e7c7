"""Run every benchmark in scripts/ (bench_*.py) and print one table: each figure, its goal beside it.

    python scripts/run_benchmarks.py            # what `make bench` runs
    python scripts/run_benchmarks.py sync poll  # only bench_sync.py and bench_poll.py

Each benchmark runs in a process of its own with `--figures` and ends its output with one JSON line,
a list of {"what", "goal", "measured", "met"}; its own report is kept in bench-output/<name>.txt. A
benchmark that fails is a row saying so. The machine the figures come from heads the table.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ARGUMENTS = {
    "bench_audit.py": ["100000"],  # the figure is the 100,000-variant catalogue
    "bench_capacity.py": ["--only", "1x200", "3x1000", "10x200"],  # three loads of the grid: minutes, not ten
}
NOT_HERE: list[dict[str, object]] = [  # figures of the issue that a benchmark script does not measure
    {
        "what": "`make test`",
        "goal": "< 60 s",
        "measured": "time `make test` (not run by make bench)",
        "met": None,
    }
]


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.machine())
    memory = next((int(line.split()[1]) // 1024**2 for line in meminfo if "MemTotal" in line), 0)
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GB, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {load:.1f} when started"
    )


def run(script: Path, out: Path) -> tuple[list[dict[str, object]], float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script), *ARGUMENTS.get(script.name, []), "--figures"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    out.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [{"what": script.stem, "goal": "—", "measured": f"failed: {last[:80]}", "met": False}], elapsed
    lines = done.stdout.strip().splitlines()
    rows: list[dict[str, object]] = []
    if lines and lines[-1].startswith("["):
        rows = json.loads(lines[-1])
    return rows, elapsed


def main() -> int:
    wanted = {f"bench_{name}.py" for name in sys.argv[1:]}
    scripts = sorted(p for p in SCRIPTS.glob("bench_*.py") if not wanted or p.name in wanted)
    out = Path("bench-output")
    out.mkdir(exist_ok=True)
    print(f"Machine: {machine()}", flush=True)
    rows: list[dict[str, object]] = []
    for script in scripts:
        print(f"  running {script.name} …", end="", flush=True)
        found, elapsed = run(script, out / f"{script.stem}.txt")
        print(f" {elapsed:.0f} s, {len(found)} figure(s)", flush=True)
        rows += found
    if not wanted:
        rows += NOT_HERE
    width = max(len(str(r["what"])) for r in rows)
    goal_width = max(len(str(r["goal"])) for r in rows)
    print()
    print(f"| {'what':<{width}} | {'goal':<{goal_width}} | measured | met |")
    print(f"|{'-' * (width + 2)}|{'-' * (goal_width + 2)}|---|---|")
    for r in rows:
        met = {True: "yes", False: "**no**", None: "—"}[r["met"]]  # type: ignore[index]
        print(f"| {r['what']!s:<{width}} | {r['goal']!s:<{goal_width}} | {r['measured']} | {met} |")
    print(f"\n(each benchmark's own report: {out}/)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
