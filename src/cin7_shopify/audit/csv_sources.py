"""Catalogues from CSV exports, for audits before anyone has API access.

- Shopify's product CSV (Products → Export): one row per variant, the product's Title, option names
  and Status on its first row only; image-only rows are skipped.
- Cin7 Core's product export and product availability export. Headers are matched by name, in any
  order, with the names Cin7 uses in its API and in its screens (e.g. `ProductCode` or `SKU`), so a
  re-saved spreadsheet still reads.

Files may carry a UTF-8 BOM and CRLF line ends. A bad file is refused naming the file, the line and
the column, and nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cin7_shopify.audit.models import (
    Cin7Catalog,
    Cin7FamilyRecord,
    Cin7LocationRecord,
    Cin7ProductRecord,
    ShopifyCatalog,
    ShopifyVariantRecord,
)
from cin7_shopify.errors import ConsoleError


class CsvError(ConsoleError):
    hint = "Export the file again from the system it came from, or fix that cell, and run the audit again."


@dataclass
class _Row:
    line: int
    values: dict[str, str]


class _Sheet:
    """A CSV file whose columns are found by any of their accepted names."""

    def __init__(self, path: Path, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> None:
        self.path = path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CsvError(f"{path}: no such file.") from None
        except IsADirectoryError:
            raise CsvError(f"{path}: is a folder, not a CSV file.") from None
        except OSError as exc:
            raise CsvError(f"{path}: cannot be read ({exc.strerror}).") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise CsvError(
                f"{path.name}: line {line}, character {column}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                "save it as CSV UTF-8."
            ) from None
        if "\x00" in text:  # no export writes one: a UTF-16 file or a damaged one
            nul = text.index("\x00")
            raise CsvError(
                f"{path.name}: line {text.count(chr(10), 0, nul) + 1}: a NUL character; the file is damaged or not "
                "CSV UTF-8."
            )
        _check_quotes(path.name, text)
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise CsvError(f"{path.name}: the file is empty.") from None
        except csv.Error as exc:
            raise CsvError(f"{path.name}: line 1: {exc}.") from None
        seen: dict[str, int] = {}
        for index, name in enumerate(header):
            key = _header_key(name)
            if key and key in seen:
                raise CsvError(
                    f"{path.name}: line 1: column {_letters(index)} ({name}) repeats column "
                    f"{_letters(seen[key])} ({header[seen[key]]}); which one holds the data is unknowable."
                )
            seen.setdefault(key, index)
        normalised = {_header_key(name): index for index, name in enumerate(header)}
        self.header = header
        self.index: dict[str, int] = {}
        for field, names in columns.items():
            for name in names:
                if _header_key(name) in normalised:
                    self.index[field] = normalised[_header_key(name)]
                    break
        for field in required:
            if field not in self.index:
                accepted = " or ".join(f"'{n}'" for n in columns[field])
                raise CsvError(f"{path.name}: line 1: no {accepted} column; found {', '.join(header)}.")
        self._reader = reader
        self._width = len(header)

    def rows(self) -> Iterator[_Row]:
        """Every data row; a file with none, or a row of the wrong width, is refused."""
        count = 0
        last_line = self._reader.line_num
        try:
            for record in self._reader:
                line, first_line = self._reader.line_num, last_line + 1
                last_line = line
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != self._width:
                    hint = "an unquoted comma?" if len(record) > self._width else "a cut-off row?"
                    raise CsvError(
                        f"{self.path.name}: line {first_line}: {len(record)} cells but the header has "
                        f"{self._width} columns ({hint})."
                    )
                if line > first_line:  # a quoted cell ran over line ends: fine in a description, not here
                    for field, index in self.index.items():
                        if "\n" in record[index] or "\r" in record[index]:
                            raise CsvError(
                                f"{self.path.name}: line {first_line}, {self.column(field)}: the cell runs on to "
                                f"line {line} (a stray quote?)."
                            )
                count += 1
                yield _Row(first_line, {f: record[i] for f, i in self.index.items()})
        except csv.Error as exc:
            raise CsvError(f"{self.path.name}: line {self._reader.line_num}: {exc}.") from None
        if count == 0:
            raise CsvError(f"{self.path.name}: only a header, no rows; export the file again with its products.")

    def column(self, field: str) -> str:
        """Spreadsheet-style position and name, e.g. "column C (Variant SKU)"."""
        index = self.index[field]
        return f"column {_letters(index)} ({self.header[index]})"

    def fail(self, row: _Row, field: str, problem: str) -> CsvError:
        return CsvError(f"{self.path.name}: line {row.line}, {self.column(field)}: {problem}.")


def _check_quotes(name: str, text: str) -> None:
    """Refuse quotes the CSV format does not allow, before they silently merge or split rows.

    A quote may open a cell (at its start), close it (before a comma or a line end), or be doubled
    inside it. Anything else, like an unterminated quote, means the rows cannot be told apart.
    """
    opened = -1
    position = text.find('"')
    while position != -1:
        if opened < 0:
            if position > 0 and text[position - 1] not in ",\r\n":
                raise CsvError(
                    f"{name}: {_where(text, position)}: a stray quote inside a cell (quote the cell, or "
                    'double the quote as "").'
                )
            opened = position
            position = text.find('"', position + 1)
            continue
        if text.startswith('""', position):
            position = text.find('"', position + 2)
            continue
        following = text[position + 1 : position + 2]
        if following not in ("", ",", "\r", "\n"):
            raise CsvError(f"{name}: {_where(text, position + 1)}: text after a cell's closing quote (a stray quote?).")
        opened = -1
        position = text.find('"', position + 1)
    if opened >= 0:
        raise CsvError(
            f"{name}: {_where(text, opened)}: a quote that is never closed; the rest of the file would be one cell."
        )


def _where(text: str, position: int) -> str:
    """ "line 4, column C" for a position in the text (column counted by the commas before it)."""
    line = text.count("\n", 0, position) + 1
    start = text.rfind("\n", 0, position) + 1
    inside, commas = False, 0
    for ch in text[start:position]:
        if ch == '"':
            inside = not inside
        elif ch == "," and not inside:
            commas += 1
    return f"line {line}, column {_letters(commas)}"


def _number(text: str) -> float | None:
    """A finite number, or None: NaN and Infinity parse as floats but are no quantity or price."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _header_key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


