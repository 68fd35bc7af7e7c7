"""`digest`: the weekly digest of what the sync recorded, after a real sync of the demo store with errors."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cin7_shopify.cli import main
from cin7_shopify.errors import ConsoleError
from cin7_shopify.reports.digest import Digest, build_digest, parse_since
from cin7_shopify.reports.digest_render import digest_html, digest_json, digest_markdown
from cin7_shopify.reports.escape import md
from cin7_shopify.sandbox.store import scenario_workspace
from cin7_shopify.state.ledger import read_ledger
from cin7_shopify.state.profiles import ProfileStore, StoreProfile
from cin7_shopify.workspace import StoreSession
from tests.conftest import DEMO
from tests.test_audit_cli import cli, saved_demo_store

HOSTILE = "<img src=x onerror=alert(1)> #10|99 **bold**"


@dataclass
class SyncedDemo:
    session: StoreSession
    cin7_calls: int
    shopify_calls: int
    levels_pushed: int
    digest: Digest


def _journal_line(path: Path, **fields: str) -> None:
    """A journal record as the sync writes it (the week before cannot be produced in a test's minute)."""
    record = {"event": "error", "fix": "Fix it.", "status": "open", "store": "demo-apparel", "order_id": None}
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps({**record, **fields}) + "\n")


