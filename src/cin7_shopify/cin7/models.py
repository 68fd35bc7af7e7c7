"""Pydantic models of Cin7 Core API v2 payloads, keyed exactly as the wire (PascalCase).

Cin7 is inconsistent on the wire; these models absorb the documented asymmetries once so the
rest of the tool never sees them:
- TaxInclusive (write) vs TaxCalculation "Inclusive"/"Exclusive" (read);
- ship line Box (write) vs Boxes (read);
- Deprecated (doc) vs IsDeprecated (response); Postcode vs PostCode; Currency vs BaseCurrency;
- numbers sent as strings ("10.0000000000", "1"), booleans as "true"/"0";
- null and missing both mean "not set".
Unknown fields are kept (extra="allow") so nothing Cin7 adds later is lost on a round trip.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"

# Cin7 sends null for an empty collection as often as []; both read as an empty list.
T = TypeVar("T")
ListOrNull = Annotated[list[T], BeforeValidator(lambda value: [] if value is None else value)]

# Cin7 accepts numbers or numeric strings; we keep exact decimals and send JSON numbers.
Number = Annotated[Decimal, PlainSerializer(lambda v: float(v), return_type=float, when_used="json")]


class Cin7Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body Cin7 expects: wire names, no unset fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Me(Cin7Model):
    Company: str = ""
    Currency: str | None = Field(default=None, validation_alias=AliasChoices("Currency", "BaseCurrency"))
    TimeZone: str | None = None
    TaxCalculationMethod: str | None = None
    DefaultSaleTaxRuleId: str | None = None
    DefaultSaleTaxRuleName: str | None = None


class BomComponent(Cin7Model):
    ComponentProductID: str | None = None
    ProductCode: str | None = None
    Name: str | None = None
    Quantity: Number = Decimal(0)


class Product(Cin7Model):
    ID: str | None = None
    SKU: str
    Name: str = ""
    Category: str | None = None
    Brand: str | None = None
    Type: str | None = None
    CostingMethod: str | None = None
    UOM: str | None = None
    Barcode: str | None = None
    Status: str = "Active"
    SaleTaxRule: str | None = None
    PurchaseTaxRule: str | None = None
    DefaultLocation: str | None = None
    PriceTier1: Number | None = None
    Sellable: bool = True
    BillOfMaterial: bool = False
    AutoAssembly: bool = False
    BillOfMaterialsProducts: ListOrNull[BomComponent] = Field(default_factory=list)  # only with IncludeBOM
    LastModifiedOn: str | None = None

    @property
    def is_active(self) -> bool:
        return (self.Status or "").lower() == "active"

    @property
    def is_stock(self) -> bool:
        return (self.Type or "Stock").lower() == "stock"

    @property
    def is_kit(self) -> bool:
        """Sold as one, assembled from its components when the sale is authorised (APIB:L5005–5006)."""
        return self.BillOfMaterial and self.AutoAssembly


class ProductFamilyMember(Cin7Model):
    ID: str | None = None
    SKU: str = ""
    Name: str | None = None
    Option1: str | None = None
    Option2: str | None = None
    Option3: str | None = None


class ProductFamily(Cin7Model):
    ID: str | None = None
    SKU: str = ""
    Name: str = ""
    Option1Name: str | None = None
    Option2Name: str | None = None
    Option3Name: str | None = None
    Products: ListOrNull[ProductFamilyMember] = Field(default_factory=list)


class ProductAvailability(Cin7Model):
    """One row per product × location × bin × batch."""

    ID: str | None = None
    SKU: str
    Name: str | None = None
    Barcode: str | None = None
    Location: str
    Bin: str | None = None
    Batch: str | None = None
    ExpiryDate: str | None = None
    OnHand: Number = Decimal(0)
    Allocated: Number = Decimal(0)
    Available: Number = Decimal(0)
    OnOrder: Number = Decimal(0)
    StockOnHand: Number | None = None
    InTransit: Number | None = None


# -- summaries: a page row reduced to what a whole-catalogue reader needs ---------------------
# A full model keeps every field Cin7 sent (extra="allow"): about 3 KB a product, 1.2 GB for the
# 420,000 rows of a 100,000-variant account. A reader that walks every page (the audit) takes these
# instead: the same names, types and defaults as the models above for the fields it uses, and
# everything else dropped as the row is read.


class Cin7Summary(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    record_name: ClassVar[str]  # the full model's name, for messages about a malformed row


class ProductSummary(Cin7Summary):
    record_name = "Product"
    SKU: str
    Name: str = ""
    Type: str | None = None
    Status: str = "Active"
    Sellable: bool = True
    SaleTaxRule: str | None = None


class FamilyMemberSummary(Cin7Summary):
    record_name = "ProductFamilyMember"
    SKU: str = ""
    Option1: str | None = None
    Option2: str | None = None
    Option3: str | None = None


class FamilySummary(Cin7Summary):
    record_name = "ProductFamily"
    SKU: str = ""
    Name: str = ""
    Option1Name: str | None = None
    Option2Name: str | None = None
    Option3Name: str | None = None
    Products: ListOrNull[FamilyMemberSummary] = Field(default_factory=list)


class StockSummary(Cin7Summary):
    """One availability row: product × location × bin × batch."""

    record_name = "ProductAvailability"

    SKU: str
    Location: str
    OnHand: Number = Decimal(0)


class Bin(Cin7Model):
    ID: str | None = None
    Name: str = ""
    IsDeprecated: bool = False


class Location(Cin7Model):
    ID: str | None = None
    Name: str
    IsDefault: bool = False
    IsDeprecated: bool = Field(default=False, validation_alias=AliasChoices("IsDeprecated", "Deprecated"))
    ParentID: str | None = None
    ParentName: str | None = None
    Bins: list[Bin] | None = None

    @property
    def is_bin(self) -> bool:
        """Bins come back as extra rows of the location list; they are not locations."""
        return bool(self.ParentID)


class TaxComponent(Cin7Model):
    ID: str | None = None
    Name: str | None = None
    Percent: Number | None = None
    AccountCode: str | None = None
    Compound: bool | None = None
    ComponentOrder: int | None = None


class TaxRule(Cin7Model):
    ID: str | None = None
    Name: str
    Account: str | None = None
    IsActive: bool = True
    TaxInclusive: bool = False
    TaxPercent: Number = Decimal(0)
    IsTaxForSale: bool = True
    IsTaxForPurchase: bool = False
    Components: ListOrNull[TaxComponent] = Field(default_factory=list)


class Contact(Cin7Model):
    ID: str | None = None
    Name: str | None = None
    Email: str | None = None
    Phone: str | None = None
    Default: bool | None = None


class CustomerAddress(Cin7Model):
    ID: str | None = None
    Line1: str | None = None
    Line2: str | None = None
    City: str | None = None
    State: str | None = None
    Postcode: str | None = Field(default=None, validation_alias=AliasChoices("Postcode", "PostCode"))
    Country: str | None = None
    Type: str | None = None
    DefaultForType: bool | None = None


class Customer(Cin7Model):
    ID: str | None = None
    Name: str
    Status: str = "Active"
    Currency: str | None = None
    PaymentTerm: str | None = None
    AccountReceivable: str | None = None
    RevenueAccount: str | None = None
    TaxRule: str | None = None
    PriceTier: str | None = None
    Location: str | None = None
    Contacts: ListOrNull[Contact] = Field(default_factory=list)
    Addresses: ListOrNull[CustomerAddress] = Field(default_factory=list)

    def has_email(self, email: str) -> bool:
        """Exact contact email match, ignoring case and surrounding spaces."""
        wanted = email.strip().lower()
        return any((c.Email or "").strip().lower() == wanted for c in self.Contacts)


class SaleListRow(Cin7Model):
    SaleID: str
    OrderNumber: str | None = None
    Status: str | None = None
    OrderDate: str | None = None
    Customer: str | None = None
    CustomerID: str | None = None
    CustomerReference: str | None = None
    InvoiceAmount: Number | None = None
    Updated: str | None = None
    OrderStatus: str | None = None
    CombinedPickingStatus: str | None = None
    CombinedPackingStatus: str | None = None
    CombinedShippingStatus: str | None = None
    FulFilmentStatus: str | None = None
    CombinedTrackingNumbers: str | None = None
    ExternalID: str | None = None
    OrderLocationID: str | None = None
    Type: str | None = None


class SaleAddress(Cin7Model):
    Line1: str | None = None
    Line2: str | None = None
    City: str | None = None
    State: str | None = None
    Postcode: str | None = Field(default=None, validation_alias=AliasChoices("Postcode", "PostCode"))
    Country: str | None = None
    Company: str | None = None
    Contact: str | None = None
    ShipToOther: bool | None = None


class SaleCreate(Cin7Model):
    """Body of POST /sale. Write-side names: TaxInclusive, not TaxCalculation."""

    Customer: str | None = None
    CustomerID: str | None = None
    Contact: str | None = None
    Phone: str | None = None
    Email: str | None = None
    SkipQuote: bool = True
    BillingAddress: SaleAddress | None = None
    ShippingAddress: SaleAddress | None = None
    ShippingNotes: str | None = None
    TaxRule: str | None = None
    TaxInclusive: bool | None = None
    Location: str
    SaleOrderDate: str | None = None
    Note: str | None = None
    CustomerReference: str | None = None
    ExternalID: str | None = None
    CurrencyRate: Number | None = None
    PriceTier: str | None = None
    Carrier: str | None = None
    SaleType: str | None = None


class SaleLine(Cin7Model):
    ProductID: str | None = None
    SKU: str | None = None
    Name: str | None = None
    Quantity: Number = Decimal(0)
    Price: Number = Decimal(0)
    Discount: Number = Decimal(0)
    Tax: Number = Decimal(0)
    TaxRule: str | None = None
    Total: Number = Decimal(0)
    Comment: str | None = None
    BackorderQuantity: Number | None = None


class AdditionalCharge(Cin7Model):
    Description: str
    Price: Number = Decimal(0)
    Quantity: Number = Decimal(1)
    Discount: Number = Decimal(0)
    Tax: Number = Decimal(0)
    Total: Number = Decimal(0)
    TaxRule: str | None = None
    Comment: str | None = None


class SaleOrder(Cin7Model):
    SaleID: str | None = None
    Memo: str | None = None
    Status: str = "NOT AVAILABLE"
    Lines: ListOrNull[SaleLine] = Field(default_factory=list)
    AdditionalCharges: ListOrNull[AdditionalCharge] = Field(default_factory=list)
    TotalBeforeTax: Number | None = None
    Tax: Number | None = None
    Total: Number | None = None


class PickPackLine(Cin7Model):
    ProductID: str | None = None
    SKU: str
    Name: str | None = None
    Location: str | None = None
    LocationID: str | None = None
    Quantity: Number
    BatchSN: str | None = None
    ExpiryDate: str | None = None
    Box: str | None = None


class ShipLine(Cin7Model):
    """Ship line: written with `Box`, read back as `Boxes`."""

    ID: str | None = None
    ShipmentDate: str
    Carrier: str | None = None
    Box: str | None = Field(default=None, validation_alias=AliasChoices("Box", "Boxes"))
    TrackingNumber: str | None = None
    TrackingURL: str | None = None
    IsShipped: bool = True


class FulfilmentStage(Cin7Model):
    """Pick, pack or ship of one fulfilment task; POSTing a stage answers with this shape."""

    TaskID: str | None = None
    Status: str = "NOT AVAILABLE"
    Lines: ListOrNull[dict[str, Any]] = Field(default_factory=list)


class Fulfilment(Cin7Model):
    TaskID: str
    FulfillmentNumber: int | None = None
    FulFilmentStatus: str | None = None
    Pick: FulfilmentStage = Field(default_factory=FulfilmentStage)
    Pack: FulfilmentStage = Field(default_factory=FulfilmentStage)
    Ship: FulfilmentStage = Field(default_factory=FulfilmentStage)

    @property
    def ship_lines(self) -> list[ShipLine]:
        return [ShipLine.model_validate(line) for line in self.Ship.Lines]


class CreditNote(Cin7Model):
    TaskID: str | None = None
    CreditNoteNumber: str | None = None
    CreditNoteInvoiceNumber: str | None = None
    CreditNoteDate: str | None = None
    Memo: str | None = None
    Status: str | None = None
    Lines: ListOrNull[SaleLine] = Field(default_factory=list)
    AdditionalCharges: ListOrNull[AdditionalCharge] = Field(default_factory=list)
    Restock: ListOrNull[dict[str, Any]] = Field(default_factory=list)


class Sale(Cin7Model):
    """GET /sale. Read-side names: TaxCalculation, not TaxInclusive."""

    ID: str
    OrderNumber: str | None = None
    Customer: str | None = None
    CustomerID: str | None = None
    Email: str | None = None
    SkipQuote: bool | None = None
    TaxRule: str | None = None
    TaxCalculation: str | None = None
    Location: str | None = None
    Status: str | None = None
    CustomerReference: str | None = None
    ExternalID: str | None = None
    Type: str | None = None
    CombinedPickingStatus: str | None = None
    CombinedPackingStatus: str | None = None
    CombinedShippingStatus: str | None = None
    FulFilmentStatus: str | None = None
    Order: SaleOrder | None = None
    Fulfilments: ListOrNull[Fulfilment] = Field(default_factory=list)
    Invoices: ListOrNull[dict[str, Any]] = Field(default_factory=list)
    CreditNotes: ListOrNull[CreditNote] = Field(default_factory=list)

    @property
    def tax_inclusive(self) -> bool | None:
        if self.TaxCalculation is None:
            return None
        return self.TaxCalculation.strip().lower() == "inclusive"
