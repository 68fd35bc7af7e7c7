"""Hostile text from Shopify, Cin7 Core and files is shown as itself on every face of the tool.

Arbitrary strings (markup, links, terminal escapes, bidi controls, 10 kB) go through every text
report and, inside a scenario, through every console screen and the CLI's text output. Nothing may
crash, no markup may be read (no link, no lost bracket), and no control character may reach the
terminal. Each test prints its figures: strings × faces, and failures (0, or the test fails).
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.segment import Segment
from textual.pilot import Pilot

from cin7_shopify.audit.export import report_csv, report_json_text, report_markdown
from cin7_shopify.audit.models import AuditReport, Finding, MappingProposal
from cin7_shopify.cli import main
from cin7_shopify.clock import ManualClock
from cin7_shopify.commands.output import emit
from cin7_shopify.commands.sync import _print_entry
from cin7_shopify.pilot.engine import PilotOrder, PilotReport, PilotStep
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.sandbox.store import SandboxStore
from cin7_shopify.secrets import KeyringStore
from cin7_shopify.state.profiles import ProfileStore
from cin7_shopify.sync import reconcile
from cin7_shopify.sync.journal import JournalEntry
from cin7_shopify.sync.triage import is_our_link
from cin7_shopify.text import is_safe, safe_text
from cin7_shopify.tui.app import ConsoleApp, make_app
from cin7_shopify.tui.screens.mapping import Picker
from cin7_shopify.tui.widgets.virtual_table import VirtualTable
from cin7_shopify.workspace import Workspace
from tests.hostile import COMPANY, CUSTOMER, LOCATION, SHOP_NAME, SKU_CLOSE, SKU_RED, TAX_TITLE, write_hostile
from tests.tui_support import SandboxRouter, settle

FRAGMENTS = [
    "[/]",
    "[b]",
    "[/b]",
    '[link="https://example.com"]',
    "[/link]",
    "[@click=app.quit]",
    "[RED]",
    "$success",
    "\\",
    "\x1b]2;T\x07",
    "\x1b[31m",
    "\x1b[2J",
    "\x9b",
    "\x07",
    "\x00",
    "\r",
    "\n",
    "\t",
    "\u202e",
    "\u2066",
    "\ud800",
    "|",
    "`",
    "*",
    "<script>",
    "&amp;",
    "https://example.com",
    "www.example.com",
    "a@b.com",
    "# ",
    "- ",
    "TEE",
    " ",
]
HOSTILE = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join),
    st.tuples(st.text(max_size=8), st.sampled_from(FRAGMENTS), st.text(max_size=8)).map("".join),
)
ISSUE_STRINGS = [SHOP_NAME, SKU_CLOSE, SKU_RED, CUSTOMER, TAX_TITLE, LOCATION, COMPANY]
TEN_KB = ("[/]\x1b]2;T\x07\u202e[link=x]y" * 500)[:10_000]
FIGURES: Counter[str] = Counter()
ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "strong",
    "code",
    "blockquote",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# Textual's Markdown widget parses the same way. One parser for every report: rendering keeps no state in
# it, and building one costs as much as rendering a small report (150 strings × 3 reports).
MARKDOWN = MarkdownIt("gfm-like")


def _check_markdown(markdown: str, text: str, *, what: str) -> None:
    """Renders literally: the tags are the report's own, no link, and the text is all there."""
    assert is_safe(markdown, multiline=True), what
    rendered = MARKDOWN.render(markdown)
    tags = set(re.findall(r"<([a-z0-9]+)", rendered))
    assert tags <= ALLOWED_TAGS, (what, tags - ALLOWED_TAGS)
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    expected = safe_text(text).replace("\u240a", " ")
    assert _squash(expected) in _squash(shown), what


