"""Observe mode: another integration imports the orders; we write nothing and check what it made.

Each Shopify order is matched to the Cin7 Core sale another integration (e.g. Cin7 Core's built-in
Shopify connector) made for it, by a rule the consultant picks (`observe_match`): `ExternalID` (the
order's id, as a gid or a number), `CustomerReference` equal to the order's name or number, or the
sale number `sale_number_pattern` gives; "any" tries each in that order and says which one matched.
Each matched order is checked as the pilot checks ours (sync/order_checks.py): lines and total to the
cent (a difference names its causes, sync/reconcile.py), tax rule, customer, location, stock
allocated, shipped, fulfilled in Shopify with tracking. An order with no sale after the grace period
is a problem whose likely cause comes from the same checks the sync would hold it for. Stock drift
per mapped location is reported too. Problems go to the store's error journal, once each, and are
resolved there when they are gone.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import Customer, SaleListRow
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.models import ShopifyOrder
from cin7_shopify.sync.journal import Journal
from cin7_shopify.sync.matching import RULE_WORDS, SaleIndex
from cin7_shopify.sync.order_checks import check_lines, check_tax
from cin7_shopify.sync.reconcile import total_causes
from cin7_shopify.sync.stock import plan_stock
from cin7_shopify.sync.translate import Cin7Reference, parse_time, plan_sale, waiting_reason

STEPS = ("imported", "lines_match", "customer", "tax", "stock_allocated", "shipped_in_cin7", "fulfilled_in_shopify")
# The kinds observe mode reports: each is a journal entry (a stock drift's ref is "SKU at location").
OBSERVED_KINDS = (
    "order_missed",
    "duplicate_sales",
    "total_differs",
    "lines_differ",
    "tax_differs",
    "wrong_customer",
    "duplicate_customer",
    "wrong_location",
    "not_allocated",
    "not_fulfilled_in_shopify",
    "stock_drift",
)


@dataclass
class Problem:
    kind: str
    message: str
    fix: str
    cause: str = ""  # for total_differs: discount, shipping, tax, … (sync/reconcile.py)

    def to_json(self) -> dict[str, str]:
        data = {"kind": self.kind, "message": self.message, "fix": self.fix}
        if self.cause:
            data["cause"] = self.cause
        return data


@dataclass
class ObservedOrder:
    order_id: str
    name: str
    rule: str = ""  # the match rule that found its sale
    sales: list[str] = field(default_factory=list)  # the sale numbers found
    steps: dict[str, tuple[bool | None, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    totals: dict[str, str] | None = None
    line_counts: dict[str, int] | None = None
    waiting: bool = False  # no sale yet, still within the grace period

    def step(self, name: str) -> tuple[bool | None, str]:
        return self.steps.get(name, (None, ""))

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.name,
            "matched_by": RULE_WORDS.get(self.rule, ""),
            "sales": self.sales,
            "steps": [{"step": s, "ok": self.step(s)[0], "detail": self.step(s)[1]} for s in STEPS],
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass
class ObserveReport:
    orders: list[ObservedOrder] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (order, why our rules leave it out)
    drift: list[Problem] = field(default_factory=list)
    drift_refs: list[str] = field(default_factory=list)

    def problems(self) -> list[tuple[str, Problem]]:
        """Every problem with what it is about (an order's name, or "SKU at location")."""
        found = [(o.name, p) for o in self.orders for p in o.problems]
        return found + list(zip(self.drift_refs, self.drift, strict=True))

    def to_json(self) -> dict[str, Any]:
        return {
            "orders": [o.to_json() for o in self.orders],
            "skipped": [{"order": n, "reason": r} for n, r in self.skipped],
            "stock_drift": [{"ref": r, **p.to_json()} for r, p in zip(self.drift_refs, self.drift, strict=True)],
        }


async def observe(
    cin7: Cin7Client,
    shopify: ShopifyClient,
    settings: StoreSettings,
    *,
    now: datetime | None = None,
    stock: bool = True,
    checked: dict[str, tuple[str, ObservedOrder]] | None = None,
) -> ObserveReport:
    """Read both sides and check every order since go-live against the sale another integration made.

    `checked` carries the last pass's checks: an order whose Shopify `updatedAt` and whose sales' Cin7
    `Updated` are what they were is not read again (a sale read costs one of Cin7's 60 calls a minute,
    and an observed store is checked every few minutes for weeks)."""
    now = now or datetime.now(UTC)
    since = settings.go_live or now - timedelta(days=7)
    orders = await shopify.orders(f"created_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'")
    rows = await cin7.list_sales(created_since=(since - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    index = SaleIndex(rows)
    customers = await cin7.list_customers()
    reference: Cin7Reference | None = None
    report = ObserveReport()
    for order in sorted(orders, key=lambda o: o.name):
        reason = waiting_reason(order, settings)
        rule, found = index.match(order, settings)
        if reason is not None and not found:
            report.skipped.append((order.name, reason))
            continue
        observed = ObservedOrder(order.id, order.name, rule=rule, sales=[r.OrderNumber or r.SaleID for r in found])
        report.orders.append(observed)
        if not found:
            moment = parse_time(order.processed_at or order.created_at)
            if now - moment < timedelta(minutes=settings.observe_grace_minutes):
                observed.waiting = True
                observed.steps["imported"] = (None, f"no sale yet; waiting {settings.observe_grace_minutes} min")
                continue
            if reference is None:
                reference = await _reference(cin7)
            observed.problems.append(_missed(order, settings, reference))
            observed.steps["imported"] = (False, observed.problems[-1].message)
            continue
        stamp = "|".join([order.updated_at or "", *sorted(f"{r.SaleID}@{r.Updated}" for r in found)])
        if checked is not None and order.id in checked and checked[order.id][0] == stamp:
            report.orders[-1] = copy.deepcopy(checked[order.id][1])
            continue
        await _check(observed, order, found, settings, customers, cin7, shopify)
        if checked is not None:
            checked[order.id] = (stamp, copy.deepcopy(observed))
    if stock:
        plan = await plan_stock(cin7, shopify, settings)
        for change in plan.changes:
            report.drift_refs.append(f"{change.sku} at {change.location}")
            report.drift.append(
                Problem(
                    "stock_drift",
                    f"{change.sku} at {change.location}: Shopify shows {change.current}, Cin7 Core has "
                    f"{change.target} to sell.",
                    "Look for a stock adjustment or an order one side missed; the other integration's stock "
                    "update puts Shopify right once Cin7 Core is.",
                )
            )
    return report


async def _reference(cin7: Cin7Client) -> Cin7Reference:
    products = await cin7.list_products(include_deprecated=True)
    locations = await cin7.list_locations()
    rules = await cin7.list_tax_rules()
    return Cin7Reference(
        products={p.SKU: p for p in products},
        locations={loc.Name for loc in locations if not loc.IsDeprecated},
        tax_rules={r.Name: r for r in rules if r.IsActive},
    )


def _missed(order: ShopifyOrder, settings: StoreSettings, reference: Cin7Reference) -> Problem:
    """No sale after the grace period: the likely causes, as the audit of this order finds them."""
    causes: list[str] = []
    planned = plan_sale(order, settings, reference)
    if isinstance(planned, list):
        causes += [f"{error.kind}: {error.message}" for error in planned]
    if not order.contact_email:
        causes.append("no customer email: an integration matching customers by email cannot place it")
    if order.tags:
        causes.append(f"tagged {', '.join(order.tags)}: one may be in the integration's order exclusion tags")
    if order.fulfillment_status not in {"FULFILLED", "PARTIALLY_FULFILLED"}:
        causes.append("not fulfilled yet: the trigger is not reached if the integration captures orders when fulfilled")
    likely = "; ".join(causes) if causes else "nothing in the audit explains it: the integration missed it"
    return Problem(
        "order_missed",
        f"Order {order.name} has no Cin7 Core sale after {settings.observe_grace_minutes} minutes. Likely: {likely}.",
        "Fix the cause, then load the order in the integration (Cin7 Core: Integrations → Shopify → orders).",
    )


async def _check(
    observed: ObservedOrder,
    order: ShopifyOrder,
    found: list[SaleListRow],
    settings: StoreSettings,
    customers: list[Customer],
    cin7: Cin7Client,
    shopify: ShopifyClient,
) -> None:
    sale = await cin7.get_sale(found[0].SaleID)
    number = sale.OrderNumber or sale.ID[:8]
    observed.steps["imported"] = (True, f"Cin7 Core sale {number} at {sale.Location}, by {RULE_WORDS[observed.rule]}")
    if len(found) > 1:
        observed.problems.append(
            Problem(
                "duplicate_sales",
                f"Order {order.name} has {len(found)} Cin7 Core sales: {', '.join(observed.sales)}.",
                "Void every sale but one in Cin7 Core.",
            )
        )
    ok, detail, observed.totals, observed.line_counts = check_lines(order, sale, settings.gift_card_product)
    observed.steps["lines_match"] = (ok, detail)
    if observed.totals["shopify"] != observed.totals["cin7"]:
        causes = total_causes(order, sale, settings)
        observed.problems.append(
            Problem(
                "total_differs",
                f"Order {order.name}: the customer paid {observed.totals['shopify']} but sale {number} totals "
                f"{observed.totals['cin7']}: " + "; ".join(text for _, text in causes) + ".",
                "Correct the sale in Cin7 Core, and the integration's setting that priced it.",
                cause=", ".join(cause for cause, _ in causes),
            )
        )
    elif not ok:
        observed.problems.append(
            Problem("lines_differ", f"Order {order.name}: {detail}.", "Correct the sale's lines in Cin7 Core.")
        )
    ok, detail = check_tax(order, sale, settings)
    observed.steps["tax"] = (ok, detail)
    if not ok:
        observed.problems.append(
            Problem("tax_differs", f"Order {order.name}: {detail}.", "Map the tax line in the integration as here.")
        )
    observed.steps["customer"] = _customer(observed, order, sale.Customer or "", sale.CustomerID, customers)
    fulfilment = next((fo for fo in order.fulfillment_orders if fo.location_id), None)
    wanted = settings.location_map.get(fulfilment.location_id or "") if fulfilment else None
    allocated = sale.Order is not None and sale.Order.Status == "AUTHORISED" and sale.Status != "BACKORDERED"
    if wanted is not None and sale.Location != wanted:
        assert fulfilment is not None
        observed.steps["stock_allocated"] = (False, f"at {sale.Location}, not {wanted}")
        observed.problems.append(
            Problem(
                "wrong_location",
                f"Order {order.name} ships from '{fulfilment.location_name}' (Cin7 Core: {wanted}) but sale {number} "
                f"is at {sale.Location}: stock is taken from the wrong place.",
                f"Move the sale to {wanted} in Cin7 Core and check the integration's location mapping.",
            )
        )
    elif not allocated:
        observed.steps["stock_allocated"] = (False, f"not allocated at {sale.Location} (backordered or draft)")
        observed.problems.append(
            Problem(
                "not_allocated",
                f"Sale {number} for order {order.name} holds no stock at {sale.Location}.",
                "Authorise the sale order in Cin7 Core, or receive stock for the backorder.",
            )
        )
    else:
        observed.steps["stock_allocated"] = (True, f"allocated at {sale.Location}")
    if sale.CombinedShippingStatus in {"SHIPPED", "PARTIALLY SHIPPED"}:
        observed.steps["shipped_in_cin7"] = (True, "shipped")
        state = await shopify.fulfilment_state(order.id)
        if state.numbers:
            observed.steps["fulfilled_in_shopify"] = (True, f"fulfilled with tracking {', '.join(state.numbers)}")
        elif state.fulfillments:
            observed.steps["fulfilled_in_shopify"] = (True, "fulfilled; no tracking number yet")
        else:
            observed.steps["fulfilled_in_shopify"] = (False, "shipped in Cin7 Core, not fulfilled in Shopify")
            observed.problems.append(
                Problem(
                    "not_fulfilled_in_shopify",
                    f"Sale {number} is shipped but order {order.name} is not fulfilled in Shopify.",
                    "Check the integration's fulfilment setting, or fulfil the order in Shopify with the tracking.",
                )
            )
    else:
        observed.steps["shipped_in_cin7"] = (None, "waiting for the warehouse to ship it in Cin7 Core")


def _customer(
    observed: ObservedOrder, order: ShopifyOrder, name: str, customer_id: str | None, customers: list[Customer]
) -> tuple[bool | None, str]:
    email = (order.contact_email or "").strip().lower()
    if not email:
        return True, f"{name} (no email in Shopify to check against)"
    holders = [c for c in customers if c.has_email(email)]
    if not any(c.ID == customer_id for c in holders):
        observed.problems.append(
            Problem(
                "wrong_customer",
                f"Order {order.name} is {email}'s, but its sale is for {name}, who does not hold that email.",
                "Move the sale to the right customer in Cin7 Core.",
            )
        )
        return False, f"{name} does not hold {email}"
    # Cin7 Core lists customers oldest first: the first holder is the customer, a later one a duplicate.
    if len(holders) > 1 and holders[0].ID != customer_id:
        names = ", ".join(c.Name for c in holders)
        observed.problems.append(
            Problem(
                "duplicate_customer",
                f"Order {order.name}: Cin7 Core has {len(holders)} customers for {email} ({names}); the sale is "
                f"for {name}.",
                "Merge the duplicate customers in Cin7 Core; the integration matches customers by name.",
            )
        )
        return False, f"{name} is one of {len(holders)} customers for {email}"
    return True, f"{name} ({email})" + (f"; {len(holders) - 1} duplicate(s) hold it too" if len(holders) > 1 else "")


def journal_problems(journal: Journal, report: ObserveReport, order_ids: dict[str, str]) -> int:
    """Each problem into the journal once; an open one no longer found is resolved. Returns the new ones."""
    found = {(ref, p.kind): p for ref, p in report.problems()}
    open_entries = [e for e in journal.entries() if e.status == "open" and e.kind in OBSERVED_KINDS]
    known = {(e.ref, e.kind) for e in open_entries}
    for entry in open_entries:
        if (entry.ref, entry.kind) not in found:
            journal.resolve(entry.id, note="no longer found by observe mode")
    new = 0
    for (ref, kind), problem in found.items():
        if (ref, kind) not in known:
            journal.record(kind, ref, problem.message, problem.fix, order_id=order_ids.get(ref))
            new += 1
    return new
