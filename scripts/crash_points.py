"""Kill a real `sync run` process at every crash point of a story that makes every kind of write.

The story, on the demo store served over HTTP by `sandbox serve` (unknown SKUs created, credit notes
on cancel): pass A imports (customers, products, sales, authorised orders) and pushes stock; then the
warehouse ships one order, picks another that the merchant then cancels, and the merchant cancels a
third before picking; pass B sends the fulfilment, voids one sale, invoices and credits the other,
and pushes stock again; two more passes settle it. A trial kills one pass at its Nth crash point
(each ledger or journal append just after it is on disk, and both sides of each remote write: the
process dies with os._exit, as from kill -9), restarts that pass, then plays the rest of the story.
Each trial's end state is compared with the story run without a kill: sales per order, fulfilments
per shipment, orders imported and held, voids and credit notes, and the stock Shopify shows.

    python scripts/crash_points.py            # every durable step of every write kind, both passes
    python scripts/crash_points.py --every 1  # every single point (about an hour)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import PickPackLine, ShipLine
from cin7_shopify.paths import demo_scenario_dir
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.scenario import load_scenario
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import AccessToken, ShopifyClient
from cin7_shopify.state.profiles import ProfileStore, StoreProfile

STORE = "crash-demo"
# How the story's sandbox is served: `sandbox serve` with these limits, or one the caller already serves.
SERVE_LIMITS = ("--cin7-throttle", "503", "--cin7-calls-per-minute", "10000", "--shopify-restore-rate", "100000")
# A sandbox served already: its base URL and a function that seeds it afresh with SERVE_LIMITS.
Served = tuple[str, Callable[[], None]]
# Runs `cin7-shopify ARGS` with exactly this environment and returns its exit code.
RunCommand = Callable[[Mapping[str, str], list[str]], int]
SHIPPED, PICKED_THEN_CANCELLED, CANCELLED = "#1001", "#1002", "#1003"
PASSES = ("A", "B")


@dataclass
class Outcome:
    """What a run of the story left in both systems (read back through the real clients)."""

    sales_per_order: dict[str, int] = field(default_factory=dict)
    voided: list[str] = field(default_factory=list)
    credit_notes: dict[str, int] = field(default_factory=dict)
    fulfilments: dict[str, list[str]] = field(default_factory=dict)  # order → tracking numbers sent
    imported: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    stock: dict[str, int] = field(default_factory=dict)


@dataclass
class Figures:
    points: int = 0
    trials: int = 0
    duplicate_sales: int = 0
    duplicate_fulfilments: int = 0
    stuck: int = 0  # held after a kill though the clean run imported them
    lost: int = 0  # imported by the clean run, neither imported nor held after a kill
    stock_differs: int = 0
    other_differences: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.points} crash points, {self.trials} killed runs: {self.duplicate_sales} duplicate sales, "
            f"{self.duplicate_fulfilments} duplicate fulfilments, {self.stuck} stuck orders, {self.lost} lost orders, "
            f"{self.stock_differs} stock differences, {self.other_differences} other differences"
        )


class Story:
    """`served`: a sandbox served already (the test suite's) instead of a `sandbox serve` process of its own;
    `run_command`: how a pass that is not to be killed runs (the suite runs it in its own process). A pass
    that is to be killed runs in a process of its own, where it dies as from kill -9, unless `crash_command`
    runs it (the suite: in its own process, the crash raised instead, for all but one of its kills)."""

    def __init__(
        self,
        folder: Path,
        *,
        served: Served | None = None,
        run_command: RunCommand | None = None,
        crash_command: RunCommand | None = None,
    ) -> None:
        self.folder = folder
        self.served = served
        self.run_command = run_command
        self.crash_command = crash_command
        self.port = _free_port()
        self.base = served[0] if served else f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CIN7_SHOPIFY_HOME": str(folder / "home"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "CIN7_SHOPIFY_CRASH_DEMO_CIN7_APPLICATION_KEY": SANDBOX_CIN7_KEY,
            "CIN7_SHOPIFY_CRASH_DEMO_SHOPIFY_ACCESS_TOKEN": SANDBOX_SHOPIFY_TOKEN,
        }
        self.server: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Story:
        if self.served:
            self.served[1]()
        else:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "cin7_shopify", "sandbox", "serve", "--port", str(self.port), *SERVE_LIMITS],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        for _ in range(200):
            try:
                httpx.get(self.base + "/admin/api/2026-10/graphql.json", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        demo = load_scenario(demo_scenario_dir())
        settings = StoreSettings.from_json_dict(
            {**demo.settings, "unknown_sku": "create", "credit_note_on_cancel": True}
        )
        ProfileStore(self.folder / "home" / "data" / "profiles.json").save(
            StoreProfile(
                name=STORE,
                shop_domain=demo.shopify["shop"]["myshopifyDomain"],
                cin7_account_id=SANDBOX_CIN7_ACCOUNT,
                cin7_calls_per_minute=10000,
                cin7_base_url=self.base + "/ExternalApi/v2/",
                shopify_base_url=self.base,
                settings=settings,
            )
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)

    # -- the sync, as a consultant runs it -------------------------------------------------------------

    def sync_pass(self, *, crash_at: int | None = None, log: Path | None = None) -> int:
        env = dict(self.env)
        if crash_at is not None:
            env["CIN7_SHOPIFY_CRASH_AT"] = str(crash_at)
        if log is not None:
            env["CIN7_SHOPIFY_CRASH_LOG"] = str(log)
        args = ["sync", "run", "--store", STORE, "--once"]
        if crash_at is None and self.run_command is not None:
            return self.run_command(env, args)
        if crash_at is not None and self.crash_command is not None:
            return self.crash_command(env, args)
        command = [sys.executable, "-m", "cin7_shopify", *args]
        return subprocess.run(command, env=env, capture_output=True, timeout=300).returncode

    # -- the warehouse and the merchant, between passes ----------------------------------------------

    def clients(self) -> tuple[Cin7Client, ShopifyClient]:
        cin7 = Cin7Client(SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY, base_url=self.base + "/ExternalApi/v2/")
        shopify = ShopifyClient("demo-apparel.myshopify.com", AccessToken(SANDBOX_SHOPIFY_TOKEN), base_url=self.base)
        return cin7, shopify

    async def _order_ids(self, shopify: ShopifyClient) -> dict[str, str]:
        return {o.name: o.id for o in await shopify.orders("created_at:>='2026-01-01T00:00:00Z'")}

    async def _sale_of(self, cin7: Cin7Client, order_id: str) -> str:
        rows = await cin7.find_sales_by_external_id(order_id)
        return rows[0].SaleID

    async def between_passes(self) -> None:
        cin7, shopify = self.clients()
        async with cin7, shopify:
            ids = await self._order_ids(shopify)
            shipped = await self._sale_of(cin7, ids[SHIPPED])
            await _warehouse(cin7, shipped, ship=True)
            picked = await self._sale_of(cin7, ids[PICKED_THEN_CANCELLED])
            await _warehouse(cin7, picked, ship=False)
            await shopify.cancel_order(ids[PICKED_THEN_CANCELLED])
            await shopify.cancel_order(ids[CANCELLED])

    async def outcome(self) -> Outcome:
        cin7, shopify = self.clients()
        result = Outcome()
        async with cin7, shopify:
            ids = await self._order_ids(shopify)
            names = {order_id: name for name, order_id in ids.items()}
            for row in await cin7.list_sales():
                name = names.get(row.ExternalID or "", row.ExternalID or "?")
                result.sales_per_order[name] = result.sales_per_order.get(name, 0) + 1
                if row.Status == "VOIDED":
                    result.voided.append(name)
            for name in (SHIPPED, PICKED_THEN_CANCELLED, CANCELLED):
                sale_id = await self._sale_of(cin7, ids[name])
                result.credit_notes[name] = len((await cin7.get_sale(sale_id)).CreditNotes)
                state = await shopify.fulfilment_state(ids[name])
                result.fulfilments[name] = sorted(state.numbers)
            for location in await shopify.locations():
                for item, level in (await shopify.location_stock(location.id)).items():
                    result.stock[f"{item}@{location.id}"] = level.available
        ledger = self.folder / "home" / "data" / "stores" / STORE / "ledger.jsonl"
        orders: dict[str, dict[str, Any]] = {}
        for line in ledger.read_text().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("e") == "order":
                orders.setdefault(event["order_id"], {}).update(event.get("fields") or {})
        result.imported = sorted(o.get("name", "") for o in orders.values() if o.get("status") in {"imported"})
        result.held = sorted(o.get("name", "") for o in orders.values() if o.get("status") == "held")
        result.voided.sort()
        return result


async def _warehouse(cin7: Cin7Client, sale_id: str, *, ship: bool) -> None:
    sale = await cin7.get_sale(sale_id)
    assert sale.Order is not None
    wanted = {line.SKU or "": int(line.Quantity) for line in sale.Order.Lines}
    task = (await cin7.get_fulfilments(sale_id))[-1].TaskID
    await cin7.pick(task, [PickPackLine(SKU=s, Quantity=Decimal(q), Location=sale.Location) for s, q in wanted.items()])
    if not ship:
        return
    await cin7.pack(task, [PickPackLine(SKU=s, Quantity=Decimal(q), Box="Box 1") for s, q in wanted.items()])
    await cin7.ship(
        task,
        [ShipLine(ShipmentDate="2026-11-27", Carrier="Australia Post", Box="Box 1", TrackingNumber="AP-CRASH")],
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def play(
    folder: Path,
    *,
    kill_pass: str | None = None,
    crash_at: int | None = None,
    served: Served | None = None,
    run_command: RunCommand | None = None,
    crash_command: RunCommand | None = None,
) -> tuple[Outcome, dict[str, list[str]]]:
    """The whole story; `kill_pass` dies at its `crash_at`th point and is restarted. Returns the outcome and,
    for a clean run, the crash points each pass reached, in order."""
    points: dict[str, list[str]] = {}
    with Story(folder, served=served, run_command=run_command, crash_command=crash_command) as story:
        for name in PASSES:
            if name == "B":
                asyncio.run(story.between_passes())
            log = folder / f"points-{name}.log"
            if name == kill_pass:
                code = story.sync_pass(crash_at=crash_at)
                if code != 137:
                    raise RuntimeError(f"pass {name} was to die at point {crash_at} but exited {code}")
                story.sync_pass()  # the restart
            else:
                story.sync_pass(log=log if kill_pass is None else None)
                if kill_pass is None:
                    points[name] = log.read_text().splitlines() if log.exists() else []
        story.sync_pass()  # quiescence
        return asyncio.run(story.outcome()), points


def compare(clean: Outcome, killed: Outcome, figures: Figures, label: str) -> None:
    def note(kind: str, what: str) -> None:
        setattr(figures, kind, getattr(figures, kind) + 1)
        figures.failures.append(f"{label}: {what}")

    if any(count > 1 for count in killed.sales_per_order.values()):
        note("duplicate_sales", f"sales per order {dict(Counter(killed.sales_per_order))}")
    if any(len(numbers) != len(set(numbers)) for numbers in killed.fulfilments.values()) or (
        killed.fulfilments != clean.fulfilments
    ):
        note("duplicate_fulfilments", f"fulfilments {killed.fulfilments} (clean {clean.fulfilments})")
    stuck = set(killed.held) & set(clean.imported)
    if stuck:
        note("stuck", f"held though the clean run imported them: {sorted(stuck)}")
    lost = set(clean.imported) - set(killed.imported) - set(killed.held)
    if lost:
        note("lost", f"lost: {sorted(lost)}")
    if killed.stock != clean.stock:
        differs = {k for k in clean.stock if clean.stock[k] != killed.stock.get(k)}
        note("stock_differs", f"stock differs at {sorted(differs)[:5]}")
    if killed.voided != clean.voided or killed.credit_notes != clean.credit_notes:
        note("other_differences", f"voided {killed.voided} credit notes {killed.credit_notes}")


def every_kind(points: list[str]) -> list[int]:
    """1-based points that kill each write kind at each of its durable steps at least once: the intent
    on disk, just before the call, just after the answer, the result on disk; and the first of every
    other kind of durable write (order records, journal entries, resolutions, meta)."""
    chosen: set[int] = set()
    seen_kinds: set[str] = set()
    for index, name in enumerate(points):
        if name.startswith("before "):
            kind = name.removeprefix("before ")
            if kind in seen_kinds:
                continue
            seen_kinds.add(kind)
            chosen.update({index, index + 1})  # the intent just written, then just before the call
            after = next((i for i in range(index + 1, len(points)) if points[i] == f"after {kind}"), None)
            if after is not None:
                chosen.update({after + 1, after + 2})  # just after the answer, then the result on disk
        elif not name.startswith("after ") and name not in {points[i - 1] for i in chosen if i > 0}:
            chosen.add(index + 1)
    return sorted(n for n in chosen if 1 <= n <= len(points))


def run(
    every: int | None = None,
    only: list[tuple[str, int]] | None = None,
    clean_run: tuple[Outcome, dict[str, list[str]]] | None = None,
    served: Served | None = None,
    run_command: RunCommand | None = None,
    crash_command: RunCommand | None = None,
) -> Figures:
    """`every`: kill at every Nth point; default: every durable step of every write kind."""
    figures = Figures()
    if clean_run is None:
        with tempfile.TemporaryDirectory(prefix="crash-clean-") as folder:
            clean_run = play(Path(folder), served=served, run_command=run_command)
    clean, points = clean_run
    figures.points = sum(len(p) for p in points.values())
    if only:
        trials = only
    elif every:
        trials = [(name, n) for name in PASSES for n in range(1, len(points[name]) + 1, every)]
    else:
        trials = [(name, n) for name in PASSES for n in every_kind(points[name])]
    for name, n in trials:
        with tempfile.TemporaryDirectory(prefix="crash-trial-") as folder:
            killed, _ = play(
                Path(folder),
                kill_pass=name,
                crash_at=n,
                served=served,
                run_command=run_command,
                crash_command=crash_command,
            )
        figures.trials += 1
        compare(clean, killed, figures, f"pass {name} point {n}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--every", type=int, default=None, help="kill at every Nth point (default: every step of every write kind)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    figures = run(args.every)
    print(figures.line())
    for failure in figures.failures:
        print("  " + failure)
    print(f"({time.perf_counter() - started:.0f} s)")
    return 1 if figures.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
