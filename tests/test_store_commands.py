"""Store profiles from the command line, and one way to a store for the CLI and the console."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cin7_shopify.cli import main
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
from cin7_shopify.secrets import EnvironmentStore, KeyringStore
from cin7_shopify.state.profiles import ProfileStore
from cin7_shopify.tui.app import make_app
from cin7_shopify.workspace import Workspace
from tests.conftest import MemoryKeyring, run_cli
from tests.tui_support import settle

ACCOUNT = SANDBOX_CIN7_ACCOUNT


def add_args(name: str, base: str, *extra: str) -> list[str]:
    """`store add` exactly as a consultant types it from `sandbox serve`'s printout."""
    return [
        "store",
        "add",
        name,
        "--shopify-domain",
        "demo-apparel.myshopify.com",
        "--cin7-account-id",
        ACCOUNT,
        "--shopify-url",
        f"{base}/admin/api/2026-10/graphql.json",
        "--cin7-url",
        f"{base}/ExternalApi/v2/",
        *extra,
    ]


def piped(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(line + "\n" for line in lines)))


# -- in-process: add, set, show, remove ------------------------------------------------------------


def test_add_reads_piped_secrets_into_the_keyring_and_never_into_files(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring, isolated_home: Path
) -> None:
    piped(monkeypatch, "cin7-key-123456", "shpat_abcdef123456")
    assert main(add_args("shop-au", "http://127.0.0.1:9")) == 0
    stored = {user: secret for (_, user), secret in memory_keyring.passwords.items()}
    assert stored == {
        "shop-au:cin7_application_key": "cin7-key-123456",
        "shop-au:shopify_access_token": "shpat_abcdef123456",
    }
    profile = ProfileStore().get("shop-au")
    assert profile.shopify_base_url == "http://127.0.0.1:9" and profile.api_version == "2026-10"
    assert profile.cin7_base_url == "http://127.0.0.1:9/ExternalApi/v2/"
    on_disk = "".join(p.read_text(errors="replace") for p in isolated_home.rglob("*") if p.is_file())
    assert "cin7-key-123456" not in on_disk and "shpat_abcdef123456" not in on_disk


