"""The command line: exit codes, one-line errors, and the sandbox served over real HTTP."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cli import build_parser, main
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.scenario import load_scenario
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
from cin7_shopify.shopify.client import AccessToken, ShopifyClient
from tests.conftest import DEMO


def _helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Every `--help` a parser and the commands under it print, by their usage line's program name."""
    helps = {parser.prog: parser.format_help()}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                helps.update(_helps(sub))
    return helps


def test_each_command_built_alone_helps_and_parses_as_in_the_whole_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A run builds only its own command's arguments (the others are named for --help): each one's help, and
    each of its subcommands', is what the whole command line gives, and the others are named the same."""
    whole = _helps(build_parser())
    commands = {prog.split()[1] for prog in whole if len(prog.split()) > 1}
    assert {"demo", "store", "audit", "sync", "why", "plan", "sandbox"} <= commands
    for command in commands:
        alone = _helps(build_parser(command))
        mine = {prog: text for prog, text in alone.items() if prog.split()[1:2] == [command]}
        assert mine == {prog: text for prog, text in whole.items() if prog.split()[1:2] == [command]}, command
        assert alone["cin7-shopify"] == whole["cin7-shopify"]
    assert main(["why", "order", "#1001"]) == 2  # parsed by `why` alone: its source is required
    assert "one of the arguments --store --scenario is required" in capsys.readouterr().err


def test_check_accepts_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "check", "--scenario", str(DEMO)]) == 0
    assert "valid (159 variants" in capsys.readouterr().out


def test_check_refuses_a_broken_scenario_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shop = json.loads((DEMO / "shopify.json").read_text())
    del shop["shop"]["name"]
    (tmp_path / "shopify.json").write_text(json.dumps(shop))
    (tmp_path / "cin7.json").write_text((DEMO / "cin7.json").read_text())
    assert main(["sandbox", "check", "--scenario", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: shopify.json: shop.name: Field required.") and err.count("\n") == 1
    assert "Traceback" not in err


def test_check_refuses_a_misspelt_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("shopify.json", "cin7.json"):
        (tmp_path / name).write_text((DEMO / name).read_text())
    (tmp_path / "settings.json").write_text(json.dumps({"go_live": "2026-11-01T00:00:00Z", "skip_test_order": True}))
    assert main(["sandbox", "check", "--scenario", str(tmp_path)]) == 2
    assert "Did you mean 'skip_test_orders'?" in capsys.readouterr().err


def test_generate_writes_a_loadable_scenario(tmp_path: Path) -> None:
    out = tmp_path / "big"
    assert main(["sandbox", "generate", "--variants", "1200", "--out", str(out)]) == 0
    scenario = load_scenario(out)
    assert sum(len(p["variants"]) for p in scenario.shopify["products"]) == 1200
    again = tmp_path / "again"
    main(["sandbox", "generate", "--variants", "1200", "--out", str(again)])
    assert (out / "cin7.json").read_text() == (again / "cin7.json").read_text(), "deterministic"


def test_generate_refuses_nonsense(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["sandbox", "generate", "--variants", "0", "--out", str(tmp_path)]) == 2
    assert "argument --variants: 0 is out of range: use 1 to 1,000,000" in capsys.readouterr().err


async def test_sandbox_serves_both_apis_over_http(served_sandbox: str) -> None:
    async with Cin7Client(SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY, base_url=served_sandbox + "/ExternalApi/v2/") as cin7:
        me = await cin7.me()
        products = await cin7.list_products()
    async with ShopifyClient(
        "demo-apparel.myshopify.com", AccessToken(SANDBOX_SHOPIFY_TOKEN), base_url=served_sandbox
    ) as shopify:
        shop = await shopify.shop_info()
        variants = await shopify.bulk_variants()
    assert me.Company == "Demo Apparel Pty Ltd" and len(products) == 158
    assert shop.name == "Demo Apparel" and len(variants) == 159 and variants[0].levels
