"""Benchmark the audit on large generated merchants: API calls, diff CPU time, memory, wall time.

    python scripts/bench_audit.py            # 10,000 and 100,000 variants
    python scripts/bench_audit.py 25000      # any sizes
    python scripts/bench_audit.py 100000 --no-http --no-scenario   # the in-process figures only
    python scripts/bench_audit.py 100000 --no-in-process           # over HTTP and audit --scenario only

Three ways, each size:
- in process: both sandboxes in this process on a simulated clock, so Cin7's 60-calls-a-minute limit
  costs no real time; "Cin7 min" is what the reads would take against the real Cin7 Core. The diff
  is timed with process_time (CPU of this process) and its memory with tracemalloc.
- over HTTP: `cin7-shopify sandbox serve` in a process of its own (its Cin7 limit raised so the run
  takes no real minutes), and the audit's reads and diff through the real clients in another, whose
  peak RSS (the kernel's, from wait4) is the figure: what a consultant's machine holds.
- `cin7-shopify audit --scenario DIR --format json`, the command itself: wall seconds, CPU seconds
  and peak RSS of its process.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from cin7_shopify.audit.engine import run_audit
from cin7_shopify.audit.sources import read_cin7_catalog, read_shopify_catalog
from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.demo_data import write_scenario
from cin7_shopify.sandbox.large_catalog import generate_large
from cin7_shopify.sandbox.scenario import Scenario
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.settings import StoreSettings


async def bench(variants: int) -> dict[str, float]:
    data = generate_large(variants)
    clock = ManualClock()
    session = open_sandbox(Scenario("bench", data["shopify"], data["cin7"], data["settings"]), clock=clock)
    settings = StoreSettings.from_json_dict(data["settings"])
    started_clock = clock.now()
    wall = time.perf_counter()
    async with session.cin7_client() as cin7, session.shopify_client() as shopify:
        cin7_catalog = await read_cin7_catalog(cin7)
        shopify_catalog = await read_shopify_catalog(shopify, orders_since=settings.go_live)
        cin7_calls, shopify_calls = cin7.calls, shopify.calls
    read_seconds = time.perf_counter() - wall
    simulated_minutes = (clock.now() - started_clock) / 60
    products = len(data["cin7"]["Products"])
    rows = len(data["cin7"]["ProductAvailability"])
    families = len(data["cin7"]["ProductFamilies"])
    floor = math.ceil(products / 1000) + math.ceil(rows / 1000) + math.ceil(families / 1000) + 2
    del session, data
    gc.collect()
    diff_cpu = math.inf
    for _ in range(3):  # best of three: CPU of this process only
        cpu = time.process_time()
        report = run_audit(shopify_catalog, cin7_catalog, settings, store="bench")
        diff_cpu = min(diff_cpu, time.process_time() - cpu)
    tracemalloc.start()  # a separate run: tracing slows allocation down
    run_audit(shopify_catalog, cin7_catalog, settings, store="bench")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "variants": variants,
        "products": products,
        "stock_rows": rows,
        "findings": len(report.findings),
        "cin7_calls": cin7_calls,
        "cin7_floor": floor,
        "shopify_calls": shopify_calls,
        "read_s": read_seconds,
        "simulated_min": simulated_minutes,
        "diff_cpu_s": diff_cpu,
        "diff_peak_mb": peak / 1e6,
        "catalogue_mb": _size_mb(shopify_catalog, cin7_catalog),
    }


def _size_mb(*objects: object) -> float:
    """What the catalogues occupy: the traced peak of building a deep copy of them."""
    import copy

    tracemalloc.start()
    copy.deepcopy(objects)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _measured(command: list[str], **options: Any) -> tuple[subprocess.CompletedProcess[str], dict[str, float]]:
    """Run a process to its end: its output, and its wall seconds, CPU seconds and peak RSS (MB).

    Started by a small launcher process (this script with --measure), never forked from this one: a
    child counts the pages of the process it was forked from until it execs, and this one holds a
    generated catalogue."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as figures_file:
        launcher = [sys.executable, __file__, "--measure", figures_file.name, *command]
        done = subprocess.run(launcher, capture_output=True, text=True, check=False, **options)
        figures = json.loads(figures_file.read() or "{}")
    if not figures:
        raise RuntimeError(f"the launcher failed: {done.stderr.strip()[-300:]}")
    return done, figures