SHOPIFY_COLUMNS: dict[str, tuple[str, ...]] = {
    "handle": ("Handle",),
    "title": ("Title",),
    "status": ("Status",),
    "sku": ("Variant SKU",),
    "barcode": ("Variant Barcode",),
    "tracker": ("Variant Inventory Tracker",),
    "price": ("Variant Price",),
    **{f"option{n}_name": (f"Option{n} Name",) for n in (1, 2, 3)},
    **{f"option{n}_value": (f"Option{n} Value",) for n in (1, 2, 3)},
}
SHOPIFY_STATUSES = {"active": "ACTIVE", "draft": "DRAFT", "archived": "ARCHIVED", "unlisted": "UNLISTED"}


def read_shopify_csv(path: Path, *, shop_name: str = "", taxes_included: bool = False) -> ShopifyCatalog:
    sheet = _Sheet(path, SHOPIFY_COLUMNS, required=("handle", "sku", "option1_value"))
    variants: list[ShopifyVariantRecord] = []
    products: dict[str, tuple[str, str, tuple[str, ...]]] = {}  # handle → title, status, option names
    for row in sheet.rows():
        values = row.values
        handle = values["handle"].strip()
        if not handle:
            raise sheet.fail(row, "handle", "empty; every row needs the product's handle")
        if handle not in products:
            status_text = values.get("status", "").strip().lower() or "active"
            if status_text not in SHOPIFY_STATUSES:
                raise sheet.fail(row, "status", f"'{values['status']}' is not active, draft or archived")
            names = tuple(values.get(f"option{n}_name", "").strip() for n in (1, 2, 3))
            products[handle] = (
                values.get("title", "").strip() or handle,
                SHOPIFY_STATUSES[status_text],
                tuple(n for n in names if n),
            )
        price = values.get("price", "").strip()
        if price and _number(price) is None:
            raise sheet.fail(row, "price", f"'{price}' is not a price")
        option_values = tuple(values.get(f"option{n}_value", "").strip() for n in (1, 2, 3))
        is_variant = any(option_values) or values["sku"] or values.get("price", "").strip()
        if not is_variant:
            continue  # an image row
        title, status, names = products[handle]
        tracker = values.get("tracker", "").strip().lower()
        variants.append(
            ShopifyVariantRecord(
                id=f"csv:{path.name}:{row.line}",
                sku=values["sku"] if values["sku"] != "" else None,
                product_id=f"csv:{handle}",
                product_title=title,
                product_handle=handle,
                product_status=status,
                option_names=names,
                option_values=tuple(v for v in option_values if v),
                tracked=tracker not in {"", "not tracked"},  # "shopify" or a fulfilment service's name
                barcode=values.get("barcode") or None,
            )
        )
    return ShopifyCatalog(shop_name=shop_name or path.stem, taxes_included=taxes_included, variants=variants)