@pytest.fixture(scope="module")
def synced_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncedDemo]:
    """The demo store after one order pass, one fulfilment pass and one stock push (12 orders held).

    Synced once for the tests that only read it (their xdist group keeps them on one worker), in a tool
    home of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CIN7_SHOPIFY_HOME", str(tmp_path_factory.mktemp("home")))
        yield from _synced_demo()


def _synced_demo() -> Iterator[SyncedDemo]:
    workspace, store = scenario_workspace(DEMO)
    session = workspace.session(store.profile.name)

    async def run() -> tuple[int, int, int]:
        async with session.open_sync() as sync:
            await sync.orders_pass()
            await sync.fulfilment_pass()
            plan, _ = await sync.stock_push(force=True)
            return sync.cin7.calls, sync.shopify.calls, len(plan.changes)

    cin7_calls, shopify_calls, levels = asyncio.run(run())
    now = datetime.now(UTC)
    _journal_line(
        session.journal_path,
        id="lastweek1",
        time=_iso(now - timedelta(days=9)),
        kind="unknown_sku",
        ref="#0999",
        message="old",
    )
    _journal_line(
        session.journal_path,
        id="credit1",
        time=_iso(now - timedelta(days=2)),
        kind="credit_note_needed",
        ref=HOSTILE,
        message=f"Order cancelled after it was shipped: {HOSTILE}",
    )
    digest = build_digest([session], since=now - timedelta(days=7), until=now)
    try:
        yield SyncedDemo(session, cin7_calls, shopify_calls, levels, digest)
    finally:
        workspace.close()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.xdist_group("digest-synced-demo")
def test_digest_counts_what_the_sync_recorded(synced_demo: SyncedDemo) -> None:
    (store,) = synced_demo.digest.stores
    assert store.title == "Demo Apparel"
    assert len(store.held) == 12 and sum(store.held_by_age.values()) == 12
    assert all(h.reasons for h in store.held), "every held order says why"
    assert [h.age_days for h in store.held] == sorted((h.age_days for h in store.held), reverse=True)
    by_kind = {e.kind: e for e in store.errors}
    assert by_kind["unknown_sku"].this_period == 2 and by_kind["unknown_sku"].period_before == 1
    assert by_kind["unknown_sku"].trend == "up" and by_kind["missing_customer"].trend == "new"
    assert store.errors_this_period == 13, "12 holds and the credit note; notices are not errors"
    assert [c.kind for c in store.credit_notes] == ["credit_note_needed"]
    assert store.calls.cin7 == synced_demo.cin7_calls and store.calls.shopify == synced_demo.shopify_calls
    assert store.calls.cin7_budget == 60 * 60 * 24 * 7, "60 a minute over the period"
    assert len(store.pushes) == 1 and store.pushes[0].levels == synced_demo.levels_pushed
    assert store.stock_drift is not None and store.stock_drift["differed"] == synced_demo.levels_pushed
    assert store.stock_drift["units"] == store.pushes[0].units > 0
    assert store.api_version is not None and store.api_version.verdict == "ok"
    assert "Does not expire" in store.credentials[0].expiry
    assert not synced_demo.digest.blocking


@pytest.mark.xdist_group("digest-synced-demo")
def test_calls_per_day_survive_in_the_ledger(synced_demo: SyncedDemo) -> None:
    meta = read_ledger(synced_demo.session.ledger_path).meta
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert meta["calls_by_day"][today]["cin7"] == synced_demo.cin7_calls


@pytest.mark.xdist_group("digest-synced-demo")
def test_markdown_escapes_what_came_from_outside(synced_demo: SyncedDemo) -> None:
    text = digest_markdown(synced_demo.digest)
    assert text.startswith("# Sync digest: ")
    assert "### Held orders: 12" in text
    assert "| unknown\\_sku | 2 | 1 | ↑ up | 3 |" in text, "last week's is still open too"
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\\|99 \\*\\*bold\\*\\*" in text, "a pipe would split the table cell"
    row = next(line for line in text.splitlines() if "onerror" in line)
    assert len(re.findall(r"(?<!\\)\|", row)) == 4, "three cells, four unescaped pipes"


@pytest.mark.xdist_group("digest-synced-demo")
def test_json_is_one_document(synced_demo: SyncedDemo) -> None:
    data = json.loads(digest_json(synced_demo.digest))
    (store,) = data["stores"]
    assert len(store["held"]) == 12 and store["api_version"]["verdict"] == "ok"
    assert {e["kind"]: e["trend"] for e in store["errors"]}["unknown_sku"] == "up"


@pytest.mark.xdist_group("digest-synced-demo")
def test_html_is_one_file_that_loads_nothing(synced_demo: SyncedDemo) -> None:
    page = digest_html(synced_demo.digest)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("<svg") == 2, "held orders by age and errors by kind"
    lowered = page.lower()
    for loader in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url(", "src=", "href="):
        assert loader not in lowered.replace("&lt;img src=x", ""), loader
    assert "http://" not in lowered and "https://" not in lowered
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(
    ("text", "back"),
    [("7d", timedelta(days=7)), ("2w", timedelta(days=14)), ("48h", timedelta(hours=48))],
)
def test_since_takes_a_period(text: str, back: timedelta) -> None:
    now = datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert parse_since(text, now) == now - back


def test_since_takes_a_past_date_and_refuses_the_rest() -> None:
    now = datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert parse_since("2026-11-21", now) == datetime(2026, 11, 21, tzinfo=UTC)
    for bad in ("0d", "week", "2027-01-01", "7x"):
        with pytest.raises(ConsoleError, match="--since"):
            parse_since(bad, now)


def test_md_escape_leaves_no_markup() -> None:
    assert md("a|b\nc") == "a\\|b c"
    assert md("[x](javascript:1) <b>") == "\\[x\\](javascript:1) &lt;b&gt;"


def test_digest_command_over_a_saved_store(served_sandbox: str, tmp_path: Path) -> None:
    env = saved_demo_store(served_sandbox, tmp_path)
    assert cli(env, "sync", "run", "--store", "demo-apparel", "--once").returncode == 0
    listed = cli(env, "digest", "--since", "7d", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    (store,) = json.loads(listed.stdout)["stores"]
    assert store["store"] == "demo-apparel" and len(store["held"]) == 12 and store["calls"]["cin7"] > 0
    page = tmp_path / "digest.html"
    written = cli(env, "digest", "--store", "demo-apparel", "--format", "html", "--out", str(page))
    assert written.returncode == 0 and written.stdout == "", written.stderr
    assert "Held orders: 12" in page.read_text()
    assert cli(env, "digest", "--since", "soon").returncode == 2


def test_a_store_that_never_synced_and_an_old_api_version(capsys: pytest.CaptureFixture[str]) -> None:
    """The digest reads only what is on disk: a saved store with nothing recorded still reports, and a
    version past its window makes it exit 1."""
    assert main(["digest"]) == 2, "no saved stores"
    ProfileStore().save(
        StoreProfile(
            name="old-shop",
            shop_domain="old-shop.myshopify.com",
            cin7_account_id="5a4d0000-0000-4000-8000-00000000c1a7",
            api_version="2025-01",
        )
    )
    capsys.readouterr()
    assert main(["digest", "--since", "2w"]) == 1
    text = capsys.readouterr().out
    assert "## old-shop (old-shop)" in text and "### Held orders: 0" in text
    assert "No stock push recorded yet." in text and "No calls recorded in the period." in text
    assert "API version 2025-01 left its support window on 2026-01-01" in text