def _launch(figures_path: str, command: list[str]) -> int:
    """In the launcher: run the command with this process's output, and write its figures."""
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)  # reaps it: the kernel's figures for that process alone
    wall = time.perf_counter() - started
    figures = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}
    Path(figures_path).write_text(json.dumps(figures), encoding="utf-8")
    return os.waitstatus_to_exitcode(status)


def _cli() -> list[str]:
    return [sys.executable, "-m", "cin7_shopify"]


async def _http_child(base: str, domain: str, settings_json: str) -> None:
    """In the child process: the audit's reads and diff through the real clients, figures as JSON."""
    from cin7_shopify.cin7.client import Cin7Client
    from cin7_shopify.cin7.pacer import Cin7Pacer
    from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
    from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
    from cin7_shopify.shopify.client import AccessToken, ShopifyClient

    settings = StoreSettings.from_json_dict(json.loads(settings_json))
    wall = time.perf_counter()
    async with (
        Cin7Client(
            SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY, base_url=base + "/ExternalApi/v2/", pacer=Cin7Pacer(100_000)
        ) as cin7,
        ShopifyClient(domain, AccessToken(SANDBOX_SHOPIFY_TOKEN), base_url=base) as shopify,
    ):
        cin7_catalog = await read_cin7_catalog(cin7)
        shopify_catalog = await read_shopify_catalog(shopify, orders_since=settings.go_live)
        calls = {"cin7_calls": cin7.calls, "shopify_calls": shopify.calls}
    cpu = time.process_time()
    report = run_audit(shopify_catalog, cin7_catalog, settings, store="bench")
    diff_cpu = time.process_time() - cpu
    figures = {"findings": len(report.findings), "diff_cpu_s": diff_cpu, "audit_wall_s": time.perf_counter() - wall}
    print(json.dumps({**figures, **calls}))


