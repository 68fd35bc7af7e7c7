"""The audit on the demo store: every seeded problem, nothing else; CSV exports agree with the APIs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from cin7_shopify.audit.csv_sources import CsvError, read_shopify_csv
from cin7_shopify.audit.engine import run_audit
from cin7_shopify.audit.export import report_csv, report_json, report_markdown, shopify_fix_csv
from cin7_shopify.audit.models import (
    AuditReport,
    Cin7Catalog,
    Cin7FamilyRecord,
    Cin7ProductRecord,
    Finding,
    ShopifyCatalog,
    ShopifyVariantRecord,
)
from cin7_shopify.audit.service import AuditRun, audit_csv, audit_with_clients
from cin7_shopify.audit.skus import genuine_variant, sku_findings
from cin7_shopify.clock import ManualClock
from cin7_shopify.errors import ConsoleError
from cin7_shopify.sandbox.demo_data import SEEDED_PROBLEMS
from cin7_shopify.sandbox.scenario import load_scenario
from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.settings import StoreSettings
from tests.conftest import DEMO, audit_of
from tests.csv_exports import write_cin7_exports, write_shopify_export

CATALOGUE_KINDS = {
    "missing_sku",
    "duplicate_sku",
    "sku_whitespace",
    "sku_case_mismatch",
    "only_in_shopify",
    "only_in_cin7",
    "variant_set_mismatch",
    "untracked_inventory",
    "deprecated_in_cin7",
    "missing_tax_rule",
}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    return audit_of(DEMO, tmp_path_factory)  # type: ignore[no-any-return]


def subject(finding: Finding) -> str:
    """What SEEDED_PROBLEMS names for a finding: its SKU, product, location or tax line."""
    if finding.kind == "missing_sku":
        return str(finding.shopify["product"])  # type: ignore[index]
    if finding.kind == "variant_set_mismatch":
        return str(finding.shopify["product"])  # type: ignore[index]
    if finding.kind == "unmapped_location":
        return str(finding.shopify["location"])  # type: ignore[index]
    if finding.kind == "unknown_cin7_location":
        return str(finding.cin7["location"])  # type: ignore[index]
    if finding.kind in {"unmapped_tax", "tax_inclusive_mismatch"}:
        return str(finding.shopify["tax_line"])  # type: ignore[index]
    return str(finding.sku)


@pytest.mark.parametrize("kind", sorted(SEEDED_PROBLEMS))
def test_each_seeded_problem_is_found(demo_run: AuditRun, kind: str) -> None:
    found = sorted(subject(f) for f in demo_run.report.findings if f.kind == kind)
    assert found == sorted(SEEDED_PROBLEMS[kind])


def test_nothing_else_is_reported(demo_run: AuditRun) -> None:
    assert {f.kind for f in demo_run.report.findings} == set(SEEDED_PROBLEMS)
    assert len(demo_run.report.findings) == sum(len(v) for v in SEEDED_PROBLEMS.values())


def test_every_finding_speaks_to_the_merchant(demo_run: AuditRun) -> None:
    for finding in demo_run.report.findings:
        assert finding.message.endswith(".") and finding.fix.endswith(".")
        assert finding.shopify is not None or finding.cin7 is not None
        assert "gid://" not in finding.message, "messages name things the way the merchant sees them"


def test_severities_and_verdict(demo_run: AuditRun) -> None:
    report = demo_run.report
    severities = {f.kind: f.severity for f in report.findings}
    assert severities["missing_sku"] == "blocker" and severities["unmapped_tax"] == "blocker"
    assert severities["only_in_cin7"] == "info" and severities["variant_set_mismatch"] == "warning"
    assert not report.ready and report.verdict.startswith("NO-GO: 20 blockers")
    assert [f.severity for f in report.findings] == sorted(
        (f.severity for f in report.findings), key=["blocker", "warning", "info"].index
    )


def test_a_shared_sku_is_one_blocker_that_keeps_the_genuine_variant(demo_run: AuditRun) -> None:
    """SCENARIO.md: one finding per shared SKU listing every variant; only the impostor is renamed."""
    (tee,) = [f for f in demo_run.report.findings if f.kind == "duplicate_sku" and f.sku == "TEE-BLK-M"]
    assert tee.severity == "blocker" and tee.shopify is not None and tee.cin7 and tee.cin7["sku"] == "TEE-BLK-M"
    variants = {v["product"]: v["keep"] for v in tee.shopify["variants"]}
    assert variants == {"Classic Tee": True, "Classic Tee (Sale)": False}
    assert tee.shopify["kept"] == "Classic Tee – Black / M"
    assert "match Cin7 Core's TEE-BLK-M (Classic Tee - Black / M)" in tee.shopify["kept_because"]
    assert tee.fix.startswith("Keep TEE-BLK-M on Classic Tee – Black / M; give Classic Tee (Sale) its own SKU")
    assert "Keep it on Classic Tee – Black / M: its title and options match" in tee.message
    markdown = report_markdown(demo_run.report)
    assert "## SKUs used by more than one Shopify variant (2)" in markdown
    rows = [r for r in csv.DictReader(io.StringIO(report_csv(demo_run.report))) if r["kind"] == "duplicate_sku"]
    assert sorted(r["sku"] for r in rows) == ["POLO-WHT-M", "TEE-BLK-M"]
    text, _ = shopify_fix_csv(demo_run.report, demo_run.shopify)
    assert "TEE-BLK-M" not in text, "the genuine product is never renamed by the fix CSV"


def _variant(number: int, title: str, *values: str) -> ShopifyVariantRecord:
    names = ("Colour", "Size")[: len(values)]
    return ShopifyVariantRecord(
        f"gid://shopify/ProductVariant/{number}", "SHARED", "p", title, "", "ACTIVE", names, values
    )


def test_the_genuine_variant_is_the_one_cin7_describes_else_the_one_made_first() -> None:
    cin7 = Cin7ProductRecord("SHARED", "Hoodie - Grey / L")
    family = Cin7FamilyRecord("HOOD", "Hoodie", ("Colour", "Size"), (("SHARED", ("Grey", "L")),))
    newer_genuine = [
        _variant(9, "Gift Hoodie"),
        _variant(12, "Hoodie", "Grey", "L"),
        _variant(10, "Hoodie", "Blue", "L"),
    ]
    kept, why = genuine_variant(newer_genuine, cin7, (family, ("Grey", "L")))
    assert kept.id.endswith("/12") and "match Cin7 Core's SHARED (Hoodie - Grey / L)" in why
    kept, why = genuine_variant([_variant(7, "Sale"), _variant(3, "Clearance")], cin7, None)
    assert kept.id.endswith("/3") and "listing made first in Shopify" in why and "better than the others" in why
    kept, why = genuine_variant([_variant(7, "Sale"), _variant(3, "Clearance")], None, None)
    assert kept.id.endswith("/3") and why.startswith("no Cin7 Core product has this SKU")
    shop = ShopifyCatalog("s", True, [_variant(5, "A"), _variant(4, "B"), _variant(6, "C")])
    (finding,) = [f for f in sku_findings(shop, Cin7Catalog("c", [])) if f.kind == "duplicate_sku"]
    assert finding.fix.startswith("Keep SHARED on B; give each of A, C its own SKU") and finding.fix.endswith(
        "archive them."
    )


def test_near_matches_are_named_with_both_sides(demo_run: AuditRun) -> None:
    case = next(f for f in demo_run.report.findings if f.sku == "lsh-wht-s")
    assert case.kind == "sku_case_mismatch" and case.cin7 and case.cin7["sku"] == "LSH-WHT-S"
    assert "'LSH-WHT-S'" in case.fix
    spaces = next(f for f in demo_run.report.findings if f.sku == " CAP-KHA")
    assert spaces.kind == "sku_whitespace" and spaces.shopify and spaces.shopify["sku"] == "CAP-KHA"
    assert not [
        f
        for f in demo_run.report.findings
        if f.kind.startswith("only_in")
        and f.sku in {"lsh-wht-s", "LSH-WHT-S", "CAP-KHA", " CAP-KHA", "SOCK-BLK-M", "SOCK-BLK-M "}
    ]


def test_reads_use_the_fewest_calls(demo_run: AuditRun) -> None:
    # Cin7: products, families, availability, locations, tax rules — one page each at this size.
    assert demo_run.cin7_calls == 5
    # Shopify: shop, locations, and two bulk operations (variants; order tax lines), each run, polled
    # twice and downloaded.
    assert demo_run.shopify_calls == 10


def test_proposals_are_offered_never_applied(demo_run: AuditRun) -> None:
    report = demo_run.report
    melbourne = next(p for p in report.location_proposals if p.source_label == "Melbourne Store")
    assert melbourne.target == "Melbourne Store" and melbourne.confidence == 1.0
    unmapped = next(f for f in report.findings if f.kind == "unmapped_location" and "Melbourne" in f.message)
    assert "'Melbourne Store'" in unmapped.fix and "approve" in unmapped.fix
    gst = next(p for p in report.tax_proposals if p.source == "GST 10%")
    assert gst.target == "GST on Income" and gst.confidence < 1.0

    scenario = load_scenario(DEMO)
    settings = StoreSettings.from_json_dict(scenario.settings)
    approved = settings.model_copy(
        update={"location_map": {**settings.location_map, melbourne.source: melbourne.target}}
    )
    again = run_audit(demo_run.shopify, demo_run.cin7, approved, store="Demo Apparel")
    assert [f.shopify["location"] for f in again.findings if f.kind == "unmapped_location"] == [  # type: ignore[index]
        "Brisbane Market Stall"
    ]


def test_one_cin7_location_feeding_two_stores_is_flagged(demo_run: AuditRun) -> None:
    settings = StoreSettings.from_json_dict(load_scenario(DEMO).settings)
    report = run_audit(
        demo_run.shopify,
        demo_run.cin7,
        settings,
        store="Demo Apparel",
        other_stores={"demo-apparel-nz": {"gid://shopify/Location/9": "Main Warehouse"}},
    )
    (shared,) = [f for f in report.findings if f.kind == "shared_cin7_location"]
    assert (shared.severity, shared.cin7) == ("warning", {"location": "Main Warehouse"})
    assert shared.message == (
        "Cin7 Core location 'Main Warehouse' also feeds store 'demo-apparel-nz': both stores are given its full "
        "stock and can oversell it between them."
    )
    assert shared.shopify == {
        "location_id": "gid://shopify/Location/71001|demo-apparel-nz",
        "locations": ["Sydney Warehouse"],
        "other_store": "demo-apparel-nz",
    }


def test_two_shopify_locations_of_one_store_on_one_cin7_location_are_flagged(demo_run: AuditRun) -> None:
    settings = StoreSettings.from_json_dict(load_scenario(DEMO).settings)
    melbourne = "gid://shopify/Location/71003"
    shared_map = settings.model_copy(update={"location_map": {**settings.location_map, melbourne: "Main Warehouse"}})
    report = run_audit(demo_run.shopify, demo_run.cin7, shared_map, store="Demo Apparel")
    (shared,) = [f for f in report.findings if f.kind == "shared_cin7_location"]
    assert shared.severity == "warning" and shared.shopify["locations"] == ["Sydney Warehouse", "Melbourne Store"]  # type: ignore[index]
    assert shared.message == (
        "Shopify locations 'Sydney Warehouse' and 'Melbourne Store' both map to Cin7 Core location 'Main "
        "Warehouse', so each would be given its full stock. The stock push gives it to 'Sydney Warehouse' only "
        "(first in the mapping) and leaves 'Melbourne Store' as Shopify has it."
    )
    assert "location_split" in shared.fix
    split = shared_map.model_copy(
        update={"location_split": {"Main Warehouse": {"gid://shopify/Location/71001": 70, melbourne: 30}}}
    )
    again = run_audit(demo_run.shopify, demo_run.cin7, split, store="Demo Apparel")
    assert not [f for f in again.findings if f.kind == "shared_cin7_location"], "an explicit split settles it"


def test_a_tax_line_mapped_to_a_rule_at_another_rate_is_a_blocker(demo_run: AuditRun) -> None:
    """NZ GST 15% sent to a 0% rule: the sale would lose the tax the customer paid (its total held as a mismatch)."""
    settings = StoreSettings.from_json_dict(load_scenario(DEMO).settings)
    wrong = settings.model_copy(update={"tax_map": {**settings.tax_map, "NZ GST 15%": "GST Free Income"}})
    report = run_audit(demo_run.shopify, demo_run.cin7, wrong, store="Demo Apparel")
    (nz,) = [f for f in report.findings if f.kind == "unmapped_tax" and f.shopify["tax_line"] == "NZ GST 15%"]  # type: ignore[index]
    assert nz.severity == "blocker"
    assert "maps to Cin7 Core tax rule 'GST Free Income' at 0%, not 15%" in nz.message
    assert nz.fix == "Create a sale tax rule at 15% in Cin7 Core, then map 'NZ GST 15%' to it."


def test_unknown_sku_create_softens_only_in_shopify(demo_run: AuditRun) -> None:
    settings = StoreSettings.from_json_dict({**load_scenario(DEMO).settings, "unknown_sku": "create"})
    report = run_audit(demo_run.shopify, demo_run.cin7, settings, store="Demo Apparel")
    only = [f for f in report.findings if f.kind == "only_in_shopify"]
    assert only and all(f.severity == "warning" and "will create it" in f.message for f in only)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("exports")
    scenario = load_scenario(DEMO)
    write_shopify_export(scenario.shopify, folder / "products_export_1.csv")
    write_cin7_exports(scenario.cin7, folder / "InventoryList.csv", folder / "ProductAvailability.csv")
    return folder / "products_export_1.csv", folder / "InventoryList.csv", folder / "ProductAvailability.csv"


def test_csv_exports_give_the_same_findings_as_the_apis(demo_run: AuditRun, exports: tuple[Path, Path, Path]) -> None:
    run = audit_csv(*exports)

    def key(finding: Finding) -> tuple[str, str, str]:
        return (finding.kind, finding.severity, subject(finding))

    from_apis = sorted(key(f) for f in demo_run.report.findings if f.kind in CATALOGUE_KINDS)
    from_csv = sorted(key(f) for f in run.report.findings)
    assert from_csv == from_apis
    assert "locations (the sources hold no location list)" in run.report.not_checked


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Handle,Title\nx,Y\n", "products.csv: line 1: no 'Variant SKU' column; found Handle, Title."),
        (
            "Handle,Option1 Value,Variant SKU,Status\nx,Default Title,A,live\n",
            "products.csv: line 2, column D (Status): 'live' is not active, draft or archived.",
        ),
        (
            "Handle,Option1 Value,Variant SKU\n,Default Title,A\n",
            "products.csv: line 2, column A (Handle): empty; every row needs the product's handle.",
        ),
        (
            "Handle,Option1 Value,Variant SKU\nx,Default Title,A,extra\n",
            "products.csv: line 2: 4 cells but the header has 3 columns (an unquoted comma?).",
        ),
        ("", "products.csv: the file is empty."),
    ],
)
def test_a_bad_shopify_csv_is_refused_naming_line_and_column(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "products.csv"
    path.write_text(content)
    with pytest.raises(CsvError) as caught:
        read_shopify_csv(path)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "ProductCode,Name\nA,One\nA,Two\n",
            "inventory.csv: line 3, column A (ProductCode): 'A' already appears on line 2; Cin7 Core SKUs are unique.",
        ),
        (
            "Name,ProductCode,Status\nOne,A,Retired\n",
            "inventory.csv: line 2, column C (Status): 'Retired' is not Active or Deprecated.",
        ),
        (
            "Name,ProductCode\nOne,\n",
            "inventory.csv: line 2, column B (ProductCode): empty; every Cin7 Core product has a SKU.",
        ),
    ],
)
def test_a_bad_cin7_csv_is_refused(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "shop.csv").write_text("Handle,Option1 Value,Variant SKU\nx,Default Title,A\n")
    (tmp_path / "inventory.csv").write_text(content)
    with pytest.raises(CsvError) as caught:
        audit_csv(tmp_path / "shop.csv", tmp_path / "inventory.csv")
    assert caught.value.message == message


def test_a_bad_stock_number_is_refused(tmp_path: Path) -> None:
    (tmp_path / "shop.csv").write_text("Handle,Option1 Value,Variant SKU\nx,Default Title,A\n")
    (tmp_path / "inventory.csv").write_text("ProductCode,Name\nA,One\n")
    (tmp_path / "stock.csv").write_text("ProductCode,Location,OnHand\nA,Main,12\nA,Shop,twelve\n")
    with pytest.raises(CsvError, match=r"stock.csv: line 3, column C \(OnHand\): 'twelve' is not a number"):
        audit_csv(tmp_path / "shop.csv", tmp_path / "inventory.csv", tmp_path / "stock.csv")


def test_json_follows_the_contract(demo_run: AuditRun) -> None:
    data = json.loads(json.dumps(report_json(demo_run.report)))
    assert data["store"] == "Demo Apparel"
    assert set(data["summary"]) >= {"blockers", "warnings", "infos", "verdict", "ready"}
    for finding in data["findings"]:
        assert set(finding) == {"kind", "severity", "sku", "shopify", "cin7", "message", "fix"}
        assert finding["severity"] in {"blocker", "warning", "info"}
    assert [f["sku"] for f in data["findings"] if f["kind"] == "missing_sku"] == [None, None]


def test_markdown_and_csv_reports(demo_run: AuditRun) -> None:
    markdown = report_markdown(demo_run.report)
    assert markdown.startswith("# Go-live readiness: Demo Apparel\n\n**NO-GO: 20 blockers")
    assert (
        "## SKUs that differ only by case (2)" in markdown
        and "| Melbourne Store | Melbourne Store | 100% |" in markdown
    )
    rows = list(csv.DictReader(io.StringIO(report_csv(demo_run.report))))
    assert len(rows) == len(demo_run.report.findings) and rows[0]["severity"] == "blocker"


def test_fix_csv_sets_only_unambiguous_skus(demo_run: AuditRun, tmp_path: Path) -> None:
    text, fixed = shopify_fix_csv(demo_run.report, demo_run.shopify)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert fixed == 3
    assert sorted(r["Variant SKU"] for r in rows) == ["LSH-SND-M", "LSH-WHT-S", "SOCK-BLK-M"]
    sock = next(r for r in rows if r["Variant SKU"] == "SOCK-BLK-M")
    assert (sock["Handle"], sock["Option1 Name"], sock["Option1 Value"], sock["Option2 Value"]) == (
        "crew-socks",
        "Colour",
        "Black",
        "M",
    )
    (tmp_path / "fix.csv").write_text(text)
    assert len(read_shopify_csv(tmp_path / "fix.csv").variants) == 3, "Shopify-format CSV that reads back"


def test_an_empty_report_says_go() -> None:
    report = AuditReport(store="x", findings=[])
    assert report.ready and report.verdict.startswith("GO")


def test_approve_takes_only_chosen_proposals_with_a_target(demo_run: AuditRun) -> None:
    from cin7_shopify.audit.mapping import approve_proposals

    report = demo_run.report
    locations, taxes, changes = approve_proposals(
        {}, {}, report.location_proposals, report.tax_proposals, locations={"Melbourne Store"}, taxes=set()
    )
    assert locations == {"gid://shopify/Location/71003": "Melbourne Store"} and taxes == {}
    assert changes == ["location 'Melbourne Store' → 'Melbourne Store'"]
    every, every_tax, _ = approve_proposals({}, {}, report.location_proposals, report.tax_proposals, min_confidence=0.9)
    assert set(every.values()) == {"3PL - ShipBob", "Melbourne Store"}, "Sydney (73%) is below the bar"
    assert every_tax == {}, "GST 10% is only a 60% proposal"


async def test_both_catalogues_and_both_bulk_operations_are_read_at_once(
    demo: SandboxSession, clock: ManualClock
) -> None:
    """The audit waits for the longer of Shopify's two bulk operations (each done on its second poll, 0.25 s
    after it starts here), not for each in turn while Cin7 waits too; a refused Cin7 key stops it at once."""
    async with demo.cin7_client() as cin7, demo.shopify_client() as shopify:
        started = clock.now()
        run = await audit_with_clients(cin7, shopify, StoreSettings(), store="demo")
        assert clock.now() - started == pytest.approx(0.25), "one bulk operation's wait, not two"
        assert (run.cin7_calls, run.shopify_calls) == (5, 10)
    polls = [op["_polls"] for op in demo.shopify.bulk_operations.values()]
    assert polls == [2, 2], "each polled twice, no more"

    async with demo.cin7_client(key="not-the-key") as cin7, demo.shopify_client() as shopify:
        started = clock.now()
        with pytest.raises(ConsoleError, match="Cin7 Core"):
            await audit_with_clients(cin7, shopify, StoreSettings(), store="demo")
        assert clock.now() - started < 0.1, "named at once, not after Shopify's bulk operations"
