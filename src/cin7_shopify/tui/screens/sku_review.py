"""SKU review: the audit's findings, filtered, searched and decided one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Label, ProgressBar, Select

from cin7_shopify.audit.decisions import ROUTE_WORDS, Decision, fix_route, local_stamp, shop_zone, signoff_markdown
from cin7_shopify.audit.export import KIND_TITLES, shopify_fix_csv
from cin7_shopify.audit.mapping import approve_proposals
from cin7_shopify.audit.models import FINDING_KINDS, SEVERITY_ORDER, AuditReport, Finding
from cin7_shopify.audit.service import AuditRun
from cin7_shopify.state.storage import write_atomically
from cin7_shopify.text import markup, safe_text
from cin7_shopify.tui.dialogs import keys_binding
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.messages import Failed, Loaded, Progress
from cin7_shopify.tui.widgets.detail_text import DetailText
from cin7_shopify.tui.widgets.footer import Footer
from cin7_shopify.tui.widgets.select import LeanSelect
from cin7_shopify.tui.widgets.virtual_table import Column, VirtualTable
from cin7_shopify.tui.work import budget_note, report
from cin7_shopify.workspace import StoreSession

if TYPE_CHECKING:
    from cin7_shopify.tui.app import ConsoleApp

READ_STEPS = 10
SORTS = ("severity", "sku", "kind")
# Kinds as a merchant says them, short enough for the table; KIND_TITLES says them in full in the detail.
KIND_WORDS = {
    "missing_sku": "no SKU",
    "duplicate_sku": "duplicate SKU",
    "sku_whitespace": "stray spaces",
    "sku_case_mismatch": "case differs",
    "only_in_shopify": "only in Shopify",
    "only_in_cin7": "only in Cin7 Core",
    "variant_set_mismatch": "variants differ",
    "untracked_inventory": "not tracked",
    "deprecated_in_cin7": "deprecated in Cin7",
    "unmapped_location": "unmapped location",
    "unknown_cin7_location": "location gone",
    "shared_cin7_location": "shared location",
    "missing_tax_rule": "no tax rule",
    "unmapped_tax": "unmapped tax line",
    "tax_inclusive_mismatch": "tax-inclusive differs",
    "missing_service_product": "service product",
}
LEVEL_MARKS = {"blocker": "✗", "warning": "!", "info": "i"}
WIDE = 100  # below this the Kind column gives its room to the message (the detail names the kind)


class SkuReviewScreen(LeanScreen, Screen[None]):
    SCREEN_CSS = """
    SkuReviewScreen #filters { height: 1; padding: 0 1; }
    SkuReviewScreen #filters Select { width: 22; margin-right: 1; }
    SkuReviewScreen #search { width: 1fr; }
    SkuReviewScreen #summary { height: 1; padding: 0 1; color: $text-muted; }
    SkuReviewScreen #loading { height: 1; padding: 0 1; }
    SkuReviewScreen #loading.-hidden { display: none; }
    SkuReviewScreen #loading-label { width: 1fr; color: $text-muted; }
    SkuReviewScreen #progress { width: 30; }
    SkuReviewScreen #findings { height: 1fr; }
    SkuReviewScreen #detail { height: 6; border-top: solid $secondary; padding: 0 1; }
    """
    BINDINGS = [
        keys_binding("sku"),
        Binding("f", "accept_fix", "Accept fix", id="sku.accept_fix"),
        Binding("d", "accept_risk", "Accept risk", id="sku.accept_risk"),
        Binding("u", "undo", "Undo", id="sku.undo"),
        Binding("slash", "search", "Search", id="sku.search"),
        Binding("o", "sort", "Sort", id="sku.sort"),
        Binding("x", "export_report", "Export", id="sku.export_report"),
        Binding("X", "export_fix", "Fix CSV", id="sku.export_fix"),
        Binding("r", "rerun", "Re-run", id="sku.rerun"),
        Binding("w", "why", "Why", id="sku.why"),
        Binding("escape", "back", "Back", id="sku.back"),
    ]
    HELP = (
        "## SKU review\n\n"
        "The pre-go-live audit of this store: every SKU, variant, location and tax problem that would stop the "
        "sync, in the merchant's words, each with its fix. Blockers must go before go-live; warnings deserve a "
        "look; information needs nothing.\n\n"
        "- Filter by **severity** and **kind**; **/** searches SKUs, product titles, locations and tax lines "
        "(Escape clears the search first); **o** changes the sort.\n"
        "- **f** accepts the proposed fix: SKU fixes go into the Shopify fix CSV (**X**), a proposed location or "
        "tax mapping is saved to the store; any other fix is listed in the report as to do in Cin7 Core or by "
        "hand in Shopify, and the Done column says which (CSV, map, Cin7, hand).\n"
        "- **d** accepts the risk: the finding stays in the report, marked as decided; **u** undoes the last "
        "decision.\n"
        "- **x** exports the report (Markdown) for the client's sign-off, with the accepted fixes and risks, who "
        "accepted each and when (the store's `consultant` setting, else your login name); "
        "**r** runs the audit again.\n"
        "- **Escape** stops a read in progress, clears the search, or goes back."
    )

    def __init__(self, entry: StoreSession, *, run: AuditRun | None = None, focus: str | None = None) -> None:
        super().__init__()
        self.entry = entry
        self.focus_sku = focus  # from the error log: land on this SKU's finding
        self.undo: list[tuple[str, Decision | None]] = []  # (finding key, decision before), newest last
        self.run: AuditRun | None = run
        self.shown: list[Finding] = []
        self.decisions: dict[str, Decision] = {}
        self.sort_by = "severity"

    @property
    def console(self) -> ConsoleApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield LeanSelect(
                [("Blockers", "blocker"), ("Warnings", "warning"), ("Information", "info")],
                prompt="All severities",
                id="severity",
                compact=True,
            )
            yield LeanSelect([(KIND_TITLES[k], k) for k in FINDING_KINDS], prompt="All kinds", id="kind", compact=True)
            yield Input(placeholder="/ SKU, title, location, tax line", id="search", compact=True)
        with Horizontal(id="loading", classes="-hidden"):
            yield Label("", id="loading-label")
            yield ProgressBar(total=READ_STEPS, show_eta=False, id="progress")
        yield Label("", id="summary")
        yield VirtualTable(self._columns(True), id="findings")
        with VerticalScroll(id="detail"):
            yield DetailText("", id="detail-text")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._show_step)
        self.sub_title = f"SKU review · {safe_text(self.entry.label)}"
        self.decisions = self.entry.decisions()
        if self.run is None:
            self.load(reread=False)
        else:
            self.apply_filters()
        self.query_one(VirtualTable).focus()

    def load(self, *, reread: bool = True) -> None:
        """On arrival the store's kept audit is judged again (no API call); r reads both sides again."""
        self.query_one("#loading").remove_class("-hidden")
        self.query_one("#progress", ProgressBar).update(progress=0)
        self._audit(reread)

    @work(exclusive=True, group="audit")
    async def _audit(self, reread: bool) -> None:
        done = 0

        def step(what: str) -> None:
            nonlocal done
            done += 1
            self.post_message(Progress(what, done, READ_STEPS))

        async def job() -> AuditRun:
            return await self.entry.audit(on_step=step, reread=reread)

        await report(self, "auditing the store", job)

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        self.query_one("#progress", ProgressBar).update(progress=message.done)
        self._step = message.step
        self._show_step()

    def _show_step(self) -> None:
        note = budget_note(self.entry.pacer())
        self.query_one("#loading-label", Label).update(note or f"Reading {getattr(self, '_step', '…')}…")

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.query_one("#loading").add_class("-hidden")
        self.run = message.result
        self.apply_filters()
        if self.focus_sku:
            self._land_on(self.focus_sku)
            self.focus_sku = None

    def _land_on(self, sku: str) -> None:
        """Put the cursor on the SKU's finding, or say why there is none."""
        wanted = sku.strip().casefold()
        index = next((i for i, f in enumerate(self.shown) if (f.sku or "").strip().casefold() == wanted), None)
        if index is None:
            self.notify(
                f"The audit has no finding for SKU {markup(sku)}: it is not in the Shopify catalogue the audit "
                "read (a product removed since, or a custom line). Fix it as the error log says.",
                title="Go fix",
                timeout=10,
            )
            return
        self.query_one(VirtualTable).cursor = index

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#loading").add_class("-hidden")
        self.notify(markup(message.explanation), title="Audit failed", severity="error", timeout=10)

    @on(Select.Changed)
    @on(Input.Changed, "#search")
    def _filters_changed(self) -> None:
        self.apply_filters()

    def apply_filters(self) -> None:
        if self.run is None:
            return
        severity = self.query_one("#severity", Select).value
        kind = self.query_one("#kind", Select).value
        needle = self.query_one("#search", Input).value.strip().casefold()
        findings = [
            f
            for f in self.run.report.findings
            if (severity is Select.NULL or f.severity == severity)
            and (kind is Select.NULL or f.kind == kind)
            and (not needle or needle in _searchable(f))
        ]
        order = {k: i for i, k in enumerate(FINDING_KINDS)}
        keys = {
            "severity": lambda f: (SEVERITY_ORDER[f.severity], order[f.kind], f.sku or ""),
            "sku": lambda f: ((f.sku or "").casefold(), SEVERITY_ORDER[f.severity]),
            "kind": lambda f: (order[f.kind], SEVERITY_ORDER[f.severity], f.sku or ""),
        }
        findings.sort(key=keys[self.sort_by])
        self.shown = findings
        table = self.query_one(VirtualTable)
        wide = self.size.width >= WIDE
        table.columns = self._columns(wide)
        table.set_rows(
            [
                (
                    *((f.severity, KIND_WORDS.get(f.kind, f.kind)) if wide else (LEVEL_MARKS[f.severity],)),
                    f.sku if f.sku is not None else "—",
                    f.message,
                    _done(f, self.decisions.get(f.key)),
                )
                for f in findings
            ],
            [f.severity for f in findings],
        )
        total = self.run.report
        verdict = "[b $success]GO[/]" if total.ready else "[b $error]NO-GO[/]"
        self.query_one("#summary", Label).update(
            f"{verdict} · {len(findings):,} of {len(total.findings):,} shown · {total.count('blocker')} blockers · "
            f"{total.count('warning')} warnings · by {self.sort_by}{read_ago(self.run.read_at)}"
        )
        if not findings:
            searched = self.query_one("#search", Input).value.strip()
            self.query_one("#detail-text", DetailText).update(
                f"Nothing matches '{markup(searched)}' (SKUs, titles, locations and tax lines searched); Escape clears "
                "the search."
                if searched
                else "Nothing matches the filters."
            )

    def _columns(self, wide: bool) -> list[Column]:
        level = [Column("Level", 7), Column("Kind", 18)] if wide else [Column("", 1)]
        return [*level, Column("SKU", 13), Column("What is wrong", 0), Column("Done", 6)]

    def on_resize(self) -> None:
        if self.run is not None and (self.size.width >= WIDE) != (len(self.query_one(VirtualTable).columns) == 5):
            self.apply_filters()

    @on(VirtualTable.Highlighted)
    def _highlighted(self, message: VirtualTable.Highlighted) -> None:
        if 0 <= message.index < len(self.shown):
            finding = self.shown[message.index]
            zone = shop_zone(self.run.shopify.timezone) if self.run else None
            self.query_one("#detail-text", DetailText).update(_describe(finding, self.decisions.get(finding.key), zone))

    @property
    def current(self) -> Finding | None:
        index = self.query_one(VirtualTable).cursor
        return self.shown[index] if 0 <= index < len(self.shown) else None

    def action_why(self) -> None:
        """Why Shopify shows what it shows for this SKU (the why pane)."""
        from cin7_shopify.tui.screens.why import WhyScreen

        finding = self.current
        if finding is None or not finding.sku:
            self.notify("Pick a row with a SKU first.", severity="warning")
            return
        self.app.push_screen(WhyScreen(self.entry, "sku", finding.sku))

    def action_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self.apply_filters()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_back(self) -> None:
        if self.workers.cancel_group(self, "audit"):
            self.query_one("#loading").add_class("-hidden")
            self.notify("Audit stopped.", title="Cancelled")
            return
        search = self.query_one("#search", Input)
        if search.value or search.has_focus:  # Escape in a search clears it first
            search.value = ""
            self.query_one(VirtualTable).focus()
            return
        self.app.pop_screen()

    def action_rerun(self) -> None:
        self.load()

    def action_accept_fix(self) -> None:
        finding = self.current
        if finding is None or self.run is None:
            return
        route, _ = fix_route(finding)
        if route == "mapping":
            self._approve_mapping(finding)
            return
        self._decide(finding, "fix")
        if route == "fix_csv":
            self.notify("Accepted: it goes into the Shopify fix CSV (X).", title="Fix accepted")
            return
        title = "To do in Cin7 Core" if route == "cin7" else "To do by hand in Shopify"
        self.notify(  # why it is no fix CSV row is in the detail, so the toast stays short
            f"Accepted, {ROUTE_WORDS[route]}: not in the Shopify fix CSV (the detail says why). The exported "
            f"report lists it under '{title}'.",
            title="Fix accepted",
        )

    def action_accept_risk(self) -> None:
        finding = self.current
        if finding is not None:
            current = self.decisions.get(finding.key)
            self._decide(finding, None if current is not None and current.choice == "risk" else "risk")

    def action_undo(self) -> None:
        if not self.undo:
            self.notify("No decision to undo.", title="Undo")
            return
        key, before = self.undo.pop()
        self.decisions = self.entry.restore_decision(key, before)
        self.apply_filters()
        index = next((i for i, f in enumerate(self.shown) if f.key == key), None)
        if index is not None:
            self.query_one(VirtualTable).cursor = index
        self.notify("The last decision is undone.", title="Undo")

    def _decide(self, finding: Finding, choice: Literal["fix", "risk"] | None) -> None:
        self.undo.append((finding.key, self.decisions.get(finding.key)))
        self.decisions = self.entry.decide(finding.key, choice, at=self.console.now())
        cursor = self.query_one(VirtualTable).cursor
        self.apply_filters()
        self.query_one(VirtualTable).cursor = cursor

    def _approve_mapping(self, finding: Finding) -> None:
        assert self.run is not None
        settings = self.entry.settings()
        report = self.run.report
        source = (finding.shopify or {}).get("location_id") or (finding.shopify or {}).get("tax_line")
        locations, taxes, changes = approve_proposals(
            settings.location_map,
            settings.tax_map,
            report.location_proposals,
            report.tax_proposals,
            locations={str(source)} if finding.kind != "unmapped_tax" else set(),
            taxes={str(source)} if finding.kind == "unmapped_tax" else set(),
        )
        if not changes:
            self.notify(
                "There is no proposal to accept for this one: pick a target on the mapping screen (m on home).",
                title="Nothing proposed",
            )
            return
        self.entry.save_settings(settings.model_copy(update={"location_map": locations, "tax_map": taxes}))
        self.notify(markup("; ".join(changes)) + ". Re-run the audit (r) to see it cleared.", title="Mapping saved")
        self._decide(finding, "fix")

    def action_export_report(self) -> None:
        if self.run is not None:
            path = self._export_path("md")
            write_atomically(path, signoff_markdown(self.run.report, self.decisions, self.run.shopify.timezone))
            self.notify(f"Wrote {markup(path)}", title="Report exported")

    def action_export_fix(self) -> None:
        if self.run is None:
            return
        report = self.run.report
        accepted = [f for f in report.findings if (d := self.decisions.get(f.key)) is not None and d.choice == "fix"]
        if accepted:
            report = AuditReport(store=report.store, findings=accepted)
        text, fixed = shopify_fix_csv(report, self.run.shopify)
        routes = [fix_route(f)[0] for f in accepted]
        elsewhere = ", ".join(
            f"{routes.count(r)} {ROUTE_WORDS[r]}" for r in ("cin7", "shopify", "mapping") if routes.count(r)
        )
        if not fixed:
            self.notify(
                (
                    f"None of the accepted fixes is a Shopify SKU the CSV can set: {elsewhere}. The exported "
                    "report (x) lists them."
                )
                if elsewhere
                else "No SKU could be fixed automatically.",
                title="Nothing to export",
                timeout=8,
            )
            return
        path = self._export_path("csv", prefix="shopify-sku-fix")
        write_atomically(path, text)
        self.notify(
            f"Wrote {markup(path)} ({fixed} variants). "
            "Import it in Shopify with 'Overwrite products with matching handles'."
            + (f" Not in it: {elsewhere} (the exported report lists them)." if elsewhere else ""),
            title="Fix CSV exported",
            timeout=8,
        )

    def _export_path(self, suffix: str, *, prefix: str = "audit") -> Path:
        folder = self.console.workspace.export_dir
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return folder / f"{prefix}-{self.entry.name}-{stamp}.{suffix}"


