"""Cin7 Core's sale rules, as the sandbox enforces them.

Order needs SkipQuote or an authorised quote; pick needs an authorised order, pack an authorised
pick, ship an authorised pack. Stock is allocated when the order is authorised and deducted when
the shipment is authorised; a sale can be voided only before anything is picked; a credit note
needs an authorised invoice and can restock to a location.
"""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cin7_shopify.sandbox.cin7_account import Cin7Account, Cin7ApiError, _num, _stable_id, _truthy, _utc_now

CENT = Decimal("0.01")
# A sale's header Status is one of these and nothing else (APIB:L20048–L20067, "Available Sale Statuses").
# There is no SHIPPED; AUTHORISED, AUTH_NO_ALLOC, FULFILLED and CLOSED are the order stage's (L20079–L20088).
SALE_STATUSES = frozenset(
    {
        "DRAFT", "VOIDED", "ESTIMATING", "ESTIMATED", "ORDERING", "ORDERED", "BACKORDERED", "PICKING", "PICKED",
        "PACKING", "PACKED", "SHIPPING", "INVOICING", "INVOICED", "CREDITED", "COMPLETED",
    }
)  # fmt: skip


def _row_total(quantity: float, price: float, discount: float) -> float:
    """Quantity × Price less Discount %, to the cent, as Cin7 computes a line's Total."""
    total = Decimal(str(quantity)) * Decimal(str(price)) * (1 - Decimal(str(discount)) / 100)
    return float(total.quantize(CENT, ROUND_HALF_UP))


