"""The corpus in tests/broken/: every broken CSV, scenario, profile file, ledger and settings file is
refused in one line naming the file and the place, exit 2, never a traceback, never a verdict.

Each case is a folder holding the broken file(s) and `expect`, a piece of the one line it must print.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cin7_shopify.cli import main
from cin7_shopify.secrets import KeyringStore
from cin7_shopify.tui.themes import load_themes
from tests.conftest import run_cli

CORPUS = Path(__file__).with_name("broken")
CASES = sorted(p.parent for p in CORPUS.glob("*/*/expect"))
GROUPS = ("csv", "scenarios", "profiles", "ledgers", "settings")
STORE_SECRETS = {"cin7_application_key": "not-a-real-key", "shopify_access_token": "not-a-real-token"}
GOOD_PROFILES = (CORPUS / "profiles" / "truncated").parent / "_good.json"


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)


def commands_for(case: Path, home: Path) -> list[list[str]]:
    """The command lines a consultant would run on this case's files (setting up the home folder first)."""
    group = case.parent.name
    if group == "csv":
        argv = ["audit", "--shopify-csv", str(case / "shopify.csv"), "--cin7-csv", str(case / "cin7.csv")]
        if (case / "stock.csv").exists():
            argv += ["--cin7-stock-csv", str(case / "stock.csv")]
        return [argv, [*argv, "--format", "json"]]
    if group == "settings":
        csvs = ["--shopify-csv", str(case / "shopify.csv"), "--cin7-csv", str(case / "cin7.csv")]
        return [["audit", *csvs, "--settings", str(case / "settings.json")]]
    if group == "scenarios":
        return [
            ["sandbox", "check", "--scenario", str(case)],
            ["audit", "--scenario", str(case), "--format", "json"],
            ["pilot", "--scenario", str(case), "--format", "json"],
        ]
    if group == "profiles":
        _place(case / "profiles.json", home / "data" / "profiles.json")
        return [["errors", "--store", "shop"], ["mapping", "show", "--store", "shop"]]
    assert group == "ledgers"
    _place(GOOD_PROFILES, home / "data" / "profiles.json")
    _place(case / "ledger.jsonl", home / "data" / "stores" / "shop" / "ledger.jsonl")
    return [["sync", "run", "--store", "shop", "--once"], ["backfill", "--store", "shop", "--since", "2026-01-01"]]


def test_the_corpus_covers_every_kind_of_input() -> None:
    by_group = Counter(case.parent.name for case in CASES)
    print(f"\nbroken-input corpus: {len(CASES)} cases, " + ", ".join(f"{by_group[g]} {g}" for g in GROUPS))
    assert len(CASES) >= 40 and all(by_group[g] for g in GROUPS)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_refused_in_one_line_with_exit_2(
    case: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str], memory_keyring: object
) -> None:
    for name, value in STORE_SECRETS.items():  # the ledger is read once the store's credentials are found
        KeyringStore().set("shop", name, value)
    expect = (case / "expect").read_text(encoding="utf-8").strip()
    for argv in commands_for(case, isolated_home):
        code = main(argv)
        out, err = capsys.readouterr()
        lines = err.splitlines()
        assert code == 2, (argv, out, err)
        assert out == "", f"{argv}: a report (a verdict) was printed for a file that was refused"
        assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
        assert "Traceback" not in err
        assert expect in lines[0], (argv, lines[0])


def _subprocess(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CIN7_SHOPIFY_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return subprocess.run(
        [sys.executable, "-m", "cin7_shopify", *argv], capture_output=True, text=True, env=env, timeout=60
    )


def test_a_real_process_refuses_a_broken_csv_and_a_broken_profile_file(tmp_path: Path) -> None:
    """As the consultant sees it: one line on stderr, exit 2, nothing on stdout; demo never starts.

    The broken profile file goes to a real process (the demo's whole start: its streams, logging and exit);
    the broken CSV and scenario through `main(argv)` with the same environment, as the corpus does."""
    env = {**os.environ, "CIN7_SHOPIFY_HOME": str(tmp_path), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    case = CORPUS / "csv" / "unterminated-quote"
    files = ["--shopify-csv", str(case / "shopify.csv"), "--cin7-csv", str(case / "cin7.csv")]
    run = run_cli(env, "audit", *files)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.count("\n") == 1 and "a quote that is never closed" in run.stderr

    demo = run_cli(env, "demo", "--scenario", str(CORPUS / "scenarios" / "truncated"))
    assert (demo.returncode, demo.stdout) == (2, "")
    assert demo.stderr.count("\n") == 1 and "cin7.json: not valid JSON at line" in demo.stderr

    _place(CORPUS / "profiles" / "list-shaped" / "profiles.json", tmp_path / "data" / "profiles.json")
    demo = _subprocess(tmp_path, "demo")
    assert (demo.returncode, demo.stdout) == (2, "")
    assert demo.stderr.count("\n") == 1 and "not this tool's tables" in demo.stderr and "Traceback" not in demo.stderr


def test_a_folder_where_a_theme_file_should_be_is_named_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "ocean.json").mkdir()
    (tmp_path / "dusk.json").write_text('{"name": "dusk", "primary": "#123456"}')
    themes, problems = load_themes([tmp_path])
    assert [t.name for t in themes] == ["dusk"]
    assert problems == ["ocean.json: a folder, not a theme file"]