def read_ago(read_at: datetime | None) -> str:
    """How old the data judged is: the audit is kept until r reads both sides again."""
    if read_at is None:
        return ""
    minutes = int((datetime.now(UTC) - read_at).total_seconds() // 60)
    return " · read just now" if minutes < 1 else f" · read {minutes} min ago (r re-reads)"


def _done(finding: Finding, decision: Decision | None) -> str:
    """The Done column: where an accepted fix is done (the fix CSV, the mapping, Cin7 Core, by hand), or a risk."""
    if decision is None:
        return ""
    if decision.choice == "risk":
        return "risk ✓"
    return {"fix_csv": "CSV ✓", "mapping": "map ✓", "cin7": "Cin7", "shopify": "hand"}[fix_route(finding)[0]]


def _describe(finding: Finding, decision: Decision | None = None, zone: ZoneInfo | None = None) -> str:
    def side(title: str, data: dict[str, object] | None) -> str:
        if not data:
            return f"[b]{title}[/b] —"
        parts = []
        for key, value in data.items():
            if value in (None, "", [], {}) or (isinstance(value, str) and value.startswith("gid://")):
                continue  # ids mean nothing to the merchant
            if key == "variants" and isinstance(value, list):
                continue  # a shared SKU's variants are listed one a line below
            if isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            elif isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            parts.append(f"{markup(key.replace('_', ' '))}: {markup(value)}")
        return f"[b]{title}[/b] " + " · ".join(parts)

    lines = [
        f"[b]{KIND_TITLES.get(finding.kind, finding.kind)}[/b] ({finding.severity})",
        markup(finding.message),
        f"[b]Fix:[/b] {markup(finding.fix)}",
    ]
    if decision is not None:
        route, why = fix_route(finding)
        what = "Risk accepted" if decision.choice == "risk" else f"Fix accepted, {ROUTE_WORDS[route]}"
        lines.append(
            f"[b]{what}[/b] by {markup(decision.by or 'someone (not recorded)')} at {local_stamp(decision.at, zone)}"
            + (f" — not in the fix CSV: {markup(why)}" if decision.choice == "fix" and why else "")
        )
    lines.append(side("Shopify", finding.shopify))
    for variant in (finding.shopify or {}).get("variants") or []:
        if isinstance(variant, dict):
            options = " / ".join(str(v) for v in (variant.get("options") or {}).values())
            label = f"{variant.get('product')}" + (f" – {options}" if options else "")
            lines.append(f"  {'keep' if variant.get('keep') else 'rename'}: {markup(label)}")
    lines.append(side("Cin7 Core", finding.cin7))
    return "\n".join(lines)


def _searchable(finding: Finding) -> str:
    """What a search looks in: the SKU, the message (titles, locations, tax lines in words) and both sides."""
    sides = [str(v) for side in (finding.shopify or {}, finding.cin7 or {}) for v in side.values() if v]
    return "\n".join([finding.sku or "", finding.message, *sides]).casefold()
