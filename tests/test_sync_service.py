"""The sync as a service: every store in one process, health files, logs, and the shipped unit files."""

from __future__ import annotations

import configparser
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from cin7_shopify.cli import build_parser, main
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
from tests.test_audit_cli import cli, saved_demo_store

SERVICE = Path(__file__).resolve().parents[1] / "src" / "cin7_shopify" / "service"
ROOT = Path(__file__).resolve().parents[1]


def add_second_store(env: dict[str, str], served_sandbox: str, name: str, key: str) -> dict[str, str]:
    """Another profile on the same Cin7 account, for another shop; its key as given."""
    slug = name.upper().replace("-", "_")
    env = {
        **env,
        f"CIN7_SHOPIFY_{slug}_CIN7_APPLICATION_KEY": key,
        f"CIN7_SHOPIFY_{slug}_SHOPIFY_ACCESS_TOKEN": SANDBOX_SHOPIFY_TOKEN,
    }
    added = cli(
        env,
        "store",
        "add",
        name,
        "--shopify-domain",
        f"{name}.myshopify.com",
        "--cin7-account-id",
        "5a4d0000-0000-4000-8000-00000000c1a7",
        "--shopify-url",
        f"{served_sandbox}/admin/api/2026-10/graphql.json",
        "--cin7-url",
        f"{served_sandbox}/ExternalApi/v2/",
        "--cin7-calls-per-minute",
        "6000",
    )
    assert added.returncode == 0, added.stderr
    return env


def test_sync_all_runs_every_store_in_one_process_and_reports_the_one_that_failed(
    served_sandbox: str, tmp_path: Path
) -> None:
    env = saved_demo_store(served_sandbox, tmp_path)
    env = add_second_store(env, served_sandbox, "broken-nz", "not-the-key")
    run = cli(env, "sync", "run", "--all", "--once")
    assert run.returncode == 2, "a pass that could not run makes --once exit non-zero"
    assert "demo-apparel: orders:" in run.stderr and "broken-nz: pass failed:" in run.stderr, run.stderr
    stores = Path(env["CIN7_SHOPIFY_HOME"]) / "data" / "stores"
    good = json.loads((stores / "demo-apparel" / "health.json").read_text())
    bad = json.loads((stores / "broken-nz" / "health.json").read_text())
    assert good["last_pass_ok"] is True and good["held"] > 0 and good["imported"] > 0
    assert bad["last_pass_ok"] is False and "Cin7" in bad["last_error"] and "not-the-key" not in bad["last_error"]

    health = cli(env, "sync", "health", "--format", "json")
    verdicts = {row["store"]: row["verdict"] for row in json.loads(health.stdout)}
    assert health.returncode == 1 and verdicts["demo-apparel"] == "ok"
    assert verdicts["broken-nz"].startswith("last pass failed:")
    assert cli(env, "sync", "health", "--store", "demo-apparel").returncode == 0


def test_an_unexpected_error_is_one_line_here_and_a_traceback_in_the_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    import cin7_shopify.commands.stores as stores

    def broken(args: object) -> int:
        raise ZeroDivisionError("the kind of bug nobody planned for")

    monkeypatch.setattr(stores, "run_store_command", broken)
    assert main(["store", "list"]) == 2
    err = capsys.readouterr().err
    log = isolated_home / "data" / "logs" / "cin7-shopify.log"
    assert err.count("\n") == 1 and "Traceback" not in err and str(log) in err
    kept = log.read_text()
    assert "Traceback (most recent call last)" in kept and "ZeroDivisionError" in kept


def test_the_systemd_unit_runs_a_command_we_have() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    unit.read(SERVICE / "cin7-shopify-sync.service")
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    command = shlex.split(service["ExecStart"])
    assert Path(command[0]).name == "cin7-shopify"
    args = build_parser().parse_args(command[1:])
    assert (args.command, args.sync_command, args.all, args.once) == ("sync", "run", True, False)
    assert service["Environment"].startswith("CIN7_SHOPIFY_HOME=") and service["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    if shutil.which("systemd-analyze"):  # where systemd is at hand, its own verdict too
        result = subprocess.run(
            ["systemd-analyze", "verify", str(SERVICE / "cin7-shopify-sync.service")], capture_output=True, text=True
        )
        assert "Unknown key" not in result.stderr and "Unknown section" not in result.stderr, result.stderr


def test_the_containerfile_builds_from_files_we_have_and_runs_our_commands() -> None:
    text = (SERVICE / "Containerfile").read_text().replace("\\\n", " ")
    instructions = [line.split(None, 1) for line in text.splitlines() if line.strip() and not line.startswith("#")]
    known = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "HEALTHCHECK", "ENTRYPOINT", "CMD"}
    assert {word for word, _ in instructions} <= known and instructions[0][0] == "FROM"
    for word, rest in instructions:
        if word == "COPY":
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    exec_form = {word: rest for word, rest in instructions if word in {"ENTRYPOINT", "CMD"}}
    entrypoint, command = json.loads(exec_form["ENTRYPOINT"]), json.loads(exec_form["CMD"])
    assert entrypoint == ["cin7-shopify"]
    args = build_parser().parse_args(command)
    assert (args.command, args.sync_command, args.all) == ("sync", "run", True)
    health = next(rest for word, rest in instructions if word == "HEALTHCHECK")
    probe = json.loads(health.split("CMD", 1)[1])
    assert probe[0] == "cin7-shopify" and build_parser().parse_args(probe[1:]).sync_command == "health"


def test_service_prints_the_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["service", "systemd"]) == 0
    assert capsys.readouterr().out == (SERVICE / "cin7-shopify-sync.service").read_text()
