"""Which Cin7 Core sale belongs to which Shopify order, by the rules observe mode and cut-over use.

Our sync writes `ExternalID` = the Shopify order id; another integration may write the order's name or
number into `CustomerReference`, or number its sales after the order (`sale_number_pattern`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from cin7_shopify.cin7.models import SaleListRow
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.models import ShopifyOrder

MATCH_RULES = ("external_id", "customer_reference", "sale_number")
RULE_WORDS = {
    "external_id": "ExternalID",
    "customer_reference": "CustomerReference",
    "sale_number": "sale number",
}


def order_number(order: ShopifyOrder) -> str:
    return order.name.lstrip("#")


@dataclass
class SaleIndex:
    """The sales another integration made, looked up each way an order can be matched to them."""

    rows: list[SaleListRow]
    by_external_id: dict[str, list[SaleListRow]] = field(default_factory=lambda: defaultdict(list))
    by_reference: dict[str, list[SaleListRow]] = field(default_factory=lambda: defaultdict(list))
    by_number: dict[str, list[SaleListRow]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for row in self.rows:
            if row.Status == "VOIDED":
                continue
            if row.ExternalID:
                self.by_external_id[row.ExternalID.strip()].append(row)
            if row.CustomerReference:
                self.by_reference[row.CustomerReference.strip().lower()].append(row)
            if row.OrderNumber:
                self.by_number[row.OrderNumber.strip().lower()].append(row)

    def by_rule(self, order: ShopifyOrder, rule: str, settings: StoreSettings) -> list[SaleListRow]:
        number = order_number(order)
        if rule == "external_id":
            numeric = order.id.rsplit("/", 1)[-1]
            return _unique([*self.by_external_id.get(order.id, []), *self.by_external_id.get(numeric, [])])
        if rule == "customer_reference":
            return _unique([*self.by_reference.get(order.name.lower(), []), *self.by_reference.get(number, [])])
        if rule == "sale_number" and settings.sale_number_pattern:
            return list(self.by_number.get(settings.sale_number_pattern.format(number=number).lower(), []))
        return []

    def match(self, order: ShopifyOrder, settings: StoreSettings) -> tuple[str, list[SaleListRow]]:
        """The rule that matched and the sales it found ("" and none when nothing matched)."""
        rules = MATCH_RULES if settings.observe_match == "any" else (settings.observe_match,)
        for rule in rules:
            found = self.by_rule(order, rule, settings)
            if found:
                return rule, found
        return "", []

    def every_match(self, order: ShopifyOrder, settings: StoreSettings) -> list[tuple[str, SaleListRow]]:
        """Every sale any rule finds for the order, once each, with the first rule that found it."""
        seen: dict[str, tuple[str, SaleListRow]] = {}
        for rule in MATCH_RULES:
            for row in self.by_rule(order, rule, settings):
                seen.setdefault(row.SaleID, (rule, row))
        return list(seen.values())


def _unique(rows: Iterable[SaleListRow]) -> list[SaleListRow]:
    return list({row.SaleID: row for row in rows}.values())