def test_add_refuses_a_taken_name_and_missing_secrets_saving_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    piped(monkeypatch, "cin7-key-123456")  # the Shopify token never comes
    assert main(add_args("shop-au", "http://127.0.0.1:9")) == 2
    assert "No Shopify access token given" in capsys.readouterr().err
    assert ProfileStore().list() == []
    piped(monkeypatch, "cin7-key-123456", "shpat_abcdef123456")
    assert main(add_args("shop-au", "http://127.0.0.1:9")) == 0
    piped(monkeypatch, "k" * 10, "t" * 10)
    assert main(add_args("shop-au", "http://127.0.0.1:9")) == 2
    assert "A store named 'shop-au' exists already" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("127.0.0.1:8765", "is not an http(s) URL"),
        ("http://127.0.0.1:8765/graphql", "does not end in /admin/api/VERSION/graphql.json"),
    ],
)
def test_add_names_a_shopify_url_it_cannot_use(
    url: str, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    piped(monkeypatch, "cin7-key-123456", "shpat_abcdef123456")
    args = add_args("shop-au", "http://x")
    args[args.index("--shopify-url") + 1] = url
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_set_validates_as_settings_json_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    piped(monkeypatch, "cin7-key-123456", "shpat_abcdef123456")
    assert main(add_args("shop-au", "http://127.0.0.1:9")) == 0
    assert (
        main(
            [
                "store",
                "set",
                "shop-au",
                "go_live=2026-12-01T00:00:00+10:00",
                "order_trigger=created",
                "exclude_tags=wholesale, b2b",
                "safety_buffer=2",
                "tax_map.GST 10%=GST on Income",
                "default_customer=Walk-in",
                "cin7_calls_per_minute=40",
            ]
        )
        == 0
    )
    profile = ProfileStore().get("shop-au")
    settings = profile.settings
    assert settings.go_live is not None and settings.go_live.isoformat() == "2026-12-01T00:00:00+10:00"
    assert settings.order_trigger == "created" and settings.exclude_tags == ["wholesale", "b2b"]
    assert settings.safety_buffer == 2 and settings.tax_map == {"GST 10%": "GST on Income"}
    assert profile.cin7_calls_per_minute == 40
    assert main(["store", "set", "shop-au", "tax_map.GST 10%=", "default_customer="]) == 0
    settings = ProfileStore().get("shop-au").settings
    assert settings.tax_map == {} and settings.default_customer is None
    capsys.readouterr()
    for bad, said in [
        ("order_triger=paid", "unknown setting 'order_triger'. Did you mean 'order_trigger'?"),
        ("order_trigger=weekly", "order_trigger: Input should be 'created', 'paid' or 'fulfilled'"),
        ("safety_buffer=-1", "safety_buffer: Input should be greater than or equal to 0"),
        ("location_map.Main=Main Warehouse", "'Main' is not a Shopify location id"),
        ("go_live", "'go_live' is not KEY=VALUE"),
    ]:
        assert main(["store", "set", "shop-au", bad]) == 2, bad
        assert said in capsys.readouterr().err, bad
    assert ProfileStore().get("shop-au").settings.order_trigger == "created", "a refused set changes nothing"


def test_show_and_list_never_print_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    piped(monkeypatch, "cin7-key-123456", "shpat_abcdef123456")
    assert main(add_args("shop-au", "http://127.0.0.1:9")) == 0
    capsys.readouterr()
    assert main(["store", "show", "shop-au", "--format", "json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["credentials"] == {"cin7_application_key": "keyring", "shopify_access_token": "keyring"}
    assert facts["health"] is None and facts["settings"]["order_trigger"] == "paid"
    assert main(["store", "show", "shop-au"]) == 0
    assert main(["store", "list"]) == 0
    out = capsys.readouterr().out
    assert "shop-au" in out and "cin7-key-123456" not in out and "shpat_abcdef123456" not in out


def test_remove_asks_first_and_takes_the_credentials_with_it(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    piped(monkeypatch, "cin7-key-123456", "shpat_abcdef123456")
    assert main(add_args("shop-au", "http://127.0.0.1:9")) == 0
    piped(monkeypatch)  # not a terminal: no one to ask
    assert main(["store", "remove", "shop-au"]) == 2
    assert "add --yes" in capsys.readouterr().err and ProfileStore().list()
    assert main(["store", "remove", "shop-au", "--yes"]) == 0
    assert ProfileStore().list() == [] and memory_keyring.passwords == {}


def test_headless_save_needs_the_secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No keyring: a profile saves when its secrets are in their variables, and is refused otherwise."""
    workspace = Workspace(ProfileStore(), EnvironmentStore(), secrets_notice="No OS keyring here.")
    from cin7_shopify.state.profiles import StoreProfile

    profile = StoreProfile(name="shop-nz", shop_domain="shop-nz", cin7_account_id=ACCOUNT)
    secrets = {"cin7_application_key": "cin7-key-123456", "shopify_access_token": "shpat_abcdef123456"}
    from cin7_shopify.errors import ConsoleError

    with pytest.raises(ConsoleError) as refused:
        workspace.save_profile(profile, secrets)
    assert "Set CIN7_SHOPIFY_SHOP_NZ_CIN7_APPLICATION_KEY in the environment" in refused.value.explain()
    assert ProfileStore().list() == []
    monkeypatch.setenv("CIN7_SHOPIFY_SHOP_NZ_CIN7_APPLICATION_KEY", "cin7-key-123456")
    monkeypatch.setenv("CIN7_SHOPIFY_SHOP_NZ_SHOPIFY_ACCESS_TOKEN", "shpat_abcdef123456")
    assert workspace.save_profile(profile, secrets) == [
        "CIN7_SHOPIFY_SHOP_NZ_CIN7_APPLICATION_KEY",
        "CIN7_SHOPIFY_SHOP_NZ_SHOPIFY_ACCESS_TOKEN",
    ]
    assert [p.name for p in ProfileStore().list()] == ["shop-nz"]


# -- over HTTP: the headless walk-through, and one store seen alike by both faces ---------------------


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, stdin=stdin)  # real processes with these credentials: test_sync_service's locks


def test_headless_walkthrough_from_sandbox_serve_to_reconcile(served_sandbox: str, tmp_path: Path) -> None:
    """The issue's walk: no keyring, secrets in the environment, every command on the store `store add` made."""
    import os

    env = {
        **os.environ,
        "CIN7_SHOPIFY_HOME": str(tmp_path / "home"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "CIN7_SHOPIFY_PILOT_AU_CIN7_APPLICATION_KEY": SANDBOX_CIN7_KEY,
        "CIN7_SHOPIFY_PILOT_AU_SHOPIFY_ACCESS_TOKEN": SANDBOX_SHOPIFY_TOKEN,
    }
    added = run(env, *add_args("pilot-au", served_sandbox, "--cin7-calls-per-minute", "6000"), stdin="")
    assert added.returncode == 0, added.stderr
    assert (
        "come from CIN7_SHOPIFY_PILOT_AU_CIN7_APPLICATION_KEY, CIN7_SHOPIFY_PILOT_AU_SHOPIFY_ACCESS_TOKEN"
        in added.stderr
    )
    settings = run(env, "store", "set", "pilot-au", "go_live=2026-11-01T00:00:00Z", "order_trigger=paid")
    assert settings.returncode == 0, settings.stderr
    tested = run(env, "store", "test", "pilot-au")
    assert tested.returncode == 0 and "Both connections work" in tested.stdout, tested.stdout + tested.stderr
    audit = run(env, "audit", "--store", "pilot-au", "--format", "json")
    assert audit.returncode == 1 and json.loads(audit.stdout)["summary"]["blockers"] > 0, audit.stderr
    approved = run(env, "mapping", "approve", "--store", "pilot-au", "--all")
    assert approved.returncode == 0, approved.stderr
    synced = run(env, "sync", "run", "--store", "pilot-au", "--once")
    assert synced.returncode == 0 and "imported" in synced.stderr, synced.stderr
    # With only the sure mappings approved, the demo's push would zero 21 % of items: refused, then forced.
    assert "more than the 20% guard" in synced.stderr
    forced = run(env, "stock", "push", "--store", "pilot-au", "--force")
    assert forced.returncode == 0, forced.stderr
    errors = run(env, "errors", "--store", "pilot-au", "--format", "json")
    assert errors.returncode == 0 and errors.stdout.strip(), errors.stderr
    reconciled = run(env, "reconcile", "--store", "pilot-au", "--since", "2026-11-01", "--format", "json")
    assert reconciled.returncode in {0, 1} and "mismatches" in json.loads(reconciled.stdout), reconciled.stderr
    shown = json.loads(run(env, "store", "show", "pilot-au", "--format", "json").stdout)
    assert shown["health"]["last_pass_ok"] is True and shown["settings"]["go_live"] == "2026-11-01T00:00:00Z"
    assert shown["credentials"]["cin7_application_key"].startswith("environment (")
    for leaked in (SANDBOX_CIN7_KEY, SANDBOX_SHOPIFY_TOKEN):
        for file in (tmp_path / "home").rglob("*"):
            assert not file.is_file() or leaked not in file.read_text(errors="replace"), file
    # Profiles, ledgers, journals, snapshots, health and logs hold customer data: the owner's only.
    written = [p for p in (tmp_path / "home").rglob("*") if p.suffix != ".lock"]
    assert {p.name for p in written} >= {"profiles.json", "ledger.jsonl", "errors.jsonl", "health.json", "snapshots"}
    shared = [f"{p} {oct(p.stat().st_mode & 0o777)}" for p in written if p.stat().st_mode & 0o077]
    assert shared == [], "readable by others"


def test_console_and_cli_see_the_same_audit_and_the_console_scrubs_secrets(
    served_sandbox: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    # Two stores on one Cin7 account, both sending a Shopify location to 'Main Warehouse'.
    for name in ("store-au", "store-nz"):
        piped(monkeypatch, SANDBOX_CIN7_KEY, SANDBOX_SHOPIFY_TOKEN)
        assert main(add_args(name, served_sandbox, "--cin7-calls-per-minute", "6000")) == 0
        main(["store", "set", name, "location_map.gid://shopify/Location/71001=Main Warehouse"])
    capsys.readouterr()
    assert main(["audit", "--store", "store-au", "--format", "json"]) == 1
    from_cli = json.loads(capsys.readouterr().out)

    workspace = Workspace(ProfileStore(), KeyringStore())
    session = workspace.session("store-au")

    async def in_the_console() -> None:
        app = make_app(workspace, remember=False, theme="cin7-dark")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_screen("sku", session)
            await settle(pilot)
        # What the console's sync work writes to the journal goes through the CLI's scrubbing.
        async with session.open_sync() as sync:
            sync.journal.record("cin7_rejected", "#1", f"Cin7 said: bad key {SANDBOX_CIN7_KEY}", "fix it")

    asyncio.run(in_the_console())
    assert session.last_audit is not None, "the SKU review audited through the store's session"
    report = session.last_audit.report
    from_console = json.loads(json.dumps([f.to_json() for f in report.findings]))
    assert from_console == from_cli["findings"]
    shared = [f for f in report.findings if f.kind == "shared_cin7_location"]
    assert shared and "store-nz" in shared[0].message, "other stores on the account are in view"
    assert SANDBOX_CIN7_KEY not in session.journal_path.read_text() and "[redacted]" in session.journal_path.read_text()
    assert session.pacer().calls_per_minute == 6000, "the console paces at the profile's rate"


def test_scenario_runs_leave_nothing_in_the_temp_folder(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scenario state holds customer data: it lives under the tool's home while it runs, then goes."""
    import tempfile

    from tests.conftest import DEMO

    scratch = tmp_path / "system-temp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert main(["pilot", "--scenario", str(DEMO), "--format", "json"]) == 1
    assert main(["audit", "--scenario", str(DEMO), "--format", "json"]) == 1
    assert list(scratch.iterdir()) == []
    assert list((isolated_home / "data" / "sandbox-runs").iterdir()) == []


def test_a_connection_test_names_the_cause_within_seconds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unreachable hosts: named (DNS, refused, no answer) in seconds, not after six retries a side."""
    import socket
    import time

    import cin7_shopify.workspace as workspace_module

    monkeypatch.setattr(workspace_module, "CONNECTION_TEST_SECONDS", 0.5)
    silent = socket.socket()  # accepts connections and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))
    closed_port = refused.getsockname()[1]
    refused.close()
    piped(monkeypatch, "cin7-key-123456", "shpat_abcdef123456")
    args = add_args("far-away", "http://shop.nowhere.invalid")
    args[args.index("--cin7-url") + 1] = f"http://127.0.0.1:{silent.getsockname()[1]}/ExternalApi/v2/"
    assert main(args) == 0
    capsys.readouterr()
    started = time.monotonic()
    assert main(["store", "test", "far-away"]) == 2
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert "the host shop.nowhere.invalid could not be found (DNS)" in out
    assert "no answer from 127.0.0.1 in time" in out
    assert elapsed < 5
    main(["store", "set", "far-away", f"cin7_url=http://127.0.0.1:{closed_port}/ExternalApi/v2/"])
    capsys.readouterr()
    assert main(["store", "test", "far-away"]) == 2
    assert "127.0.0.1 refused the connection" in capsys.readouterr().out
    silent.close()
