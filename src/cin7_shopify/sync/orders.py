"""Orders in: poll Shopify, import each eligible order as a Cin7 Core sale, exactly once.

Each write goes through the one write step (write_step.py): the intent is recorded before the call
and the result after; an intent left open by a crash or an answer that may have been applied means
"this may have landed", so the next attempt looks in Cin7 Core (saleList by ExternalID, the sale's
order status, the customer by email, the product by SKU) and finishes the work instead of repeating it.
An order that cannot be imported is held, one journal entry per cause, and costs no call until
something it waits on changes (its SKUs' products, the settings, its customer) or its backoff
expires (5 minutes, doubling to an hour). Customers are read once, a page of 1,000 a call, and
only customers changed since are read again: a known customer costs no call, a new one its create.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.errors import Cin7ConnectionError, Cin7Error, Cin7RateLimited, Cin7ServerError
from cin7_shopify.cin7.models import Contact, Customer, Product
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.models import ShopifyOrder
from cin7_shopify.state.crash import CrashPoints
from cin7_shopify.state.ledger import Ledger, OrderEntry
from cin7_shopify.sync.credit_notes import credit_cancelled_sale, credit_refunds
from cin7_shopify.sync.journal import Journal
from cin7_shopify.sync.translate import Cin7Reference, HeldError, SalePlan, plan_sale, waiting_reason
from cin7_shopify.sync.write_step import MAYBE_APPLIED, WriteSteps

OVERLAP = timedelta(minutes=10)  # re-read this much before the watermark: Shopify's updated_at can lag
TRANSIENT = (Cin7ServerError, Cin7ConnectionError, Cin7RateLimited)
FIRST_BACKOFF = timedelta(minutes=5)  # a held order nothing changed for is tried again after this,
LONGEST_BACKOFF = timedelta(hours=1)  # doubling each time up to this


def backoff(attempts: int) -> timedelta:
    """How long a held order rests after being held `attempts` times in a row."""
    return min(LONGEST_BACKOFF, FIRST_BACKOFF * (1 << max(0, min(attempts, 20) - 1)))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _since(moment: datetime) -> str:
    """A `ModifiedSince` for Cin7: whole seconds, rounded down, so a change in the same second is read."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class NoCustomerTemplate(Exception):
    """A new customer cannot be made: Cin7 Core has no customer to copy the required terms and accounts from."""


@dataclass
class PassResult:
    imported: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    retry_later: list[str] = field(default_factory=list)  # transient failures: picked up by the next pass
    voided: list[str] = field(default_factory=list)
    cin7_calls: int = 0


