"""`cin7-shopify audit` from the command line: exit codes, stdout holds only the report."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cin7_shopify.audit.models import Finding
from cin7_shopify.cli import main
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.scenario import load_scenario
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
from cin7_shopify.settings import StoreSettings
from cin7_shopify.state.profiles import ProfileStore, StoreProfile
from cin7_shopify.text import md_code
from tests.conftest import DEMO, run_cli
from tests.csv_exports import write_cin7_exports, write_shopify_export


def test_json_on_stdout_and_exit_1_when_blocked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--scenario", str(DEMO), "--format", "json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["summary"]["blockers"] == 20 and len(data["findings"]) == 31


def test_report_and_fix_file_are_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report, fix = tmp_path / "r.md", tmp_path / "f.csv"
    code = main(["audit", "--scenario", str(DEMO), "--out", str(report), "--fix-csv", str(fix)])
    assert code == 1
    assert report.read_text().startswith("# Go-live readiness: Demo Apparel")
    assert fix.read_bytes().count(b"\r\n") == 4, "Shopify's CSV line ends"
    err = capsys.readouterr().err
    assert "corrected SKUs for 3 Shopify variants" in err and "NO-GO" in err


def test_clean_catalogue_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "shop.csv").write_text(
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker\n"
        "tee,Tee,Size,S,TEE-S,shopify\ntee,,,M,TEE-M,shopify\n"
    )
    (tmp_path / "cin7.csv").write_text("ProductCode,Name,SaleTaxRule\nTEE-S,Tee S,GST\nTEE-M,Tee M,GST\n")
    assert (
        main(
            [
                "audit",
                "--shopify-csv",
                str(tmp_path / "shop.csv"),
                "--cin7-csv",
                str(tmp_path / "cin7.csv"),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "severity,kind,sku,shopify,cin7,message,fix"


def test_csv_mode_takes_the_saved_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = load_scenario(DEMO)
    write_shopify_export(scenario.shopify, tmp_path / "s.csv")
    write_cin7_exports(scenario.cin7, tmp_path / "c.csv", tmp_path / "stock.csv")
    (tmp_path / "settings.json").write_text(json.dumps({"unknown_sku": "create"}))
    code = main(
        [
            "audit",
            "--shopify-csv",
            str(tmp_path / "s.csv"),
            "--cin7-csv",
            str(tmp_path / "c.csv"),
            "--cin7-stock-csv",
            str(tmp_path / "stock.csv"),
            "--settings",
            str(tmp_path / "settings.json"),
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {f["severity"] for f in data["findings"] if f["kind"] == "only_in_shopify"} == {"warning"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audit", "--shopify-csv", "s.csv"], "--shopify-csv needs --cin7-csv too."),
        (["audit", "--scenario", "/nowhere"], "Scenario folder /nowhere does not exist."),
        (["audit", "--store", "nope"], "No store named 'nope' (stores: none yet)."),
        (["audit", "--shopify-csv", "missing.csv", "--cin7-csv", "c.csv"], "missing.csv: no such file."),
    ],
)
def test_cannot_run_is_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def saved_demo_store(served_sandbox: str, tmp_path: Path) -> dict[str, str]:
    """A saved demo profile pointing at the served sandbox; returns the environment to run commands in."""
    home = tmp_path / "home"
    env = {
        **os.environ,
        "CIN7_SHOPIFY_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "CIN7_SHOPIFY_DEMO_APPAREL_CIN7_APPLICATION_KEY": SANDBOX_CIN7_KEY,
        "CIN7_SHOPIFY_DEMO_APPAREL_SHOPIFY_ACCESS_TOKEN": SANDBOX_SHOPIFY_TOKEN,
    }
    # The demo's settings.json as the scenario loads it (not the whole scenario read and checked: 20 ms).
    settings = StoreSettings.from_json_dict(json.loads((DEMO / "settings.json").read_text(encoding="utf-8")))
    store = ProfileStore(home / "data" / "profiles.json")
    store.save(
        StoreProfile(
            name="demo-apparel",
            shop_domain="demo-apparel.myshopify.com",
            cin7_account_id=SANDBOX_CIN7_ACCOUNT,
            cin7_calls_per_minute=6000,  # the served sandbox allows it: tests need not wait out real minutes
            cin7_base_url=served_sandbox + "/ExternalApi/v2/",
            shopify_base_url=served_sandbox,
            settings=settings,
        )
    )
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args)


def test_audit_a_saved_store_over_http_with_credentials_from_the_environment(
    served_sandbox: str, tmp_path: Path
) -> None:
    """The real path: a saved profile, no keyring (headless), secrets in the documented variables."""
    env = saved_demo_store(served_sandbox, tmp_path)
    result = cli(env, "audit", "--store", "demo-apparel", "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["store"] == "demo-apparel" and data["summary"]["blockers"] == 20
    profile_file = (Path(env["CIN7_SHOPIFY_HOME"]) / "data" / "profiles.json").read_text()
    assert SANDBOX_CIN7_KEY not in profile_file and SANDBOX_SHOPIFY_TOKEN not in profile_file


def test_approving_a_proposal_saves_it_and_the_finding_goes(served_sandbox: str, tmp_path: Path) -> None:
    env = saved_demo_store(served_sandbox, tmp_path)
    shown = cli(env, "mapping", "show", "--store", "demo-apparel")
    assert shown.returncode == 0, shown.stderr
    assert "Melbourne Store" in shown.stdout and "no proposal" in shown.stdout
    approved = cli(env, "mapping", "approve", "--store", "demo-apparel", "--location", "Melbourne Store")
    assert approved.returncode == 0, approved.stderr
    assert "approved location 'Melbourne Store' → 'Melbourne Store'" in approved.stderr
    saved = ProfileStore(Path(env["CIN7_SHOPIFY_HOME"]) / "data" / "profiles.json").get("demo-apparel")
    assert saved.settings.location_map["gid://shopify/Location/71003"] == "Melbourne Store"
    again = json.loads(cli(env, "audit", "--store", "demo-apparel", "--format", "json").stdout)
    assert [f["shopify"]["location"] for f in again["findings"] if f["kind"] == "unmapped_location"] == [
        "Brisbane Market Stall"
    ]


def test_approve_needs_a_choice_and_says_so_before_reading_anything(tmp_path: Path) -> None:
    env = saved_demo_store("http://127.0.0.1:9", tmp_path)  # nothing listens there: a call would fail
    result = cli(env, "mapping", "approve", "--store", "demo-apparel")
    assert result.returncode == 2 and "Say what to approve." in result.stderr, result.stderr


def test_the_signoff_report_lists_each_decision_with_who_and_when(served_sandbox: str, tmp_path: Path) -> None:
    """Decisions made in the console reach the CLI's report: fixes by where they are done, risks, who, when."""
    env = saved_demo_store(served_sandbox, tmp_path)
    findings = [
        Finding(**f)
        for f in json.loads(cli(env, "audit", "--store", "demo-apparel", "--format", "json").stdout)["findings"]
    ]
    case = next(f for f in findings if f.kind == "sku_case_mismatch")
    cin7_side = next(f for f in findings if f.kind == "deprecated_in_cin7")
    untracked = next(f for f in findings if f.kind == "untracked_inventory")
    (Path(env["CIN7_SHOPIFY_HOME"]) / "data" / "stores" / "demo-apparel" / "audit-decisions.json").write_text(
        json.dumps(
            {
                case.key: {"decision": "fix", "by": "Priya Natarajan", "at": "2026-11-28T03:05:00Z"},
                cin7_side.key: {"decision": "fix", "by": "Priya Natarajan", "at": "2026-11-28T03:06:00Z"},
                untracked.key: "risk",  # written before who and when were kept
                # ...when a shared SKU was one finding per variant: the decision still holds for the SKU
                "duplicate_sku|TEE-BLK-M|gid://shopify/ProductVariant/44000155": "risk",
            }
        )
    )
    result = cli(env, "audit", "--store", "demo-apparel", "--fix-csv", str(tmp_path / "fix.csv"))
    assert result.returncode == 1, result.stderr
    report = result.stdout
    assert "Times in Australia/Sydney." in report
    accepted = report[report.index("### Accepted fixes") : report.index("### To do in Cin7 Core")]
    assert (
        f"| {md_code(case.sku)} |" in accepted
        and "in the Shopify fix CSV | Priya Natarajan | 2026-11-28 14:05 AEDT |" in accepted
    )
    assert "to do in Cin7 Core | Priya Natarajan | 2026-11-28 14:06 AEDT |" in accepted
    todo = report[report.index("### To do in Cin7 Core") : report.index("### Accepted risks")]
    assert md_code(cin7_side.sku) in todo and "not in the fix CSV" in todo
    risks = report[report.index("### Accepted risks") :]
    assert md_code(untracked.sku) in risks and "not recorded (decided before names were kept) | — |" in risks
    assert "| SKUs used by more than one Shopify variant | `TEE-BLK-M` |" in risks
    assert "accepted fixes the fix CSV cannot make: 1 to do in Cin7 Core" in result.stderr
    data = json.loads(cli(env, "audit", "--store", "demo-apparel", "--format", "json").stdout)
    assert {(d["kind"], d["decision"], d["done"], d["by"]) for d in data["decisions"]} == {
        ("sku_case_mismatch", "fix", "fix_csv", "Priya Natarajan"),
        ("deprecated_in_cin7", "fix", "cin7", "Priya Natarajan"),
        ("untracked_inventory", "risk", None, None),
        ("duplicate_sku", "risk", None, None),
    }