def _check_emitted(text: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What `emit` writes to the terminal holds no control character but line ends and tabs."""
    emit(text, None)
    out = capsys.readouterr().out
    assert all(is_safe(part, multiline=True) for part in out.split("\r\n"))
    return out


def _audit_report(text: str) -> AuditReport:
    finding = Finding("only_in_shopify", "blocker", text, {"product": text, "options": [text]}, None, text, text)
    return AuditReport(
        store=text,
        findings=[finding, Finding("unmapped_tax", "blocker", None, {"tax_line": text}, None, text, text)],
        location_proposals=[MappingProposal("gid://shopify/Location/1", text, text, 0.5, text)],
        tax_proposals=[MappingProposal(text, text, None, 0.0, text)],
        not_checked=[text],
        notices=[text],
    )


@pytest.mark.xdist_group("hostile-reports")  # with its figures test, on one worker, in file order
@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=HOSTILE)
@example(text=TEN_KB)
@example(text=ISSUE_STRINGS[0])
@example(text="\n".join(ISSUE_STRINGS))
def test_text_reports_show_hostile_text_as_itself(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    FIGURES["report strings"] += 1
    audit = _audit_report(text)
    _check_markdown(_check_emitted(report_markdown(audit), capsys), text, what="audit md")
    document = json.loads(_check_emitted(report_json_text(audit), capsys))
    assert document["findings"][0]["message"] == text and document["store"] == text, "JSON keeps the data exact"
    rows = list(csv.reader(io.StringIO(_check_emitted(report_csv(audit), capsys), newline="")))
    assert len(rows) == 3 and all(len(row) == 7 for row in rows), "audit csv"

    mismatch = reconcile.Mismatch("missing_in_cin7", text, text, text, text)
    report = reconcile.ReconcileReport(since=text, mismatches=[mismatch])
    _check_markdown(_check_emitted(reconcile.report_markdown(report), capsys), text, what="reconcile md")
    assert json.loads(_check_emitted(reconcile.report_json_text(report), capsys))["mismatches"][0]["detail"] == text
    rows = list(csv.reader(io.StringIO(_check_emitted(reconcile.report_csv(report), capsys), newline="")))
    assert len(rows) == 2 and all(len(row) == 5 for row in rows), "reconcile csv"

    order = PilotOrder("gid://shopify/Order/1", text, errors=[{"kind": text, "message": text, "fix": text}])
    order.held = True
    order.steps[0] = PilotStep("imported", False, text)
    failed = PilotOrder("gid://shopify/Order/2", text)
    failed.steps[0] = PilotStep("imported", False, text)
    signoff = PilotReport(text, orders=[order, failed]).markdown()
    _check_markdown(_check_emitted(signoff, capsys), text, what="pilot sign-off")

    entry = JournalEntry(id="e1", time=text, kind=text, ref=text, message=text, fix=text, store=text)
    for fmt in ("text", "json"):
        _print_entry(entry, fmt)
        out = capsys.readouterr().out
        assert is_safe(out, multiline=True), "errors " + fmt
        if fmt == "json":
            assert json.loads(out)["message"] == text
        else:
            assert _squash(safe_text(text)) in _squash(out)
    FIGURES["report checks"] += 12


@pytest.mark.xdist_group("hostile-reports")  # with its figures test, on one worker, in file order
def test_report_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs after the property above (file order): its figures, for the record."""
    with capsys.disabled():
        print(
            f"\nhostile text, reports: {FIGURES['report strings']} strings × 12 reports and outputs "
            "(audit md/json/csv, reconcile md/json/csv, pilot sign-off, errors text/json, emit) "
            f"= {FIGURES['report checks']} checks, 0 failures"
        )
    assert FIGURES["report strings"] >= 150


# -- the console and the CLI on a scenario holding the string --------------------------------------


def _rendered(app: ConsoleApp) -> list[list[Segment]]:
    return [list(strip) for strip in app.screen._compositor.render_strips()]


def _check_screen(app: ConsoleApp, texts: list[str], *, where: str, shows: list[str] | None = None) -> None:
    """Nothing the terminal would act on, no link, and each of `shows` (strings the screen shows) all there."""
    lines = _rendered(app)
    for line in lines:
        for segment in line:
            assert is_safe(segment.text), (where, segment.text)
            # The only links are the console's own web-admin links: a myshopify domain and a numeric order id,
            # or Cin7's sale address and a hex sale id; nothing else, so no outside text becomes a link.
            link = segment.style.link if segment.style is not None else None
            assert not link or is_our_link(link), (where, link)
    screen = _squash("".join(segment.text for line in lines for segment in line))
    for text in texts if shows is None else shows:
        visible = _squash(safe_text(text))[:12]
        assert visible in screen, (where, visible)
    FIGURES["screens"] += 1


async def _walk_the_console(app: ConsoleApp, texts: list[str]) -> None:
    """Every screen once, on a merchant carrying all `texts`: each screen that lists them shows each one."""
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _check_screen(app, texts, where="home", shows=texts[:1])  # the shop's name: all of them, the first leads
        await _visit(pilot, "a", texts, where="SKU review")
        table = app.screen.query_one(VirtualTable)
        for _ in range(len(table.rows)):
            await pilot.press("down")
            await pilot.pause()
            _check_screen(app, texts, where="SKU review detail", shows=[])
        await pilot.press("escape")
        await _visit(pilot, "m", texts, where="mapping")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, Picker)
        _check_screen(app, texts, where="mapping picker")
        await pilot.press("escape", "escape")
        await pilot.press("s", "y")  # one sync pass: orders held with the strings in their messages
        await settle(pilot)
        _check_screen(app, texts, where="home after a sync", shows=[])
        await _visit(pilot, "l", texts, where="error log")
        await pilot.press("escape")
        await _visit(pilot, "p", texts, where="pilot", shows=[])
        await pilot.press("i")
        await settle(pilot)
        # Each string has three orders (#1001-#1003 the first's, #1011-#1013 the second's...): each one's
        # detail shows its string, the passed one's steps and the held ones' causes and fixes.
        for n in range(3 * len(texts)):
            if n:
                await pilot.press("down")
                await pilot.pause()
            _check_screen(app, texts, where=f"pilot order {n + 1}", shows=[texts[n // 3]])
        await pilot.press("escape", "n")
        await settle(pilot)
        _check_screen(app, texts, where="connection setup", shows=[])


async def _visit(pilot: Pilot[Any], key: str, texts: list[str], *, where: str, shows: list[str] | None = None) -> None:
    await pilot.press(key)
    await settle(pilot)
    _check_screen(pilot.app, texts, where=where, shows=shows)  # type: ignore[arg-type]


def _cli_outputs(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI's text and JSON on the scenario: no control character, JSON intact."""
    for argv in (
        ["pilot", "--scenario", str(folder)],
        ["pilot", "--scenario", str(folder), "--format", "json"],
        ["audit", "--scenario", str(folder)],
        ["audit", "--scenario", str(folder), "--format", "csv"],
        ["audit", "--scenario", str(folder), "--format", "json"],
        ["sandbox", "check", "--scenario", str(folder)],
    ):
        code = main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 1), (argv, err)
        assert all(is_safe(part, multiline=True) for part in (out + err).split("\r\n")), argv
        if "json" in argv:
            json.loads(out)
        FIGURES["cli outputs"] += 1


def _console_and_cli(
    texts: list[str], tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """One merchant carrying all `texts` (hostile.hostile_merchant): the CLI's outputs, then the console's screens."""
    FIGURES["screen strings"] += len(texts)
    FIGURES["merchants"] += 1
    folder = write_hostile(tmp_path_factory.mktemp("hostile") / "hostile", texts[0], more=tuple(texts[1:]))
    _cli_outputs(folder, capsys)
    session = open_sandbox(folder, clock=ManualClock())
    home = tmp_path_factory.mktemp("home")
    workspace = Workspace(
        ProfileStore(home / "profiles.json"),
        KeyringStore(),
        sources=[SandboxStore(session)],
        transport=SandboxRouter(session),  # type: ignore[arg-type]
    )
    workspace.export_dir = home / "exports"
    entry = workspace.stores()[0]
    entry.folder.mkdir(parents=True, exist_ok=True)
    records = []
    for n, text in enumerate(texts):
        record = {"event": "error", "id": f"e{n}", "time": f"2026-11-20T01:0{n}:00Z", "kind": "unknown_sku"}
        records.append(record | {"ref": text, "message": text, "fix": text, "status": "open", "store": entry.name})
    entry.journal_path.write_text("".join(json.dumps(record) + "\n" for record in records))
    asyncio.run(_walk_the_console(make_app(workspace, remember=False, theme="cin7-dark"), texts))


# The chosen strings and four random ones, all in one merchant: a console walk costs seconds, most of it the
# same for one string or eight (each string still has its own product, SKUs, location, orders and customer, and
# each screen that lists them is checked for each one). The backslash last, so that it ends the shop's name: it
# must not escape the console's own markup after it; the shop's own name first, so that it leads on home.
CHOSEN = {"shop-name": SHOP_NAME, "sku-close": SKU_CLOSE, "ten-kb": TEN_KB, "trailing-backslash": "x\\"}
RANDOM_STRINGS = 4


def _same_name(text: str) -> str:
    """Strings equal but for spaces or case would be one SKU or location twice."""
    return _squash(text).casefold()


@pytest.mark.xdist_group("hostile-screens")  # with its figures test, on one worker, in file order
# One example: the reports above take 150 strings. Hypothesis tries the simplest strings first ("", "0"...): they
# are left to the reports, so that the one walk's strings are random ones.
@settings(max_examples=1, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
# A lone surrogate cannot reach a screen: the scenario loader refuses it in one line (pydantic
# reads no such string). The reports above take them.
@given(
    texts=st.lists(
        HOSTILE.filter(lambda t: not any("\ud800" <= ch <= "\udfff" for ch in t)).filter(
            lambda t: _same_name(t) not in {_same_name(c) for c in CHOSEN.values()}
        ),
        min_size=RANDOM_STRINGS,
        max_size=RANDOM_STRINGS,
        unique_by=_same_name,
    ).filter(lambda texts: not all(t.isascii() for t in texts))
)
def test_every_screen_and_cli_output_shows_hostile_text_as_itself(
    texts: list[str], tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    FIGURES["random screen strings"] += len(texts)
    *chosen, backslash = CHOSEN.values()
    _console_and_cli([*chosen, *texts, backslash], tmp_path_factory, capsys)


@pytest.mark.xdist_group("hostile-screens")  # with its figures test, on one worker, in file order
def test_screen_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs after the property above (file order): its figures, for the record."""
    strings, screens, merchants = FIGURES["screen strings"], FIGURES["screens"], FIGURES["merchants"]
    with capsys.disabled():
        print(
            f"\nhostile text, console: {strings} strings in {merchants} merchant{'' if merchants == 1 else 's'}, "
            f"{screens} screen views checked "
            "(home, SKU review and each finding, mapping, picker, home after a sync, error log, pilot and each "
            f"traced order, connection) and {FIGURES['cli outputs']} CLI outputs, 0 failures"
        )
    assert FIGURES["random screen strings"] >= RANDOM_STRINGS and FIGURES["screen strings"] >= len(CHOSEN) + 4