class Cin7SaleRules(Cin7Account):
    """The sale endpoints. An answer is the stored record itself, not a copy: the server renders it to JSON
    at once (`JSONResponse` serializes in its constructor) and nothing keeps it, as GET sale always did;
    the built-in connector reads only the new sale's ID. (Copying a sale, its order and its tasks took
    0.3 ms of CPU: about 0.7 s over the 2,250 sales the tests post.)"""

    def __init__(self, cin7: dict[str, Any]) -> None:
        super().__init__(cin7)
        self.sales: dict[str, dict[str, Any]] = {}
        # sale id → (product id, stock row, units still allocated)
        self.allocations: dict[str, list[tuple[str, MutableMapping[str, Any], float]]] = {}
        for sale in cin7.get("Sales", []):
            sale_id = sale.get("ID") or _stable_id("sale", str(len(self.sales)))
            self.sales[sale_id] = {**self._blank_sale(sale_id, sale), **sale, "ID": sale_id}
        # Invoice and credit-note numbers are unique across the account (auto-generated, APIB:L23934).
        self.invoice_count = sum(len(s["Invoices"]) for s in self.sales.values())
        self.credit_note_count = sum(len(s["CreditNotes"]) for s in self.sales.values())

    def _blank_sale(self, sale_id: str, header: dict[str, Any]) -> dict[str, Any]:
        skip_quote = _truthy(header.get("SkipQuote", False))
        return {
            "ID": sale_id,
            "Customer": None,
            "CustomerID": None,
            "Contact": None,
            "Phone": None,
            "Email": None,
            "SkipQuote": skip_quote,
            "BillingAddress": None,
            "ShippingAddress": None,
            "ShippingNotes": None,
            "BaseCurrency": self.me["Currency"],
            "CustomerCurrency": self.me["Currency"],
            "TaxRule": None,
            "TaxCalculation": "Exclusive",
            "Location": None,
            "SaleOrderDate": None,
            "LastModifiedOn": _utc_now(),
            "Note": None,
            "CustomerReference": None,
            "Status": "ORDERING" if skip_quote else "ESTIMATING",
            "OrderNumber": f"SO-{len(self.sales) + 1:05d}",
            "Type": "Simple Sale",
            "SourceChannel": None,
            "ExternalID": None,
            "CombinedPickingStatus": "NOT PICKED",
            "CombinedPackingStatus": "NOT PACKED",
            "CombinedShippingStatus": "NOT SHIPPED",
            "FulFilmentStatus": "NOT FULFILLED",
            "CombinedInvoiceStatus": "NOT INVOICED",
            "CombinedPaymentStatus": "UNPAID",
            "CombinedTrackingNumbers": "",
            "CreditNoteStatus": "NOT AVAILABLE",
            "Quote": {
                "Status": "NOT AVAILABLE" if skip_quote else "DRAFT",
                "Lines": [],
                "AdditionalCharges": [],
            },
            "Order": {
                "SaleID": sale_id,
                "Status": "NOT AVAILABLE",
                "Lines": [],
                "AdditionalCharges": [],
                "TotalBeforeTax": 0,
                "Tax": 0,
                "Total": 0,
                "Memo": None,
            },
            "Fulfilments": [],
            "Invoices": [],
            "CreditNotes": [],
        }

    def _sale(self, sale_id: str | None) -> dict[str, Any]:
        sale = self.sales.get(sale_id or "")
        if sale is None:
            raise Cin7ApiError("Sale not found.")
        return sale

    def _get_sale_list(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        rows = list(self.sales.values())
        if q.get("externalid"):
            rows = [s for s in rows if s.get("ExternalID") == q["externalid"]]
        if q.get("search"):
            needle = q["search"].lower()
            rows = [
                s
                for s in rows
                if any(
                    needle in str(s.get(f) or "").lower()
                    for f in ("OrderNumber", "Status", "Customer", "CustomerReference")
                )
            ]
        if q.get("createdsince"):
            rows = [s for s in rows if (s.get("SaleOrderDate") or "") >= q["createdsince"][:19]]
        if q.get("updatedsince"):
            rows = [s for s in rows if (s.get("LastModifiedOn") or "") >= q["updatedsince"]]
        if q.get("status"):
            rows = [s for s in rows if s["Status"] == q["status"].upper()]
        listing = [
            {
                "SaleID": s["ID"],
                "OrderNumber": s["OrderNumber"],
                "Status": s["Status"],
                "OrderDate": s.get("SaleOrderDate"),
                "InvoiceDate": None,
                "Customer": s["Customer"],
                "CustomerID": s["CustomerID"],
                "InvoiceNumber": next((i["InvoiceNumber"] for i in s["Invoices"] if i["Status"] != "VOIDED"), None),
                "CustomerReference": s["CustomerReference"],
                "InvoiceAmount": self._invoiced(s),
                "PaidAmount": 0,
                "InvoiceDueDate": None,
                "ShipBy": None,
                "BaseCurrency": s["BaseCurrency"],
                "CustomerCurrency": s["CustomerCurrency"],
                "CreditNoteNumber": None,
                "Updated": s["LastModifiedOn"],
                "QuoteStatus": s["Quote"]["Status"],
                "OrderStatus": s["Order"]["Status"],
                "CombinedPickingStatus": s["CombinedPickingStatus"],
                "CombinedPackingStatus": s["CombinedPackingStatus"],
                "CombinedShippingStatus": s["CombinedShippingStatus"],
                "FulFilmentStatus": s["FulFilmentStatus"],
                "CombinedInvoiceStatus": s["CombinedInvoiceStatus"],
                "CreditNoteStatus": s["CreditNoteStatus"],
                "CombinedPaymentStatus": s["CombinedPaymentStatus"],
                "Type": s["Type"],
                "CombinedTrackingNumbers": s["CombinedTrackingNumbers"],
                "SourceChannel": s.get("SourceChannel"),
                "ExternalID": s.get("ExternalID"),
                "OrderLocationID": self._location_id(s.get("Location")),
            }
            for s in rows
        ]
        return self._page(q, listing, "SaleList")

    def _post_sale(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        customer = None
        if body.get("CustomerID"):
            customer = next((c for c in self.customers if c["ID"] == body["CustomerID"]), None)
        elif body.get("Customer"):
            customer = next((c for c in self.customers if c["Name"] == body["Customer"]), None)
        else:
            raise Cin7ApiError("Customer or CustomerID is required.")
        if customer is None:
            raise Cin7ApiError(f"Customer '{body.get('Customer') or body.get('CustomerID')}' not found.")
        location = body.get("Location")
        if not location:
            raise Cin7ApiError("Location is required.")
        loc = next((loc for loc in self.locations if loc["Name"] == location), None)
        if loc is None or loc["IsDeprecated"]:
            raise Cin7ApiError(f"Location '{location}' not found.")
        if body.get("TaxRule") and not any(t["Name"] == body["TaxRule"] for t in self.tax_rules):
            raise Cin7ApiError(f"Tax rule '{body['TaxRule']}' was not found in reference book")
        sale_id = str(uuid.uuid4())
        sale = self._blank_sale(sale_id, body)
        inclusive = body.get("TaxInclusive")
        sale.update(
            {
                "Customer": customer["Name"],
                "CustomerID": customer["ID"],
                "Contact": body.get("Contact"),
                "Phone": body.get("Phone"),
                "Email": body.get("Email"),
                "BillingAddress": body.get("BillingAddress"),
                "ShippingAddress": body.get("ShippingAddress"),
                "ShippingNotes": body.get("ShippingNotes"),
                "TaxRule": body.get("TaxRule") or customer.get("TaxRule"),
                "TaxCalculation": "Inclusive" if _truthy(inclusive) else "Exclusive",
                "Location": location,
                "SaleOrderDate": body.get("SaleOrderDate") or _utc_now()[:19],
                "Note": body.get("Note"),
                "CustomerReference": body.get("CustomerReference"),
                "ExternalID": body.get("ExternalID"),
                "Type": "Advanced Sale" if str(body.get("SaleType", "")).lower() == "advanced" else "Simple Sale",
            }
        )
        self.sales[sale_id] = sale
        return sale

    def _post_order(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        sale = self._sale(body.get("SaleID"))
        if not sale["SkipQuote"] and sale["Quote"]["Status"] != "AUTHORISED":
            raise Cin7ApiError("Sale quote should be authorised before creating sale order.")
        if sale["Order"]["Status"] not in {"DRAFT", "NOT AVAILABLE"}:
            raise Cin7ApiError(f"Sale order with status '{sale['Order']['Status']}' cannot be changed.")
        status = str(body.get("Status") or "DRAFT").upper()
        if status not in {"DRAFT", "AUTHORISED"}:
            raise Cin7ApiError("Status should be DRAFT or AUTHORISED.")
        lines = [
            {
                **self._sale_line(index, line),
                "AverageCost": 0,
                "Comment": line.get("Comment"),
                "DropShip": False,
                "BackorderQuantity": 0,
            }
            for index, line in enumerate(body.get("Lines") or [])
        ]
        if status == "AUTHORISED" and not lines:
            raise Cin7ApiError("Sale order should have at least one line to be authorised.")
        charges = [
            self._additional_charge(index, charge) for index, charge in enumerate(body.get("AdditionalCharges") or [])
        ]
        sale["Order"] = {
            "SaleID": sale["ID"],
            "Memo": body.get("Memo"),
            "Status": status,
            "Lines": lines,
            "AdditionalCharges": charges,
            **self._totals(sale, lines, charges),
        }
        if status == "AUTHORISED":
            backordered = self._allocate(sale)
            sale["Status"] = "BACKORDERED" if backordered else "ORDERED"
            sale["Fulfilments"] = [self._new_task(sale)]
        sale["LastModifiedOn"] = _utc_now()
        order: dict[str, Any] = sale["Order"]
        return order

    def _priced(self, where: str, line: dict[str, Any], quantity: float) -> tuple[float, float, float, float]:
        """Price, Discount, Tax and the Total Cin7 computes for a line or an additional charge.

        APIB:L29806 and L29811 (and L29896 for charges): `Tax` is required and `Total` is "for
        validation", so a Total that disagrees with Quantity × Price less Discount is refused. How
        far off Cin7 tolerates is not documented [U]: the sandbox allows no more than half a cent.
        """
        if line.get("Tax") is None:
            raise Cin7ApiError(f"{where}: Tax is required.")
        price = _num(line.get("Price"))
        discount = _num(line.get("Discount"))
        if not 0 <= discount <= 100:
            raise Cin7ApiError(f"{where}: Discount should be between 0 and 100.")
        total = _row_total(quantity, price, discount)
        if line.get("Total") is not None and abs(_num(line["Total"]) - total) > 0.005:
            raise Cin7ApiError(
                f"{where}: Total {line['Total']} does not match Quantity × Price less Discount ({total:.2f})."
            )
        return price, discount, _num(line.get("Tax")), total

    def _additional_charge(self, index: int, charge: dict[str, Any]) -> dict[str, Any]:
        """APIB:L29892: an additional charge's Description is the name of a Service product."""
        where = f"Additional charge {index + 1}"
        description = charge.get("Description")
        service = next(
            (p for p in self.products if p["Name"] == description and p["Type"] == "Service"),
            None,
        )
        if service is None or service.get("Status") != "Active":
            raise Cin7ApiError(f"{where}: Service product '{description}' not found.")
        quantity = self._quantity_and_tax_rule(where, charge)
        price, discount, tax, total = self._priced(where, charge, quantity)
        return {
            "Description": description,
            "Price": price,
            "Quantity": quantity,
            "Discount": discount,
            "Tax": tax,
            "Total": total,
            "TaxRule": charge["TaxRule"],
            "Comment": charge.get("Comment"),
        }

    def _totals(
        self, sale: dict[str, Any], lines: list[dict[str, Any]], charges: list[dict[str, Any]]
    ) -> dict[str, float]:
        """TotalBeforeTax, Tax and Total of lines plus additional charges (APIB:L29795).

        Tax-inclusive, a row's Total already holds its tax; tax-exclusive, the tax is added on top.
        """
        rows = Decimal(0)
        tax = Decimal(0)
        for row in [*lines, *charges]:
            rows += Decimal(str(row.get("Total") or 0))
            tax += Decimal(str(row.get("Tax") or 0))
        inclusive = sale["TaxCalculation"] == "Inclusive"
        total = rows if inclusive else rows + tax
        return {
            "TotalBeforeTax": float((total - tax).quantize(CENT, ROUND_HALF_UP)),
            "Tax": float(tax.quantize(CENT, ROUND_HALF_UP)),
            "Total": float(total.quantize(CENT, ROUND_HALF_UP)),
        }

    def _invoiced(self, sale: dict[str, Any]) -> float:
        """APIB:L20118: saleList's InvoiceAmount is invoices less credit notes (0 while only ordered)."""
        amount = 0.0
        for document, sign in [*((i, 1) for i in sale["Invoices"]), *((c, -1) for c in sale["CreditNotes"])]:
            if document["Status"] in {"AUTHORISED", "PAID"}:
                amount += sign * self._totals(sale, document["Lines"], document["AdditionalCharges"])["Total"]
        return round(amount, 2)

    def _new_task(self, sale: dict[str, Any]) -> dict[str, Any]:
        return {
            "TaskID": str(uuid.uuid4()),
            "FulfillmentNumber": len(sale["Fulfilments"]) + 1,
            "LinkedInvoiceNumber": None,
            "FulFilmentStatus": "NOT FULFILLED",
            "Pick": {"Status": "NOT AVAILABLE", "Lines": []},
            "Pack": {"Status": "NOT AVAILABLE", "Lines": []},
            "Ship": {
                "Status": "NOT AVAILABLE",
                "RequireBy": None,
                "ShippingAddress": sale["ShippingAddress"],
                "ShippingNotes": None,
                "Lines": [],
            },
        }

    def _post_fulfilment(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """A further fulfilment task (what ships in a later shipment); makes the sale Advanced."""
        sale = self._sale(body.get("SaleID"))
        if sale["Order"]["Status"] != "AUTHORISED":
            raise Cin7ApiError("Sale order should be authorised before creating a fulfilment.")
        if any(task["Pick"]["Status"] != "AUTHORISED" for task in sale["Fulfilments"]):
            raise Cin7ApiError("All existing picks should be authorised before creating a new fulfilment.")
        task = self._new_task(sale)
        sale["Fulfilments"].append(task)
        sale["Type"] = "Advanced Sale"
        sale["LastModifiedOn"] = _utc_now()
        return {"SaleID": sale["ID"], "Fulfilments": sale["Fulfilments"]}

    def _stock_lines(self, sale: dict[str, Any]) -> list[tuple[dict[str, Any], float]]:
        """The stock products an order moves: kits are expanded into their components."""
        return self._expand([(line["ProductID"], line["Quantity"]) for line in sale["Order"]["Lines"]])

    def _expand(self, lines: list[tuple[str, float]]) -> list[tuple[dict[str, Any], float]]:
        moved: list[tuple[dict[str, Any], float]] = []
        for product_id, quantity in lines:
            product = next(p for p in self.products if p["ID"] == product_id)
            if product.get("BillOfMaterial") and product.get("BillOfMaterialsProducts"):
                for component in product["BillOfMaterialsProducts"]:
                    part = next(
                        (
                            p
                            for p in self.products
                            if p["ID"] == component.get("ComponentProductID")
                            or p["SKU"] == component.get("ProductCode")
                        ),
                        None,
                    )
                    if part is not None and part["Type"] == "Stock":
                        moved.append((part, quantity * _num(component.get("Quantity"), 1)))
            elif product["Type"] == "Stock":
                moved.append((product, quantity))
        return moved

    def _allocate(self, sale: dict[str, Any]) -> bool:
        """Reserve each line's stock across the location's bins; what is missing is backordered."""
        backordered = False
        allocations: list[tuple[str, MutableMapping[str, Any], float]] = []
        for product, quantity in self._stock_lines(sale):
            rows = self._stock_rows(product, sale["Location"])
            wanted = quantity
            for row in rows:
                # Available is OnHand − Allocated, whatever the row last showed (a count may have changed it).
                take = min(wanted, max(0.0, row["OnHand"] - row["Allocated"]))
                if take > 0:
                    row["Allocated"] += take
                    row["Available"] = row["OnHand"] - row["Allocated"]
                    allocations.append((product["ID"], row, take))
                    wanted -= take
            backordered |= wanted > 0
            if wanted > 0:
                # The shortfall is allocated too: Available = OnHand − Allocated goes negative, as Cin7
                # shows a backorder (Cin7 help article 9034435115407, real_behaviour.md).
                rows[0]["Allocated"] += wanted
                rows[0]["Available"] = rows[0]["OnHand"] - rows[0]["Allocated"]
                allocations.append((product["ID"], rows[0], wanted))
        self.allocations[sale["ID"]] = allocations
        return backordered

    def _release(self, sale: dict[str, Any]) -> None:
        """Undo what is still allocated (a void)."""
        for _, row, quantity in self.allocations.pop(sale["ID"], []):
            row["Allocated"] -= quantity
            row["Available"] = row["OnHand"] - row["Allocated"]

    def _ship_stock(self, sale: dict[str, Any], packed: list[tuple[str, float]]) -> None:
        """Shipped units leave On Hand, taken from what the order allocated (bins in order)."""
        allocations = self.allocations.get(sale["ID"], [])
        for product, quantity in self._expand(packed):
            wanted = quantity
            for index, (product_id, row, held) in enumerate(allocations):
                if product_id != product["ID"] or held <= 0 or wanted <= 0:
                    continue
                take = min(held, wanted)
                row["Allocated"] -= take
                row["OnHand"] -= take
                row["Available"] = row["OnHand"] - row["Allocated"]
                allocations[index] = (product_id, row, held - take)
                wanted -= take
            if wanted > 0:  # backordered units shipped once stock arrived
                row = self._stock_rows(product, sale["Location"])[0]
                row["OnHand"] -= wanted
                row["Available"] = row["OnHand"] - row["Allocated"]

    def _get_fulfilment(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        sale = self._sale(q.get("saleid"))
        return {"SaleID": sale["ID"], "Fulfilments": sale["Fulfilments"]}

    def _task(self, task_id: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        for sale in self.sales.values():
            for task in sale["Fulfilments"]:
                if task["TaskID"] == task_id:
                    return sale, task
        raise Cin7ApiError("Fulfilment task not found.")

    def _post_stage(self, stage: str, body: dict[str, Any]) -> dict[str, Any]:
        sale, task = self._task(body.get("TaskID"))
        status = str(body.get("Status") or "DRAFT").upper()
        if status not in {"DRAFT", "AUTHORISED"}:
            raise Cin7ApiError("Status should be DRAFT or AUTHORISED.")
        if sale["Status"] == "VOIDED":
            raise Cin7ApiError("Sale is voided.")
        previous = {"Pick": None, "Pack": "Pick"}[stage]
        if stage == "Pick" and sale["Order"]["Status"] != "AUTHORISED":
            raise Cin7ApiError("Sale order should be authorised before picking.")
        if previous and task[previous]["Status"] != "AUTHORISED":
            raise Cin7ApiError(f"{previous} should be authorised before packing.")
        if task[stage]["Status"] == "AUTHORISED":
            raise Cin7ApiError(f"{stage} is already authorised.")
        stored = []
        for line in body.get("Lines") or []:
            product = self._product_for_line(line)
            location = line.get("Location") or sale["Location"]
            stored.append(
                {
                    "ProductID": product["ID"],
                    "SKU": product["SKU"],
                    "Name": product["Name"],
                    "Location": location,
                    "LocationID": self._location_id(location),
                    "Quantity": _num(line.get("Quantity")),
                    "BatchSN": line.get("BatchSN"),
                    "ExpiryDate": line.get("ExpiryDate"),
                    "NonInventory": product["Type"] != "Stock",
                    **({"Box": line.get("Box") or "Box 1"} if stage == "Pack" else {}),
                }
            )
        if stage == "Pick":
            already = self._quantities(sale, "Pick", skip=task["TaskID"])
            ordered: dict[str, float] = {}
            for line in sale["Order"]["Lines"]:
                ordered[line["ProductID"]] = ordered.get(line["ProductID"], 0) + line["Quantity"]
            for line in stored:
                picked = already.get(line["ProductID"], 0) + line["Quantity"]
                if picked > ordered.get(line["ProductID"], 0):
                    raise Cin7ApiError(f"Picked quantity of '{line['SKU']}' is more than ordered.")
            if status == "AUTHORISED":
                self._refuse_picking_a_backorder(stored)
        task[stage] = {**task[stage], "Status": status, "Lines": stored}
        if status == "AUTHORISED":
            if stage == "Pick":
                sale.update(Status="PICKED", CombinedPickingStatus="PICKED")
            else:
                sale.update(Status="PACKED", CombinedPackingStatus="PACKED")
        sale["LastModifiedOn"] = _utc_now()
        return {"TaskID": task["TaskID"], "Status": status, "Lines": stored}

    def _refuse_picking_a_backorder(self, lines: list[dict[str, Any]]) -> None:
        """A BACKORDERED sale's PickStatus is NOT AVAILABLE (APIB:L20058): what the location does not
        hold on hand cannot be picked until stock arrives. [U] The exact wording is not documented."""
        wanted: dict[tuple[str, str], float] = {}
        products: dict[str, dict[str, Any]] = {}
        for line in lines:  # a kit is picked as its components (they are what the shelf holds)
            for product, quantity in self._expand([(line["ProductID"], line["Quantity"])]):
                key = (product["SKU"], line["Location"])
                wanted[key] = wanted.get(key, 0) + quantity
                products[product["SKU"]] = product
        for (sku, location), quantity in wanted.items():
            product = products[sku]
            on_hand = sum(row["OnHand"] for row in self._stock_rows(product, location))
            if quantity > on_hand:
                raise Cin7ApiError(
                    f"Not enough stock of '{product['SKU']}' at {location} to pick {quantity:g}: "
                    f"{on_hand:g} on hand. The sale is backordered."
                )

    def _post_ship(self, body: dict[str, Any], *, method: str) -> dict[str, Any]:
        """POST or PUT sale/fulfilment/ship, as APIB:L23700–23850 describes.

        - Each line needs ShipmentDate and Box (L29861, L29863), and a Box must be one the task packed.
        - POST and PUT are refused once the ship is AUTHORISED or PARTIALLY AUTHORISED (L23763–23764,
          L23842–23843), except a PUT with `AddTrackingNumbers: true`, which changes the tracking
          number or carrier of boxes already shipped (L23844). [U] Such a PUT may also ship boxes
          not shipped yet: no other documented way completes a partially authorised shipment.
        - A replacing PUT must list every packed box (L23703).
        - "Status of shipment … will be automatically changed to AUTHORISED after all packed boxes
          … would be shipped" (L23705): a ship sent as AUTHORISED that leaves a packed box
          unshipped is PARTIALLY AUTHORISED; the stock of each box leaves when the box ships.
        """
        sale, task = self._task(body.get("TaskID"))
        status = str(body.get("Status") or "DRAFT").upper()
        if status not in {"DRAFT", "PARTIALLY AUTHORISED", "AUTHORISED"}:
            raise Cin7ApiError("Status should be DRAFT, PARTIALLY AUTHORISED or AUTHORISED.")
        if sale["Status"] == "VOIDED":
            raise Cin7ApiError("Sale is voided.")
        if task["Pack"]["Status"] != "AUTHORISED":
            raise Cin7ApiError("Pack should be authorised before shipping.")
        current = task["Ship"]["Status"]
        adding_tracking = method == "PUT" and _truthy(body.get("AddTrackingNumbers", False))
        if current in {"AUTHORISED", "PARTIALLY AUTHORISED"} and not adding_tracking:
            raise Cin7ApiError(f"Shipment with status '{current}' cannot be changed.")
        packed_boxes = list(dict.fromkeys(line.get("Box") or "Box 1" for line in task["Pack"]["Lines"]))
        sent: list[dict[str, Any]] = []
        for index, line in enumerate(body.get("Lines") or []):
            if not line.get("ShipmentDate"):
                raise Cin7ApiError(f"Line {index + 1}: ShipmentDate is required.")
            box = line.get("Box")
            if not box:
                raise Cin7ApiError(f"Line {index + 1}: Box is required.")
            if box not in packed_boxes:
                raise Cin7ApiError(f"Line {index + 1}: Box '{box}' was not packed in this fulfilment.")
            sent.append(
                {
                    "ID": str(uuid.uuid4()),
                    "ShipmentDate": line["ShipmentDate"],
                    "Carrier": line.get("Carrier") or "DEFAULT Carrier",
                    "Boxes": box,
                    "TrackingNumber": line.get("TrackingNumber") or "",
                    "TrackingURL": line.get("TrackingURL") or "",
                    "IsShipped": _truthy(line.get("IsShipped", True)),
                }
            )
        before = {line["Boxes"] for line in task["Ship"]["Lines"] if line["IsShipped"] and current != "DRAFT"}
        if adding_tracking and current in {"AUTHORISED", "PARTIALLY AUTHORISED"}:
            lines = [dict(line) for line in task["Ship"]["Lines"]]
            for new in sent:
                old = next((line for line in lines if line["Boxes"] == new["Boxes"]), None)
                if old is None:
                    lines.append(new)
                else:
                    old.update(
                        TrackingNumber=new["TrackingNumber"] or old["TrackingNumber"],
                        Carrier=new["Carrier"] if new["Carrier"] != "DEFAULT Carrier" else old["Carrier"],
                        TrackingURL=new["TrackingURL"] or old["TrackingURL"],
                        IsShipped=old["IsShipped"] or new["IsShipped"],
                    )
            status = "AUTHORISED"
        else:
            if method == "PUT" and {line["Boxes"] for line in sent} != set(packed_boxes):
                raise Cin7ApiError("Lines should contain all boxes from packing.")
            lines = sent
        shipped_boxes = {line["Boxes"] for line in lines if line["IsShipped"]}
        if status != "DRAFT":
            if not shipped_boxes:
                raise Cin7ApiError("At least one box should be shipped to authorise the shipment.")
            status = "AUTHORISED" if shipped_boxes >= set(packed_boxes) else "PARTIALLY AUTHORISED"
        task["Ship"] = {**task["Ship"], "Status": status, "Lines": lines}
        if status != "DRAFT":
            newly = shipped_boxes - before
            packed = [
                (line["ProductID"], line["Quantity"])
                for line in task["Pack"]["Lines"]
                if (line.get("Box") or "Box 1") in newly
            ]
            self._ship_stock(sale, packed)
            task["FulFilmentStatus"] = "FULFILLED" if status == "AUTHORISED" else "NOT FULFILLED"
        shipped = self._quantities(sale, "Ship")
        everything = all(shipped.get(o["ProductID"], 0) >= o["Quantity"] for o in sale["Order"]["Lines"])
        numbers = [
            line["TrackingNumber"]
            for t in sale["Fulfilments"]
            for line in t["Ship"]["Lines"]
            if line["TrackingNumber"] and line["IsShipped"] and t["Ship"]["Status"] != "DRAFT"
        ]
        if status == "DRAFT":
            # APIB:L20066: SHIPPING is the header status while a simple sale's ship is DRAFT.
            sale.update(Status="SHIPPING")
        else:
            anything = any(shipped.values())
            # APIB:L20063 lists no SHIPPED header status. Shipped in full, the sale waits for its invoice:
            # the blueprint names no status between the two, so the next stage's [U]; an invoice raised
            # before the shipment keeps its status. Part-shipped, it is still SHIPPING.
            settled = sale["Status"] in {"INVOICED", "CREDITED", "COMPLETED"}
            sale.update(
                Status=sale["Status"] if settled else ("INVOICING" if everything else "SHIPPING"),
                CombinedShippingStatus="SHIPPED" if everything else "PARTIALLY SHIPPED" if anything else "NOT SHIPPED",
                FulFilmentStatus="FULFILLED" if everything else "PARTIALLY FULFILLED" if anything else "NOT FULFILLED",
                CombinedTrackingNumbers=", ".join(numbers),
            )
        sale["LastModifiedOn"] = _utc_now()
        return {
            "TaskID": task["TaskID"],
            "Status": status,
            "RequireBy": task["Ship"].get("RequireBy"),
            "ShippingAddress": task["Ship"].get("ShippingAddress"),
            "ShippingNotes": task["Ship"].get("ShippingNotes"),
            "Lines": lines,
        }

    def _quantities(self, sale: dict[str, Any], stage: str, *, skip: str | None = None) -> dict[str, float]:
        """Units per product in authorised picks or shipments (ship counts its task's packed units)."""
        totals: dict[str, float] = {}
        for task in sale["Fulfilments"]:
            if task["TaskID"] == skip:
                continue
            if stage == "Pick" and task["Pick"]["Status"] == "AUTHORISED":
                lines = task["Pick"]["Lines"]
            elif stage == "Ship" and task["Ship"]["Status"] in {"AUTHORISED", "PARTIALLY AUTHORISED"}:
                boxes = {line["Boxes"] for line in task["Ship"]["Lines"] if line["IsShipped"]}
                lines = [line for line in task["Pack"]["Lines"] if (line.get("Box") or "Box 1") in boxes]
            else:
                continue
            for line in lines:
                totals[line["ProductID"]] = totals.get(line["ProductID"], 0) + line["Quantity"]
        return totals

    def _delete_sale(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        sale = self._sale(q.get("id"))
        if not _truthy(q.get("void", "false")):
            raise Cin7ApiError("Undo is not supported by this sandbox; pass Void=true.")
        if sale["Status"] == "VOIDED":
            raise Cin7ApiError("Sale is already voided.")
        if any(task["Pick"]["Status"] == "AUTHORISED" for task in sale["Fulfilments"]):
            raise Cin7ApiError(
                "Sale cannot be voided because it has authorised pick. Undo the fulfilment or create a credit note."
            )
        self._release(sale)
        sale.update(
            Status="VOIDED",
            CombinedPickingStatus="VOIDED",
            CombinedPackingStatus="VOIDED",
            CombinedShippingStatus="VOIDED",
            FulFilmentStatus="VOIDED",
            LastModifiedOn=_utc_now(),
        )
        sale["Order"]["Status"] = "VOIDED"
        return sale

    def _quantity_and_tax_rule(self, where: str, item: dict[str, Any]) -> float:
        """What a line and an additional charge both need: Quantity at least 1 and a known TaxRule."""
        quantity = _num(item.get("Quantity"))
        if quantity < 1:
            raise Cin7ApiError(f"{where}: Quantity minimal value is 1.")
        tax_rule = item.get("TaxRule")
        if not tax_rule:
            raise Cin7ApiError(f"{where}: TaxRule is required.")
        if not any(t["Name"] == tax_rule for t in self.tax_rules):
            raise Cin7ApiError(f"{where}: Tax rule '{tax_rule}' was not found in reference book")
        return quantity

    def _sale_line(self, index: int, line: dict[str, Any]) -> dict[str, Any]:
        """One line of an order, invoice or credit note (APIB:L29915–29929): a known product, Quantity at
        least 1, a known TaxRule, Tax required and a Total that matches."""
        where = f"Line {index + 1}"
        product = self._product_for_line(line)
        quantity = self._quantity_and_tax_rule(where, line)
        price, discount, tax, total = self._priced(where, line, quantity)
        return {
            "ProductID": product["ID"],
            "SKU": product["SKU"],
            "Name": line.get("Name") or product["Name"],
            "Quantity": quantity,
            "Price": price,
            "Discount": discount,
            "Tax": tax,
            "TaxRule": line["TaxRule"],
            "Total": total,
        }

    def _document_rows(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Invoice and credit-note lines and charges follow the order's models (APIB:L29901–29929)."""
        lines = [self._sale_line(index, line) for index, line in enumerate(body.get("Lines") or [])]
        charges = [self._additional_charge(i, c) for i, c in enumerate(body.get("AdditionalCharges") or [])]
        return lines, charges

    def _post_invoice(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """POST sale/invoice (APIB:L24029–24033): the order must be authorised; on a simple sale (one
        invoice per sale order, L20044) a second invoice is refused once the first is past DRAFT;
        InvoiceDate is required (L23957); numbers are unique across the account. The answer is the
        sale's invoices, `{SaleID, Invoices: [...]}` (L24086)."""
        sale = self._sale(body.get("SaleID"))
        if sale["Order"]["Status"] != "AUTHORISED":
            raise Cin7ApiError("Sale order should be authorised before invoicing.")
        status = str(body.get("Status") or "DRAFT").upper()
        if status not in {"DRAFT", "AUTHORISED"}:
            raise Cin7ApiError("Status should be DRAFT or AUTHORISED.")
        if not body.get("InvoiceDate"):
            raise Cin7ApiError("InvoiceDate is required.")
        lines, charges = self._document_rows(body)
        existing = [i for i in sale["Invoices"] if i["Status"] != "VOIDED"]
        if sale["Type"] == "Simple Sale" and existing and existing[0]["Status"] not in {"DRAFT", "NOT AVAILABLE"}:
            raise Cin7ApiError(f"Invoice with status '{existing[0]['Status']}' cannot be changed.")
        self.invoice_count += 1
        invoice = {
            "TaskID": str(uuid.uuid4()),
            "CombineAdditionalCharges": False,
            "InvoiceNumber": f"INV-{self.invoice_count:05d}",
            "Memo": body.get("Memo") or "",
            "Status": status,
            "InvoiceDate": body.get("InvoiceDate"),
            "InvoiceDueDate": body.get("InvoiceDueDate") or body.get("InvoiceDate"),
            "CurrencyConversionRate": 1,
            "Lines": lines,
            "AdditionalCharges": charges,
            **self._totals(sale, lines, charges),
        }
        if sale["Type"] == "Simple Sale" and existing:
            sale["Invoices"].remove(existing[0])  # a draft is replaced
        sale["Invoices"].append(invoice)
        if status == "AUTHORISED":
            sale["CombinedInvoiceStatus"] = "INVOICED"
        sale["LastModifiedOn"] = _utc_now()
        return {"SaleID": sale["ID"], "Invoices": sale["Invoices"]}

    def _post_credit_note(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """POST sale/creditnote (APIB:L24249–24470): needs an authorised invoice, named by
        `CreditNoteInvoiceNumber` (required, L24280), and `CreditNoteDate` (required, L24283); each
        Restock line needs `Location` or `LocationID` (L29837). [U] As with invoices, a simple sale
        holds one credit note: a second is refused once the first is authorised. The answer is the
        sale's credit notes, `{SaleID, CreditNotes: [...]}` (L24456)."""
        sale = self._sale(body.get("SaleID"))
        status = str(body.get("Status") or "DRAFT").upper()
        if status not in {"DRAFT", "AUTHORISED"}:
            raise Cin7ApiError("Status should be DRAFT or AUTHORISED.")
        number = body.get("CreditNoteInvoiceNumber")
        if not number:
            raise Cin7ApiError("CreditNoteInvoiceNumber is required.")
        invoice = next((i for i in sale["Invoices"] if i["InvoiceNumber"] == number), None)
        if invoice is None:
            raise Cin7ApiError(f"Invoice '{number}' not found.")
        if invoice["Status"] not in {"AUTHORISED", "PAID"}:
            raise Cin7ApiError("Sale invoice should be authorised before creating a credit note.")
        if not body.get("CreditNoteDate"):
            raise Cin7ApiError("CreditNoteDate is required.")
        lines, charges = self._document_rows(body)
        existing = [c for c in sale["CreditNotes"] if c["Status"] != "VOIDED"]
        if sale["Type"] == "Simple Sale" and existing and existing[0]["Status"] not in {"DRAFT", "NOT AVAILABLE"}:
            raise Cin7ApiError(f"Credit note with status '{existing[0]['Status']}' cannot be changed.")
        restock = []
        for index, line in enumerate(body.get("Restock") or []):
            if not (line.get("Location") or line.get("LocationID")):
                raise Cin7ApiError(f"Restock line {index + 1}: Location or LocationID is required.")
            product = self._product_for_line(line)
            location = line.get("RestockLocation") or line.get("Location") or sale["Location"]
            restock.append(
                {
                    "SKU": product["SKU"],
                    "ProductID": product["ID"],
                    "Name": product["Name"],
                    "Location": line.get("Location"),
                    "Quantity": _num(line.get("Quantity")),
                    "RestockLocation": location,
                    "_product": product,
                }
            )
        if status == "AUTHORISED":
            for row in restock:
                if row["_product"]["Type"] == "Stock":
                    stock_row = self._stock_rows(row["_product"], row["RestockLocation"])[0]
                    stock_row["OnHand"] += row["Quantity"]
                    stock_row["Available"] = stock_row["OnHand"] - stock_row["Allocated"]
        for row in restock:
            del row["_product"]
        self.credit_note_count += 1
        note = {
            "TaskID": str(uuid.uuid4()),
            "CombineAdditionalCharges": False,
            "CreditNoteInvoiceNumber": number,
            "Memo": body.get("Memo") or "",
            "Status": status,
            "CreditNoteDate": body.get("CreditNoteDate"),
            "CreditNoteNumber": f"CR-{self.credit_note_count:05d}",
            "CreditNoteConversionRate": 1,
            "Lines": lines,
            "AdditionalCharges": charges,
            "Restock": restock,
            **self._totals(sale, lines, charges),
        }
        if sale["Type"] == "Simple Sale" and existing:
            sale["CreditNotes"].remove(existing[0])  # a draft is replaced
        sale["CreditNotes"].append(note)
        if status == "AUTHORISED":
            sale.update(CreditNoteStatus="AUTHORISED", Status="CREDITED")
        sale["LastModifiedOn"] = _utc_now()
        return {"SaleID": sale["ID"], "CreditNotes": sale["CreditNotes"]}