CIN7_PRODUCT_COLUMNS: dict[str, tuple[str, ...]] = {
    "sku": ("ProductCode", "SKU", "Product Code"),
    "name": ("Name", "ProductName", "Product Name"),
    "status": ("Status",),
    "type": ("Type", "ProductType", "Product Type"),
    "sellable": ("Sellable",),
    "sale_tax_rule": ("SaleTaxRule", "Sale Tax Rule", "TaxRules"),
    "family_sku": ("ProductFamilySKU", "Product Family SKU", "FamilySKU"),
    "family_name": ("ProductFamilyName", "Product Family Name", "FamilyName"),
    **{f"option{n}_name": (f"ProductFamilyOption{n}Name", f"Option{n}Name", f"Option {n} Name") for n in (1, 2, 3)},
    **{f"option{n}": (f"ProductFamilyOption{n}Value", f"Option{n}", f"Option {n}") for n in (1, 2, 3)},
}
CIN7_STOCK_COLUMNS: dict[str, tuple[str, ...]] = {
    "sku": ("ProductCode", "SKU", "Product Code"),
    "location": ("Location",),
    "on_hand": ("OnHand", "On Hand", "Quantity On Hand"),
}
_TRUE, _FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n"}


def read_cin7_csv(products_path: Path, stock_path: Path | None = None, *, company: str = "") -> Cin7Catalog:
    sheet = _Sheet(products_path, CIN7_PRODUCT_COLUMNS, required=("sku", "name"))
    products: list[Cin7ProductRecord] = []
    seen: dict[str, int] = {}
    families: dict[str, tuple[str, list[str], list[tuple[str, tuple[str, ...]]]]] = {}
    for row in sheet.rows():
        values = row.values
        sku = values["sku"]
        if not sku.strip():
            raise sheet.fail(row, "sku", "empty; every Cin7 Core product has a SKU")
        if sku in seen:
            raise sheet.fail(row, "sku", f"'{sku}' already appears on line {seen[sku]}; Cin7 Core SKUs are unique")
        seen[sku] = row.line
        status = values.get("status", "").strip() or "Active"
        if status.lower() not in {"active", "deprecated"}:
            raise sheet.fail(row, "status", f"'{status}' is not Active or Deprecated")
        sellable_text = values.get("sellable", "").strip().lower()
        if sellable_text and sellable_text not in _TRUE | _FALSE:
            raise sheet.fail(row, "sellable", f"'{values['sellable']}' is not a yes/no value")
        products.append(
            Cin7ProductRecord(
                sku=sku,
                name=values["name"].strip(),
                status=status.capitalize(),
                type=values.get("type", "").strip() or "Stock",
                sellable=sellable_text not in _FALSE,
                sale_tax_rule=values.get("sale_tax_rule", "").strip() or None,
            )
        )
        family_sku = values.get("family_sku", "").strip()
        if family_sku:
            _, names, members = families.setdefault(
                family_sku, (values.get("family_name", "").strip() or family_sku, [], [])
            )
            if not names:
                names.extend(n for n in (values.get(f"option{i}_name", "").strip() for i in (1, 2, 3)) if n)
            options = tuple(v for v in (values.get(f"option{i}", "").strip() for i in (1, 2, 3)) if v)
            members.append((sku, options))
    stock: dict[str, float] = {}
    locations: list[Cin7LocationRecord] | None = None
    if stock_path is not None:
        stock_sheet = _Sheet(stock_path, CIN7_STOCK_COLUMNS, required=("sku", "location"))
        for row in stock_sheet.rows():
            location = row.values["location"].strip()
            if not location:
                raise stock_sheet.fail(row, "location", "empty")
            text = row.values.get("on_hand", "").strip() or "0"
            quantity = _number(text.replace(",", ""))
            if quantity is None:
                raise stock_sheet.fail(row, "on_hand", f"'{text}' is not a number")
            stock[location] = stock.get(location, 0.0) + quantity
        locations = [Cin7LocationRecord(name) for name in sorted(stock)]
    return Cin7Catalog(
        company=company,
        products=products,
        families=[
            Cin7FamilyRecord(sku, name, tuple(names), tuple(members))
            for sku, (name, names, members) in families.items()
        ],
        locations=locations,
        tax_rules=None,
        stock_by_location=dict(stock),
    )