class OrderSync:
    def __init__(
        self,
        cin7: Cin7Client,
        shopify: ShopifyClient,
        ledger: Ledger,
        journal: Journal,
        settings: Callable[[], StoreSettings],
        *,
        crash: CrashPoints | None = None,
    ) -> None:
        self.cin7 = cin7
        self.shopify = shopify
        self.ledger = ledger
        self.journal = journal
        self.settings = settings
        self.crash = crash or CrashPoints()
        self.writes = WriteSteps(ledger, self.crash)
        self.reference: Cin7Reference | None = None
        self._template: Customer | None = None
        self.pilot_orders: set[str] = set()  # test orders the pilot placed: imported despite skip_test_orders
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)  # when held orders' backoffs expire
        # Cin7's customers by contact email and their names, read once; then only those changed since.
        self._directory: dict[str, Customer] | None = None
        self._directory_names: dict[str, Customer] = {}  # lower-case name → customer (names are unique)
        self._directory_read: str | None = None  # when (UTC) the directory was last read
        self._first_customer: Customer | None = None  # a template for new customers if no default one
        self._directory_fresh = False  # read during this pass: an unknown email is a new customer
        self._common: str | None = None  # digest of what every held order waits on, once a pass
        self._due_now: set[str] = set()  # held orders whose backoff has expired, this pass

    # -- reference data -------------------------------------------------------------------

    async def load_reference(self) -> Cin7Reference:
        """Products (deprecated too: Cin7 itself refuses those), locations and tax rules."""
        products = await self.cin7.list_products(include_deprecated=True)
        locations = await self.cin7.list_locations()
        rules = await self.cin7.list_tax_rules()
        self.reference = Cin7Reference(
            products={p.SKU: p for p in products},
            locations={loc.Name for loc in locations if not loc.IsDeprecated},
            tax_rules={r.Name: r for r in rules if r.IsActive},
        )
        return self.reference

    async def _recheck_skus(self, skus: set[str]) -> None:
        """A held order's missing SKUs may exist by now: look up just those (one call each)."""
        assert self.reference is not None
        for sku in sorted(skus):
            for product in await self._products_by_sku(sku):
                self.reference.products[product.SKU] = product

    async def _recheck_services(self) -> None:
        """Orders held for a service product: look the named ones up again (one call each), they may exist now."""
        assert self.reference is not None
        settings = self.settings()
        names = {settings.shipping_product, settings.tip_product, settings.duty_product, settings.gift_card_product}
        for name in sorted(n for n in names if n and self.reference.service(n) is None):
            body = await self.cin7._request(
                "GET", "product", params={"Name": name, "IncludeDeprecated": "true", "Page": "1", "Limit": "100"}
            )
            for row in body.get("Products") or []:
                product = Product.model_validate(row)
                if product.Name == name:
                    self.reference.products[product.SKU] = product

    async def _products_by_sku(self, sku: str) -> list[Product]:
        body = await self.cin7._request(
            "GET", "product", params={"Sku": sku, "IncludeDeprecated": "true", "Page": "1", "Limit": "100"}
        )
        return [Product.model_validate(row) for row in body.get("Products") or [] if row.get("SKU") == sku]

    # -- passes ---------------------------------------------------------------------------

    async def poll(self) -> PassResult:
        """Orders changed since the last pass, read in full only if new to the sync, then held orders.

        Shopify's updatedAt can lag, so the pass looks 10 minutes before the newest change it saw; but it
        first asks only for ids and times (250 a call) and reads in full just the orders whose stamp
        it has not seen, remembering the stamps of that window in the ledger. An idle pass costs one
        call per 250 orders changed in the last 10 minutes, and no order is processed twice unchanged.
        """
        if self.reference is None:
            await self.load_reference()
        settings = self.settings()
        watermark = self.ledger.meta.get("orders_watermark")
        since = (
            datetime.fromisoformat(watermark.replace("Z", "+00:00")) - OVERLAP
            if watermark
            else (settings.go_live or datetime.now(UTC)) - OVERLAP
        )
        search = f"updated_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        seen: dict[str, str] = dict(self.ledger.meta.get("orders_seen") or {})
        stamps = await self.shopify.order_stamps(search)
        changed = [order_id for order_id, stamp in stamps.items() if seen.get(order_id) != stamp]
        if len(changed) == len(stamps):
            orders = await self.shopify.orders(search) if stamps else []  # all new: one read of the window
        else:
            orders = await self.shopify.orders_by_id(changed)
        result = await self.process_all(orders)
        stamps.update({order.id: order.updated_at for order in orders})  # as read in full
        newest = max([watermark or "", *stamps.values()])
        if newest:
            keep_from = (datetime.fromisoformat(newest.replace("Z", "+00:00")) - OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")
            window = {order_id: stamp for order_id, stamp in {**seen, **stamps}.items() if stamp >= keep_from}
            if window != seen or newest != watermark:
                self.ledger.set_meta(orders_watermark=newest, orders_seen=window)
        return result

    async def backfill(self, since: datetime) -> PassResult:
        """History, on request only: orders created since `since`, go-live or not."""
        await self.shopify.require_order_history(since, what="A backfill")
        if self.reference is None:
            await self.load_reference()
        orders = await self.shopify.orders(f"created_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'")
        return await self.process_all(orders, backfill=True)

    async def pilot_pass(self, order_ids: list[str]) -> PassResult:
        """The pilot's own test orders and nothing else. A pilot runs before go-live, so they are
        imported whatever the go-live date (as a backfill is), and the store's other orders are left
        for the sync: placing test orders must not start importing the store."""
        if self.reference is None:
            await self.load_reference()
        result = PassResult()
        calls = self.cin7.calls
        self._directory_fresh = False
        self._common = None
        self._due_now = set(order_ids)
        self.pilot_orders.update(order_ids)
        for order in await self.shopify.orders_by_id(order_ids):
            await self.process(order, result, backfill=True)
        result.cin7_calls = self.cin7.calls - calls
        return result

    async def process_all(self, orders: list[ShopifyOrder], *, backfill: bool = False) -> PassResult:
        result = PassResult()
        calls = self.cin7.calls
        self._directory_fresh = False
        seen = {order.id for order in orders}
        now = self.now()
        unsettled = [e for e in self.ledger.orders.values() if e.status in {"held", "retry"}]
        # A held order unchanged in Shopify rests until its backoff expires or what it waits on changes.
        due = [e for e in unsettled if e.order and self._due(e, now)]
        # SKUs that due held orders wait for: looked up again, one call each, in case they now exist.
        waiting_for = {
            line.sku
            for entry in due
            if entry.order and any(error["kind"] == "unknown_sku" for error in entry.errors)
            for line in ShopifyOrder.model_validate(entry.order).lines
            if line.sku and self.reference and line.sku not in self.reference.products
        }
        if waiting_for:
            await self._recheck_skus(waiting_for)
        if any(error["kind"] == "missing_service_product" for entry in due for error in entry.errors):
            await self._recheck_services()
        self._common = None  # settings and reference as they are now
        self._due_now = {e.order_id for e in due}
        held = [ShopifyOrder.model_validate(e.order) for e in unsettled if e.order and e.order_id not in seen]
        # A credit note Cin7 refused is due again every pass, changed in Shopify or not.
        held += [
            ShopifyOrder.model_validate(e.order)
            for e in self.ledger.orders.values()
            if e.credit_due and e.order and e.order_id not in seen
        ]
        for order in [*orders, *held]:
            await self.process(order, result, backfill=backfill)
        result.cin7_calls = self.cin7.calls - calls
        return result

    def _resting(self, entry: OrderEntry, order: ShopifyOrder) -> bool:
        """A held order rests (costs no call) while Shopify shows the same order, its backoff has not
        expired and nothing it waits on has changed."""
        return (
            entry.status == "held"
            and entry.order_id not in self._due_now
            and bool(entry.order)
            and (entry.order or {}).get("updated_at") == order.updated_at
            and entry.waits_on == self._waits_on(order)
        )

    def _due(self, entry: OrderEntry, now: datetime) -> bool:
        """A transient retry is due every pass; a held order once its backoff has expired."""
        if entry.status != "held" or not entry.retry_at:
            return True
        return now >= datetime.fromisoformat(entry.retry_at.replace("Z", "+00:00"))

    def _waits_on(self, order: ShopifyOrder) -> str:
        """What a held order waits on, as one digest: the settings, the Cin7 products of its SKUs (and
        the service products, locations and tax rules), and its customer as the sync knows it."""
        assert self.reference is not None
        skus = sorted({line.sku for line in order.lines if line.sku})
        products = {sku: self.reference.products.get(sku) for sku in skus}
        email = (order.contact_email or "").strip().lower()
        state = {
            "common": self._common_state(),
            "products": {sku: p.model_dump(mode="json") if p else None for sku, p in products.items()},
            "customer": self.ledger.customers.get(email),
            "known": bool(self._directory is not None and email in self._directory),
        }
        return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:20]

    def _common_state(self) -> str:
        """The part every held order waits on (settings, service products, locations, tax rules); once a pass."""
        if self._common is None:
            assert self.reference is not None
            state = {
                "settings": self.settings().model_dump(mode="json"),
                "services": sorted(
                    p.Name for p in self.reference.products.values() if (p.Type or "") == "Service" and p.is_active
                ),
                "locations": sorted(self.reference.locations),
                "tax_rules": {name: rule.model_dump(mode="json") for name, rule in self.reference.tax_rules.items()},
            }
            self._common = hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()
        return self._common

    async def process(self, order: ShopifyOrder, result: PassResult, *, backfill: bool = False) -> None:
        entry = self.ledger.order(order.id)
        if entry is not None and entry.status in {"imported", "cancelled_after_pick"}:
            if order.cancelled_at and entry.status == "imported":
                await self._cancel(order, result)
            elif entry.status == "imported":
                await credit_refunds(self, order, entry.refunds)
            return
        if entry is not None and entry.status == "voided":
            return
        if entry is not None and not backfill and self._resting(entry, order):
            result.held.append(order.name)  # nothing it waits on changed: no call spent on it
            return
        reason = waiting_reason(
            order,
            self.settings(),
            backfill=backfill or bool(entry and entry.reason == "backfill"),
            allow_test=order.id in self.pilot_orders,
        )
        if reason is not None and not self._has_open_intents(order.id):
            status = "waiting" if reason.startswith("waiting") else "skipped"
            if entry is None or entry.status != status or entry.reason != reason:
                self.ledger.update_order(order.id, name=order.name, status=status, reason=reason)
            result.skipped.append(order.name)
            return
        try:
            await self._import(order, result, backfill=backfill)
        except TRANSIENT as exc:
            # Kept with the order itself: the watermark moves on, so the next pass must find it here.
            if not (entry and entry.status == "imported"):
                self.ledger.update_order(order.id, name=order.name, status="retry", order=order.model_dump(mode="json"))
            result.retry_later.append(order.name)
            self.journal.record(
                "retrying",
                order.name,
                exc.cin7_message,
                "Nothing to do: retried on the next pass.",
                order_id=order.id,
                notice=True,
            )

    def _has_open_intents(self, order_id: str) -> bool:
        return any(key.split(":", 1)[1] == order_id for key in self.ledger.pending)

    # -- import ---------------------------------------------------------------------------

    async def _import(self, order: ShopifyOrder, result: PassResult, *, backfill: bool) -> None:
        assert self.reference is not None
        settings = self.settings()
        if settings.unknown_sku == "create":
            try:
                await self._create_missing_products(order, settings)
            except Cin7Error as exc:
                self._hold_refusal(
                    exc,
                    order,
                    result,
                    "cin7_rejected",
                    f"Order {order.name}: Cin7 Core would not create a product for it: {exc.cin7_message}",
                    "Fix what Cin7 Core names (e.g. create the category or unit it lacks, or create the product by "
                    "hand); the order is retried by itself.",
                )
                return
        plan = plan_sale(order, settings, self.reference)
        if isinstance(plan, list):
            self._hold(order, plan, result)
            return
        try:
            customer = await self._customer(order, plan, settings)
        except Cin7Error as exc:
            self._hold_refusal(
                exc,
                order,
                result,
                "missing_customer",
                f"Order {order.name}: {exc.cin7_message}",
                "Check the customer in Cin7 Core; the order is retried by itself.",
            )
            return
        except NoCustomerTemplate:
            self._hold(
                order,
                [
                    HeldError(
                        "missing_customer",
                        f"Order {order.name}: {plan.email} is a new customer, and Cin7 Core requires a new "
                        "customer's currency, payment term, receivable and revenue accounts and tax rule "
                        "(they are copied from an existing customer, and Cin7 Core has none to copy).",
                        "Create one customer in Cin7 Core with the terms and accounts new customers should get, "
                        "or set default_customer to one; the order is retried by itself.",
                    )
                ],
                result,
            )
            return
        if customer is None:
            self._hold(
                order,
                [
                    HeldError(
                        "missing_customer",
                        f"Order {order.name}: default customer '{settings.default_customer}' is not in Cin7 Core.",
                        "Create that customer in Cin7 Core, or set default_customer to an existing one.",
                    )
                ],
                result,
            )
            return
        plan.header.CustomerID, plan.header.Customer = customer.ID, None
        try:
            sale_id = await self._create_sale(order, plan)
            await self._authorise_order(order, sale_id, plan)
        except Cin7Error as exc:
            left = await self._void_draft(order) if not isinstance(exc, TRANSIENT) else ""
            self._hold_refusal(
                exc,
                order,
                result,
                "cin7_rejected",
                f"Order {order.name}: Cin7 Core said: {exc.cin7_message}{left}",
                "Fix what Cin7 Core names (product, customer, tax rule or location); the order is retried by itself.",
            )
            return
        previous = self.ledger.order(order.id)
        was_held = previous is not None and previous.status == "held"
        self.ledger.update_order(
            order.id,
            name=order.name,
            status="imported",
            sale_id=sale_id,
            errors=[],
            order=None,
            reason="backfill" if backfill else "",
        )
        if was_held:
            self.journal.resolve_order(order.id)
        result.imported.append(order.name)

    async def _create_missing_products(self, order: ShopifyOrder, settings: StoreSettings) -> None:
        """`unknown_sku: create`: a SKU Cin7 lacks becomes a Cin7 stock product, named as Shopify names it."""
        assert self.reference is not None
        template = next(iter(self.reference.products.values()), None)
        for line in order.lines:
            if not line.sku or not line.sku.strip() or line.sku in self.reference.products:
                continue
            rule = next((settings.tax_map.get(t.key) for t in line.tax_lines if settings.tax_map.get(t.key)), None)
            product = Product(
                SKU=line.sku,
                Name=line.name or line.sku,
                Type="Stock",
                Status="Active",
                CostingMethod="FIFO",
                UOM=template.UOM if template and template.UOM else "Item",
                Category=template.Category if template and template.Category else "General",
                SaleTaxRule=rule,
                PriceTier1=line.unit_price,
            )
            sku = line.sku

            async def create(product: Product = product) -> dict[str, str]:
                created = await self.cin7.create_product(product)
                return {"product_id": created.ID or "", "name": created.Name}

            async def look_up(sku: str = sku) -> dict[str, str] | None:
                found = await self._products_by_sku(sku)
                return {"product_id": found[0].ID or "", "name": found[0].Name} if found else None

            made = await self.writes.write(
                "create_product", sku, send=create, look_up=look_up, detail={"order_id": order.id}
            )
            if made.get("recovered") or sku not in self.reference.products:
                self.reference.products[sku] = product.model_copy(update={"ID": made["product_id"]})
            else:
                continue  # made by an earlier pass: its notice was written then
            self.journal.record(
                "product_created",
                line.sku,
                f"Created Cin7 Core product {sku} ('{made['name']}') for order {order.name}.",
                "Check its category, cost and supplier in Cin7 Core.",
                order_id=order.id,
                notice=True,
            )

    def _hold_refusal(
        self, exc: Cin7Error, order: ShopifyOrder, result: PassResult, kind: str, message: str, fix: str
    ) -> None:
        """Cin7 said no: hold this order with its words, and the pass goes on with the others. An answer
        that may pass by itself (a throttle, a 5xx, a lost connection) is the pass's to retry instead."""
        if isinstance(exc, TRANSIENT):
            raise exc
        self._hold(order, [HeldError(kind, message, fix)], result)

    def _hold(self, order: ShopifyOrder, errors: list[HeldError], result: PassResult) -> None:
        entry = self.ledger.order(order.id)
        kinds = [{"kind": e.kind, "message": e.message, "fix": e.fix} for e in errors]
        attempts = entry.attempts + 1 if entry is not None and entry.status == "held" else 1
        # Rest until what it waits on changes or the backoff expires: no call is spent on it till then.
        rest = {"waits_on": self._waits_on(order), "retry_at": _stamp(self.now() + backoff(attempts))}
        if entry is None or entry.status != "held" or entry.errors != kinds:
            if entry is not None and entry.status == "held":
                self.journal.resolve_order(order.id, note="cause changed")
            for error in errors:
                self.journal.record(error.kind, order.name, error.message, error.fix, order_id=order.id)
            self.ledger.update_order(
                order.id,
                name=order.name,
                status="held",
                errors=kinds,
                order=order.model_dump(mode="json"),
                attempts=attempts,
                **rest,
            )
        else:
            self.ledger.update_order(order.id, attempts=attempts, **rest)
        result.held.append(order.name)

    async def _customer(self, order: ShopifyOrder, plan: SalePlan, settings: StoreSettings) -> Customer | None:
        """The Cin7 customer for this order; cached by email so a known customer costs no call."""
        if settings.customer_mode == "default_customer" or not plan.email:
            return await self._default_customer(settings)
        email = plan.email.strip().lower()
        cached = self.ledger.customers.get(email)
        if cached:
            return Customer(ID=cached["id"], Name=cached["name"])
        found = await self._known_customer(email)
        if found is None:
            template = await self._customer_template()
            if template is None or not all(
                (template.Currency, template.PaymentTerm, template.AccountReceivable, template.RevenueAccount)
            ):
                raise NoCustomerTemplate()
            name = self._free_name(plan.customer_name, email)
            new = Customer(
                Name=name,
                Status="Active",
                Currency=template.Currency if template else None,
                PaymentTerm=template.PaymentTerm if template else None,
                AccountReceivable=template.AccountReceivable if template else None,
                RevenueAccount=template.RevenueAccount if template else None,
                TaxRule=template.TaxRule if template else None,
                PriceTier=template.PriceTier if template else None,
                Contacts=[Contact(Name=plan.customer_name, Email=plan.email.strip(), Default=True)],
            )

            async def create() -> dict[str, str]:
                created = await self.cin7.create_customer(new)
                return {"customer_id": created.ID or "", "name": created.Name}

            async def look_up() -> dict[str, str] | None:
                landed = await self.cin7.find_customer_by_email(email)
                return {"customer_id": landed.ID or "", "name": landed.Name} if landed else None

            made = await self.writes.write(
                "create_customer", email, send=create, look_up=look_up, detail={"order_id": order.id}
            )
            found = Customer(ID=made["customer_id"], Name=made["name"])
            self._directory_names[found.Name.lower()] = found
        assert found.ID is not None
        self.ledger.remember_customer(email, found.ID, found.Name)
        return found

    async def _known_customer(self, email: str) -> Customer | None:
        """The Cin7 customer with this contact email, from the directory of Cin7's customers: read whole
        once (a page of 1,000 a call), then at most once a pass only the customers changed since
        (`ModifiedSince`, dearinventory.apib GET /customer) when an email is not in it."""
        if self._directory is None:
            started = self.now()
            customers = await self.cin7.list_customers()
            self._directory, self._directory_names = {}, {}
            self._add_to_directory(customers)
            self._directory_read, self._directory_fresh = _since(started), True
        elif email not in self._directory and not self._directory_fresh:
            started = self.now()
            self._add_to_directory(await self.cin7.list_customers(modified_since=self._directory_read))
            self._directory_read, self._directory_fresh = _since(started), True
        return self._directory.get(email)

    def _add_to_directory(self, customers: list[Customer]) -> None:
        assert self._directory is not None
        for customer in customers:
            self._directory_names[customer.Name.lower()] = customer
            for contact in customer.Contacts:
                if contact.Email and contact.Email.strip():
                    self._directory.setdefault(contact.Email.strip().lower(), customer)
            if self._first_customer is None and customer.Status in (None, "Active"):
                self._first_customer = customer

    def _free_name(self, wanted: str, email: str) -> str:
        """Cin7 customer names are unique: a namesake gets the email added."""
        return f"{wanted} ({email})" if wanted.lower() in self._directory_names else wanted

    async def _customer_template(self) -> Customer | None:
        """New customers copy terms and accounts from an existing one (Cin7 requires them): the default
        customer if the settings name one, else the first in the directory (read before any create)."""
        if self._template is None:
            settings = self.settings()
            if settings.default_customer:
                wanted = settings.default_customer
                known = self._directory_names.get(wanted.lower())
                self._template = known if known is not None and known.Name == wanted else None
                self._template = self._template or await self._default_customer(settings)
            if self._template is None:
                self._template = self._first_customer
        return self._template

    async def _default_customer(self, settings: StoreSettings) -> Customer | None:
        name = settings.default_customer
        if not name:
            return None
        cached = self.ledger.customers.get(f"default:{name.lower()}")
        if cached:
            return Customer(ID=cached["id"], Name=cached["name"])
        known = self._directory_names.get(name.lower())
        if known is not None and known.Name == name:
            found: Customer | None = known  # in the directory already read: no call
        else:
            found = next((c for c in await self.cin7.list_customers(name=name) if c.Name == name), None)
        if found is not None and found.ID:
            self.ledger.remember_customer(f"default:{name.lower()}", found.ID, found.Name)
        return found

    async def _create_sale(self, order: ShopifyOrder, plan: SalePlan) -> str:
        entry = self.ledger.order(order.id)
        if entry is not None and entry.sale_id:
            return entry.sale_id

        async def create() -> dict[str, str]:
            return {"sale_id": (await self.cin7.create_sale(plan.header)).ID}

        async def look_up() -> dict[str, str] | None:
            existing = [s for s in await self.cin7.find_sales_by_external_id(order.id) if s.Status != "VOIDED"]
            return {"sale_id": existing[0].SaleID} if existing else None

        made = await self.writes.write(
            "create_sale", order.id, send=create, look_up=look_up, detail={"order": order.name}
        )
        self.ledger.update_order(order.id, name=order.name, sale_id=made["sale_id"])
        return str(made["sale_id"])

    async def _void_draft(self, order: ShopifyOrder) -> str:
        """Cin7 took the sale but refused its order lines: the sale would stay a DRAFT the warehouse sees
        and every retry would reuse it. Void it and forget it, so a retry makes a sale afresh. Returns
        what to add to the hold's message when Cin7 refuses the void too."""
        entry = self.ledger.order(order.id)
        sale_id = entry.sale_id if entry is not None else None
        if not sale_id:
            return ""  # the sale itself was refused: nothing was made

        async def void() -> dict[str, str]:
            await self.cin7.void_sale(sale_id)
            return {}

        async def look_up() -> dict[str, str] | None:
            return {} if (await self.cin7.get_sale(sale_id)).Status == "VOIDED" else None

        try:
            await self.writes.write("void_draft", sale_id, send=void, look_up=look_up, detail={"order_id": order.id})
        except Cin7Error as exc:
            if isinstance(exc, TRANSIENT):
                raise
            return f" Its draft sale could not be voided ({exc.cin7_message}): void it in Cin7 Core."
        # The sale made for this order is void now: the next attempt creates one afresh.
        self.ledger.finish(f"create_sale:{order.id}", failed=True, voided=sale_id)
        self.ledger.update_order(order.id, sale_id=None)
        return ""

    async def _authorise_order(self, order: ShopifyOrder, sale_id: str, plan: SalePlan) -> None:
        async def authorise() -> dict[str, str]:
            await self.cin7.save_order(
                sale_id, plan.lines, additional_charges=plan.charges, memo=f"Shopify {order.name}"
            )
            return {}

        async def look_up() -> dict[str, str] | None:
            sale = await self.cin7.get_sale(sale_id)
            return {} if sale.Order is not None and sale.Order.Status == "AUTHORISED" else None

        await self.writes.write(
            "authorise_order", order.id, send=authorise, look_up=look_up, detail={"sale_id": sale_id}
        )

    # -- cancellations --------------------------------------------------------------------

    async def _cancel(self, order: ShopifyOrder, result: PassResult) -> None:
        """Void the sale if nothing is picked; after picking, a credit note (made, or asked for)."""
        entry = self.ledger.order(order.id)
        assert entry is not None and entry.sale_id
        sale = await self.cin7.get_sale(entry.sale_id)
        picked = any(task.Pick.Status == "AUTHORISED" for task in sale.Fulfilments)
        if not picked:
            sale_id = entry.sale_id

            async def void() -> dict[str, str]:
                if sale.Status != "VOIDED":
                    await self.cin7.void_sale(sale_id)
                return {}

            async def look_up() -> dict[str, str] | None:
                return {} if (await self.cin7.get_sale(sale_id)).Status == "VOIDED" else None

            await self.writes.write("void_sale", order.id, send=void, look_up=look_up, detail={"sale_id": sale_id})
            self.ledger.update_order(order.id, status="voided")
            self.journal.record(
                "order_voided",
                order.name,
                f"Order {order.name} was cancelled in Shopify; its Cin7 Core sale was voided and its stock released.",
                "Nothing to do.",
                order_id=order.id,
                notice=True,
            )
            result.voided.append(order.name)
            return
        try:
            done = await credit_cancelled_sale(self, order, sale)
        except MAYBE_APPLIED:
            done = False  # the intent stays open: the next pass looks before it writes again
        if done:
            self.ledger.update_order(order.id, status="cancelled_after_pick", credit_due=False, order=None)
        else:
            self.ledger.update_order(order.id, credit_due=True, order=order.model_dump(mode="json"))
