"""Mapping: Shopify locations and tax lines beside Cin7 Core's, with proposals; nothing counts until saved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from cin7_shopify.audit.engine import run_audit
from cin7_shopify.audit.models import AuditReport, Finding, MappingProposal
from cin7_shopify.audit.service import AuditRun
from cin7_shopify.settings import StoreSettings
from cin7_shopify.text import markup, safe_text
from cin7_shopify.tui.dialogs import keys_binding, leave_if_confirmed
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.messages import Failed, Loaded, Progress
from cin7_shopify.tui.widgets.footer import Footer
from cin7_shopify.tui.work import budget_note, report
from cin7_shopify.workspace import StoreSession

if TYPE_CHECKING:
    from cin7_shopify.tui.app import ConsoleApp

UNMAP = "\0unmap"


class Picker(LeanScreen, ModalScreen[str | None]):
    """Choose a Cin7 Core target for one row (or none)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="picker.cancel")]
    DEFAULT_CSS = """
    Picker { align: center middle; }
    Picker > Vertical { width: 60; max-width: 95%; height: auto; max-height: 80%; border: round $primary;
        background: $panel; padding: 0 1; }
    Picker OptionList { height: auto; max-height: 16; }
    """

    def __init__(
        self, title: str, choices: list[str], current: str | None, labels: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current
        self.labels = labels or {}  # what to show for a choice, e.g. a tax rule with its rate

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = markup(self.title_text)
            options = [
                Option(("● " if c == self.current else "  ") + markup(self.labels.get(c, c)), id=c)
                for c in self.choices
            ]
            options.append(Option("  (none — leave unmapped)", id=UNMAP))
            yield OptionList(*options)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class MappingScreen(LeanScreen, Screen[None]):
    SCREEN_CSS = """
    MappingScreen #loading { height: 1; padding: 0 1; }
    MappingScreen #loading.-hidden { display: none; }
    MappingScreen #loading-label { width: 1fr; color: $text-muted; }
    MappingScreen #progress { width: 30; }
    MappingScreen DataTable { height: 1fr; border: round $primary; border-title-color: $text-primary; }
    MappingScreen #row-detail { height: auto; max-height: 4; padding: 0 1; }
    MappingScreen #blockers { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        keys_binding("mapping"),
        Binding("enter", "change", "Choose", id="mapping.change", priority=True),
        Binding("f", "accept_proposal", "Accept proposal", id="mapping.accept"),
        Binding("u", "undo", "Undo", id="mapping.undo"),
        Binding("ctrl+s", "save", "Save", id="mapping.save"),
        Binding("r", "reload", "Re-read", id="mapping.reload"),
        Binding("escape", "back", "Back", id="mapping.back"),
    ]
    HELP = (
        "## Mapping\n\n"
        "Which Cin7 Core location feeds each Shopify location (stock goes out per location; an order's sale "
        "takes the location it ships from), and which Cin7 Core tax rule each Shopify tax line becomes.\n\n"
        "The **Proposed** column is the audit's suggestion (by name for locations, by rate and inclusive setting "
        "for tax) with its confidence. A proposal is never used until you accept it (**f**) or choose a target "
        "(**Enter**), and **Ctrl+S** saves to the store profile; **u** undoes the last change. Rows that would "
        "stop the sync are marked ✗ until they are resolved. **Escape** with unsaved changes asks first."
    )

    def __init__(self, entry: StoreSession, *, focus: str | None = None) -> None:
        super().__init__()
        self.entry = entry
        self.focus_row = focus  # from the error log: "taxes:<line>" or "locations:<name>"
        self.undo: list[StoreSettings] = []
        self.run: AuditRun | None = None
        self.settings: StoreSettings = entry.settings()
        self.report: AuditReport | None = None  # the maps being edited, judged on the data read
        self.dirty = False
        self.saved = False  # saved since the screen opened, and nothing changed since

    @property
    def console(self) -> ConsoleApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="loading"):
            yield Label("", id="loading-label")
            yield ProgressBar(total=10, show_eta=False, id="progress")
        locations: DataTable[str] = DataTable(id="locations", cursor_type="row")
        locations.border_title = "Locations: Shopify → Cin7 Core"
        yield locations
        taxes: DataTable[str] = DataTable(id="taxes", cursor_type="row")
        taxes.border_title = "Tax lines: Shopify → Cin7 Core"
        yield taxes
        yield Static("", id="row-detail")
        yield Label("", id="blockers")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._show_step)
        self.sub_title = f"Mapping · {safe_text(self.entry.label)}"
        self.query_one("#locations", DataTable).add_columns("", "Shopify location", "Saved", "Proposed")
        self.query_one("#taxes", DataTable).add_columns(
            "", "Tax line", "Orders", "Saved", "Proposed"
        )  # status first, as the rows
        self._read_both_sides(reread=False)

    def _redraw_rows(self, table: DataTable[str]) -> None:
        clear_rendered = getattr(table, "_clear_caches", None)
        if callable(clear_rendered):
            clear_rendered()
        table.refresh()

    def action_reload(self) -> None:
        self._read_both_sides(reread=True)

    def _read_both_sides(self, *, reread: bool) -> None:
        """On arrival the store's kept audit is used (no API call); r reads both sides again."""
        self.query_one("#loading").remove_class("-hidden")
        self._read(reread)

    @work(exclusive=True, group="mapping")
    async def _read(self, reread: bool) -> None:
        done = 0

        def step(what: str) -> None:
            nonlocal done
            done += 1
            self.post_message(Progress(what, done, 10))

        async def job() -> AuditRun:
            return await self.entry.audit(settings=self.settings, on_step=step, reread=reread)

        await report(self, "reading both sides", job)

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
        self.redraw()
        self.query_one("#locations", DataTable).focus()
        if self.focus_row:
            self._land_on(self.focus_row)
            self.focus_row = None

    def _land_on(self, focus: str) -> None:
        """The row the error log named: a tax line by its key, a location by its Shopify name."""
        assert self.run is not None
        table_id, _, wanted = focus.partition(":")
        table = self.query_one(f"#{table_id}", DataTable)
        if table_id == "taxes":
            keys = [line.key for line in self.run.shopify.tax_lines or []]
            index = next((i for i, k in enumerate(keys) if k.casefold() == wanted.casefold()), None)
            why = f"the tax line '{markup(wanted)}' is not on the orders the audit read (the 60 days before go-live)"
        else:
            names = [loc.name for loc in self.run.shopify.locations or []]
            index = next((i for i, n in enumerate(names) if n.casefold() == wanted.casefold()), None)
            why = f"Shopify has no location named '{markup(wanted)}' now"
        if index is None:
            self.notify(f"No row to land on: {why}. Fix it as the error log says.", title="Go fix", timeout=10)
            return
        table.focus()
        table.move_cursor(row=index)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#loading").add_class("-hidden")
        self.notify(markup(message.explanation), title="Could not read the store", severity="error", timeout=10)

    def redraw(self) -> None:
        if self.run is None:
            return
        report = self.report = run_audit(self.run.shopify, self.run.cin7, self.settings, store=self.entry.name)
        blocking = {
            (f.kind, (f.shopify or {}).get("location_id") or (f.shopify or {}).get("tax_line"))
            for f in report.findings
            if f.severity == "blocker"
        }
        proposals = {p.source: p for p in report.location_proposals}
        locations = self.query_one("#locations", DataTable)
        keep = locations.cursor_row
        locations.clear()
        for location in self.run.shopify.locations or []:
            saved = self.settings.location_map.get(location.id)
            problem = any(k in {"unmapped_location", "unknown_cin7_location"} and s == location.id for k, s in blocking)
            status = "blocker" if problem else ("ok" if saved else "inactive" if not location.is_active else "—")
            name = location.name if location.is_active else f"{location.name} (closed)"
            locations.add_row(
                _status(status),
                Text(safe_text(name)),
                Text(safe_text(saved or "—")),
                _proposal(proposals.get(location.id)),
                key=location.id,
            )
        locations.move_cursor(row=min(keep, max(0, locations.row_count - 1)))
        # Refilled with the same row keys, Textual's DataTable (8.2) keeps the rows as it rendered them at
        # the columns' old widths, so names were cut at their header's width: drop those rendered rows.
        self.call_after_refresh(self._redraw_rows, locations)
        tax_proposals = {p.source: p for p in report.tax_proposals}
        taxes = self.query_one("#taxes", DataTable)
        keep = taxes.cursor_row
        taxes.clear()
        for line in self.run.shopify.tax_lines or []:
            saved = self.settings.tax_map.get(line.key)
            problem = ("unmapped_tax", line.key) in blocking
            taxes.add_row(
                _status("blocker" if problem else "ok"),
                Text(safe_text(line.key)),
                str(line.orders),
                Text(safe_text(saved or "—")),
                _proposal(tax_proposals.get(line.key)),
                key=line.key,
            )
        taxes.move_cursor(row=min(keep, max(0, taxes.row_count - 1)))
        self.call_after_refresh(self._redraw_rows, taxes)  # as the locations: tax lines were cut and lost their mark
        count = sum(1 for kind, _ in blocking if kind in {"unmapped_location", "unknown_cin7_location", "unmapped_tax"})
        self._explain_row()
        unsaved = (
            " · [b $warning]unsaved changes (Ctrl+S)[/]"
            if self.dirty
            else " · saved: the sync uses this mapping from its next pass"
            if self.saved
            else ""
        )
        self.query_one("#blockers", Label).update(
            (
                f"[b $error]{count} mapping blocker{'s' if count != 1 else ''}[/] until resolved"
                if count
                else "[b $success]No mapping blockers.[/]"
            )
            + unsaved
        )

    @on(DataTable.RowHighlighted)
    def _row_changed(self) -> None:
        self._explain_row()

    def on_descendant_focus(self) -> None:  # Tab between the two tables
        self._explain_row()

    def _explain_row(self) -> None:
        """Why the highlighted row is ✗ and what fixes it, or what its map means."""
        target = self._focused_table()
        detail = self.query_one("#row-detail", Static)
        if target is None or self.report is None or self.run is None:
            detail.update("")
            return
        table, key = target
        about = [f for f in self.report.findings if _concerns(f, table, key)]
        lines = [
            f"[b {'$error' if f.severity == 'blocker' else '$warning'}]{'✗' if f.severity == 'blocker' else '!'}[/] "
            f"{markup(f.message)} [dim]{markup(f.fix)}[/]"
            for f in about
        ]
        if not lines:
            if table == "locations":
                location = next(loc for loc in self.run.shopify.locations or [] if loc.id == key)
                saved = self.settings.location_map.get(key)
                lines.append(
                    f"Stock for {markup(location.name)} comes from Cin7 Core's {markup(saved)}; orders shipped from "
                    "it become sales there."
                    if saved
                    else f"{markup(location.name)} is closed in Shopify: nothing is synced there."
                )
            else:
                lines.append(
                    f"Orders taxed {markup(key)} become sales with Cin7 Core's tax rule "
                    f"{markup(self.settings.tax_map.get(key) or '—')}."
                )
        detail.update("\n".join(lines))

    def _focused_table(self) -> tuple[str, str] | None:
        focused = self.focused
        if not isinstance(focused, DataTable) or focused.row_count == 0:
            return None
        key = focused.coordinate_to_cell_key(focused.cursor_coordinate).row_key.value
        return (str(focused.id), str(key))

    def action_change(self) -> None:
        target = self._focused_table()
        if target is None or self.run is None:
            return
        table, key = target
        if table == "locations":
            choices = [loc.name for loc in self.run.cin7.locations or [] if not loc.is_deprecated]
            self.app.push_screen(
                Picker(
                    f"Cin7 Core location for {self._location_name(key)}", choices, self.settings.location_map.get(key)
                ),
                lambda c: self._set("location", key, c),
            )
        else:
            rules = [r for r in self.run.cin7.tax_rules or [] if r.is_active and r.for_sale]
            labels = {
                r.name: f"{r.name} ({r.percent:g}%, tax {'inclusive' if r.inclusive else 'exclusive'})" for r in rules
            }
            self.app.push_screen(
                Picker(
                    f"Cin7 Core tax rule for {key}", [r.name for r in rules], self.settings.tax_map.get(key), labels
                ),
                lambda c: self._set("tax", key, c),
            )

    def action_accept_proposal(self) -> None:
        target = self._focused_table()
        if target is None or self.run is None:
            return
        table, key = target
        report = run_audit(self.run.shopify, self.run.cin7, self.settings, store=self.entry.name)
        proposals: list[MappingProposal] = report.location_proposals if table == "locations" else report.tax_proposals
        proposal = next((p for p in proposals if p.source == key), None)
        if proposal is None or proposal.target is None:
            self.notify("No proposal for this row: press c to choose.", title="Nothing proposed")
            return
        self._set("location" if table == "locations" else "tax", key, proposal.target)

    def _set(self, what: str, key: str, choice: str | None) -> None:
        if choice is None:
            return
        field = "location_map" if what == "location" else "tax_map"
        mapping = dict(getattr(self.settings, field))
        if choice == UNMAP:
            mapping.pop(key, None)
        else:
            mapping[key] = choice
        self.undo.append(self.settings)
        self.settings = self.settings.model_copy(update={field: mapping})
        self.dirty, self.saved = True, False
        self.redraw()

    def action_undo(self) -> None:
        if not self.undo:
            self.notify("No mapping change to undo.", title="Undo")
            return
        self.settings = self.undo.pop()
        saved = self.entry.settings()
        self.dirty = (self.settings.location_map, self.settings.tax_map) != (saved.location_map, saved.tax_map)
        self.redraw()
        self.notify("The last mapping change is undone.", title="Undo")

    def action_save(self) -> None:
        self.entry.save_settings(self.settings)
        self.dirty, self.saved = False, True
        self.redraw()  # said in the status line: a toast would cover the row's explanation

    def action_back(self) -> None:
        if self.workers.cancel_group(self, "mapping"):
            self.query_one("#loading").add_class("-hidden")
            self.notify("Stopped reading.", title="Cancelled")
            return
        if not self.dirty:
            self.app.pop_screen()
            return

        leave_if_confirmed(
            self,
            "The mapping has changes that are not saved; the sync would not use them.\n\n"
            "**y** leaves them unsaved · **n** goes back (Ctrl+S saves).",
        )

    def _location_name(self, location_id: str) -> str:
        assert self.run is not None
        return next((loc.name for loc in self.run.shopify.locations or [] if loc.id == location_id), location_id)


def _status(status: str) -> Text:
    styles = {"blocker": ("✗", "bold red"), "ok": ("✓", "green"), "inactive": ("·", "dim")}
    label, style = styles.get(status, (status, "dim"))
    return Text(label, style=style)


def _proposal(proposal: MappingProposal | None) -> Text:
    if proposal is None or proposal.target is None:
        return Text("—")
    return Text(f"{safe_text(proposal.target)} ({proposal.confidence:.0%})")


def _concerns(finding: Finding, table: str, key: str) -> bool:
    """A finding about this row: its Shopify location (alone or among those sharing one), or its tax line."""
    side = finding.shopify or {}
    if table == "taxes":
        return side.get("tax_line") == key
    return key in str(side.get("location_id") or "").split("|")[0].split(",")