def bench_http(folder: Path, data: dict[str, Any]) -> dict[str, float]:
    """The sandbox served by `sandbox serve`; the audit through the real clients in a process of its own."""
    port = _free_port()
    server = subprocess.Popen(
        [
            *_cli(),
            *("sandbox", "serve", "--scenario", str(folder), "--port", str(port)),
            *("--cin7-calls-per-minute", "100000", "--shopify-restore-rate", "100000"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 600
        while True:  # seeding a large scenario takes a while; then the port answers
            if server.poll() is not None:
                raise RuntimeError(f"sandbox serve stopped: {server.stderr.read() if server.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("sandbox serve did not start in 10 minutes") from None
                time.sleep(0.5)
        child = [
            sys.executable,
            __file__,
            "--http-child",
            f"http://127.0.0.1:{port}",
            data["shopify"]["shop"]["myshopifyDomain"],
            json.dumps(data["settings"]),
        ]
        done, figures = _measured(child)
        if done.returncode != 0:
            raise RuntimeError(f"the audit over HTTP failed: {done.stderr.strip()[-300:]}")
        return {**figures, **json.loads(done.stdout.strip().splitlines()[-1])}
    finally:
        server.terminate()  # the process this benchmark started, by its id
        server.wait(timeout=30)


def bench_scenario(folder: Path) -> dict[str, float]:
    """`cin7-shopify audit --scenario DIR --format json`, as a consultant runs it."""
    with tempfile.TemporaryDirectory() as home:
        out = Path(home) / "report.json"
        env = {**os.environ, "CIN7_SHOPIFY_HOME": home}
        done, figures = _measured(
            [*_cli(), "audit", "--scenario", str(folder), "--format", "json", "--out", str(out)], env=env
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"audit --scenario failed: {done.stderr.strip()[-300:]}")
        figures["findings"] = len(json.loads(out.read_text(encoding="utf-8"))["findings"])
    return figures


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        raise SystemExit(_launch(sys.argv[2], sys.argv[3:]))
    if sys.argv[1:2] == ["--http-child"]:
        asyncio.run(_http_child(*sys.argv[2:5]))
        return
    sizes = [int(a) for a in sys.argv[1:] if not a.startswith("--")] or [10_000, 100_000]
    rows = []
    print(
        f"{'variants':>9} {'findings':>8} {'Cin7 calls':>10} {'(floor)':>7} {'Shopify':>7} "
        f"{'Cin7 min':>8} {'diff CPU s':>10} {'diff MB':>8} {'catalogues MB':>13}"
    )
    for size in sizes if "--no-in-process" not in sys.argv else []:
        r = asyncio.run(bench(size))
        print(
            f"{r['variants']:>9,} {r['findings']:>8,} {r['cin7_calls']:>10} {r['cin7_floor']:>7} "
            f"{r['shopify_calls']:>7} {r['simulated_min']:>8.1f} {r['diff_cpu_s']:>10.2f} "
            f"{r['diff_peak_mb']:>8.1f} {r['catalogue_mb']:>13.1f}",
            flush=True,
        )
        rows.append(
            {
                "what": f"audit diff on {r['variants']:,} variants (both sandboxes in-process)",
                "goal": "< 2 s CPU" if r["variants"] >= 100_000 else "—",
                "measured": f"{r['diff_cpu_s']:.2f} s CPU, {r['diff_peak_mb']:.0f} MB peak",
                "met": r["diff_cpu_s"] < 2,
            }
        )
    if "--no-http" in sys.argv and "--no-scenario" in sys.argv:
        if "--figures" in sys.argv:
            print(json.dumps(rows, ensure_ascii=False))
        return
    print(
        f"\n{'variants':>9} {'how':<18} {'findings':>8} {'Cin7':>5} {'Shopify':>7} "
        f"{'diff CPU s':>10} {'wall s':>7} {'CPU s':>7} {'peak RSS MB':>11}"
    )
    for size in sizes:
        data = generate_large(size)
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / f"large-{size}"
            write_scenario(data, folder)
            if "--no-http" not in sys.argv:
                h = bench_http(folder, data)
                print(
                    f"{size:>9,} {'over HTTP':<18} {h['findings']:>8,} {h['cin7_calls']:>5.0f} "
                    f"{h['shopify_calls']:>7.0f} {h['diff_cpu_s']:>10.2f} {h['wall_s']:>7.1f} {h['cpu_s']:>7.1f} "
                    f"{h['peak_mb']:>11.0f}",
                    flush=True,
                )
                big = size >= 100_000
                rows += [
                    {
                        "what": f"audit over HTTP on {size:,} variants: peak RSS of the audit",
                        "goal": "< 500 MB" if big else "—",
                        "measured": f"{h['peak_mb']:.0f} MB ({h['cin7_calls']:.0f} Cin7 + "
                        f"{h['shopify_calls']:.0f} Shopify calls, {h['wall_s']:.0f} s wall)",
                        "met": h["peak_mb"] < 500,
                    },
                    {
                        "what": f"audit over HTTP on {size:,} variants: the diff",
                        "goal": "< 2 s CPU" if big else "—",
                        "measured": f"{h['diff_cpu_s']:.2f} s CPU",
                        "met": h["diff_cpu_s"] < 2,
                    },
                ]
            if "--no-scenario" not in sys.argv:
                c = bench_scenario(folder)
                print(
                    f"{size:>9,} {'audit --scenario':<18} {c['findings']:>8,} {'':>5} {'':>7} {'':>10} "
                    f"{c['wall_s']:>7.1f} {c['cpu_s']:>7.1f} {c['peak_mb']:>11.0f}",
                    flush=True,
                )
                big = size >= 100_000
                rows.append(
                    {
                        "what": f"`audit --scenario` on {size:,} variants",
                        "goal": "< 60 s wall, < 1 GB" if big else "—",
                        "measured": f"{c['wall_s']:.0f} s wall ({c['cpu_s']:.0f} s CPU), {c['peak_mb']:.0f} MB peak",
                        "met": c["wall_s"] < 60 and c["peak_mb"] < 1024,
                    }
                )
    if "--figures" in sys.argv:
        print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
