"""A store's settings in the console: every setting, validated exactly as `store set` and settings.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, Select, Static

from cin7_shopify.errors import ConsoleError
from cin7_shopify.settings import StoreSettings
from cin7_shopify.text import markup, safe_text
from cin7_shopify.tui.dialogs import ConfirmScreen, keys_binding
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.messages import Failed, Loaded
from cin7_shopify.tui.widgets.footer import Footer
from cin7_shopify.tui.widgets.select import LeanSelect
from cin7_shopify.tui.work import report
from cin7_shopify.workspace import StoreSession

if TYPE_CHECKING:
    from cin7_shopify.tui.app import ConsoleApp

# Maps are edited where they can be seen against both sides: the mapping screen.
ON_THE_MAPPING_SCREEN = {"location_map", "tax_map"}
HINTS = {
    "go_live": "e.g. 2026-12-01T00:00:00+10:00 — orders created before it are never imported",
    "exclude_tags": "Shopify order tags never imported, separated by commas",
    "default_customer": "the Cin7 Core customer for orders without an email (or all, by customer mode)",
    "safety_buffer": "units held back from Shopify per SKU and location",
    "cin7_reserved_calls_per_minute": "of Cin7's 60 calls a minute, kept free for the merchant's other apps",
    "consultant": "who accepts audit fixes and risks in the sign-off report (empty: your login name)",
}

# Choices in words on screen; the machine names stay what settings.json and `store set` take.
CHOICE_WORDS = {
    "order_trigger": {
        "created": "when the order is created",
        "paid": "when it is paid",
        "fulfilled": "when it is fulfilled",
    },
    "customer_mode": {
        "match_email": "real customers, matched by email",
        "default_customer": "one default customer for every order",
    },
    "unknown_sku": {"hold": "hold the order", "create": "create the product in Cin7 Core"},
    "mode": {"sync": "sync (this tool imports orders)", "observe": "observe (another connector imports them)"},
    "observe_match": {
        "any": "any of the rules below",
        "external_id": "the sale's external id",
        "customer_reference": "the sale's customer reference",
        "sale_number": "the sale number pattern",
    },
}
BOOL_WORDS = {"true": "yes", "false": "no"}
# What each setting decides, shown for the field that has focus.
FIELD_HELP = {
    "order_trigger": "When a Shopify order is imported into Cin7 Core.",
    "customer_mode": "Which Cin7 Core customer an order's sale goes to.",
    "default_customer": "The Cin7 Core customer for orders with no email, or for every order in default mode.",
    "unknown_sku": "An order with a SKU Cin7 Core does not know: held until the SKU exists, or the product created.",
    "go_live": "Orders created before this are never imported; history is an explicit backfill.",
    "skip_test_orders": "Shopify test orders are not imported (the pilot's own test orders always are).",
    "exclude_tags": "Orders with any of these tags are never imported (e.g. wholesale handled elsewhere).",
    "inventory_interval_minutes": "How often stock is pushed from Cin7 Core to Shopify.",
    "safety_buffer": "Units held back from Shopify per SKU and location, so the last ones are not oversold.",
    "order_poll_minutes": "How often Shopify is asked for new and changed orders.",
    "shipping_product": "The Cin7 Core service product that carries an order's shipping charge.",
    "tip_product": "The service product for tips; without one, an order with a tip is held.",
    "duty_product": "The service product for duties; without one, an order with duties is held.",
    "gift_card_product": "The service product for gift cards sold; without one, such an order is held.",
    "credit_note_on_cancel": "Cancelled after picking: create the credit note in Cin7 Core, or only report it.",
    "credit_note_on_refund": "Refunded after shipping: create the credit note in Cin7 Core, or only name it.",
    "zero_stock_guard_percent": "A stock push that would zero more than this share of SKUs is stopped for a look.",
    "cin7_reserved_calls_per_minute": "Of Cin7 Core's 60 calls a minute, kept free for the merchant's other apps.",
    "mode": "Observe: another connector imports the orders and this tool only checks each sale it made.",
    "observe_match": "How an order is matched to the sale the other connector made.",
    "sale_number_pattern": "The other connector's sale number, {number} standing for the order number.",
    "observe_grace_minutes": "An order with no sale after this many minutes is reported.",
    "consultant": "Who the audit's sign-off report names for each accepted fix and risk; empty: your login name.",
}


class SettingsScreen(LeanScreen, Screen[None]):
    SCREEN_CSS = """
    SettingsScreen #settings-form { padding: 0 1; }
    SettingsScreen #settings-rows { height: auto; }
    SettingsScreen #settings-names { width: 30; padding: 0 1 0 0; text-align: right; color: $text-muted; }
    SettingsScreen #settings-fields { width: 1fr; height: auto; }
    SettingsScreen #settings-fields > Input, SettingsScreen #settings-fields > Select { width: 1fr; }
    SettingsScreen #field-help { height: auto; padding: 0 1; color: $text-muted; border-top: hkey $primary; }
    SettingsScreen #settings-problem { height: auto; padding: 0 1; color: $error; }
    SettingsScreen #settings-problem.-hidden { display: none; }
    """
    # No automatic focus: Textual's would focus the form's scroll container, and each focus change there
    # restyles all of the form's widgets (a third of opening the screen); on_mount focuses go-live itself.
    AUTO_FOCUS = ""
    BINDINGS = [
        keys_binding("settings"),
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("escape", "back", "Back", id="settings.back"),
    ]
    HELP = (
        "## Store settings\n\n"
        "Every choice the sync makes for this store: when an order is imported (created, paid or fulfilled), "
        "which customer it goes to, what happens to a SKU Cin7 Core does not know, the go-live date before "
        "which nothing is imported, tags that are never imported, the stock held back, how often it runs, "
        "and the service products for shipping and other charges.\n\n"
        "Values are checked as `cin7-shopify store set` and settings.json check them; a problem is named "
        "under the form and nothing is saved. Location and tax maps are changed on the mapping screen.\n\n"
        "**Ctrl+S** saves · **Escape** goes back (asks first when something changed)."
    )

    def __init__(self, entry: StoreSession) -> None:
        super().__init__()
        self.entry = entry
        self.original = self._as_text(entry.settings())

    @property
    def console(self) -> ConsoleApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        settings = self.entry.settings()
        yield Header()
        fields = [
            _widget(name, field.annotation, self.original[name])
            for name, field in StoreSettings.model_fields.items()
            if name not in ON_THE_MAPPING_SCREEN
        ]
        with VerticalScroll(id="settings-form"):
            # The names in one column beside the fields (each 3 lines tall), not a row and a label a setting: half
            # the form's widgets, each styled, laid out and painted as the screen opens.
            with Horizontal(id="settings-rows"):
                yield Static(_names_column(fields), id="settings-names")
                with Vertical(id="settings-fields"):
                    yield from fields
            yield Static(
                f"Location and tax maps: {len(settings.location_map)} locations and {len(settings.tax_map)} tax "
                "lines mapped — change them on the mapping screen (m on home).",
                id="maps-note",
            )
        yield Static("", id="field-help")
        yield Static("", id="settings-problem", classes="-hidden")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = f"Settings · {safe_text(self.entry.label)}"
        self.query_one("#go_live", Input).focus()  # the setting every go-live needs first
        self._load_customers()

    @work(exclusive=True, group="customers")
    async def _load_customers(self) -> None:
        """The default customer is picked from Cin7 Core's own customers (typed names drift)."""

        async def job() -> list[str]:
            cin7, shopify = self.entry.open_clients()
            async with cin7, shopify:
                return sorted({c.Name for c in await cin7.list_customers() if c.Name})

        await report(self, "reading Cin7 customers", job)

    @on(Loaded)
    def _customers_read(self, message: Loaded) -> None:
        names: list[str] = list(message.result)
        picker: Select[str] = self.query_one("#default_customer", Select)
        current = picker.value
        if isinstance(current, str) and current not in names:
            names.insert(0, current)
        picker.set_options([(markup(n), n) for n in names])  # a customer's name is data, never markup
        picker.value = current

    @on(Failed)
    def _customers_unread(self, message: Failed) -> None:
        self.notify(
            "Cin7 Core's customers could not be read, so only the saved default is offered: "
            + markup(message.explanation),
            title="Default customer",
            severity="warning",
        )

    def _values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for name in StoreSettings.model_fields:
            if name in ON_THE_MAPPING_SCREEN:
                continue
            widget = self.query_one(f"#{name}")
            if isinstance(widget, Select):
                values[name] = "" if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, Input):
                values[name] = widget.value
        return values

    def _as_text(self, settings: StoreSettings) -> dict[str, str]:
        data = settings.model_dump(mode="json")
        text = {}
        for name, value in data.items():
            if isinstance(value, list):
                text[name] = ", ".join(str(v) for v in value)
            elif isinstance(value, bool):
                text[name] = "true" if value else "false"
            elif value is None:
                text[name] = ""
            else:
                text[name] = str(value)
        return text

    def action_save(self) -> None:
        problem = self.query_one("#settings-problem", Static)
        try:
            updated = self.entry.settings().with_text_values(self._values(), source="settings")
            self.entry.save_settings(updated)
        except ConsoleError as exc:
            problem.update(f"Not saved: {markup(exc.explain())}")
            problem.remove_class("-hidden")
            return
        problem.add_class("-hidden")
        self.original = self._as_text(updated)
        self.notify(f"Saved the settings of {markup(self.entry.label)}.", title="Settings")
        self.app.pop_screen()

    def action_back(self) -> None:
        changed = {k: v for k, v in self._values().items() if self.original.get(k, "") != v}
        if not changed:
            self.app.pop_screen()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmScreen(
                "Leave without saving?",
                "These settings changed and are not saved: " + ", ".join(f"`{k}`" for k in changed) + ".\n\n"
                "**y** leaves them unsaved · **n** goes back to the form (Ctrl+S saves).",
            ),
            answered,
        )

    def on_descendant_focus(self) -> None:
        focused = self.focused
        name = focused.id if focused is not None else None
        self.query_one("#field-help", Static).update(FIELD_HELP.get(name or "", ""))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()


def _widget(name: str, annotation: Any, current: str) -> Input | Select[str]:
    if name == "default_customer":  # picked from Cin7 Core's customers once they are read
        return LeanSelect(
            [(markup(current), current)] if current else [], value=current or Select.NULL, prompt="none", id=name
        )
    choices = _choices(annotation)
    if choices is not None:
        words = CHOICE_WORDS.get(name, BOOL_WORDS if annotation is bool else {})
        return LeanSelect(
            [(words.get(c, c), c) for c in choices], value=current if current in choices else Select.NULL, id=name
        )
    return Input(current, placeholder=HINTS.get(name, ""), id=name)


# A field is 3 lines tall (a bordered Input or Select); its name sits on the middle line, right-aligned in the names
# column (30 wide, 1 of padding on the right), wrapped onto the line below when longer.
FIELD_LINES, NAME_WIDTH = 3, 29


def _names_column(fields: list[Input | Select[str]]) -> Content:
    lines: list[Content] = []
    for field in fields:
        name = Content(str(field.id).replace("_", " ").capitalize())
        wrapped = name.wrap(NAME_WIDTH)[: FIELD_LINES - 1]
        lines += [Content(""), *wrapped, *[Content("")] * (FIELD_LINES - 1 - len(wrapped))]
    return Content("\n").join(lines)


def _choices(annotation: Any) -> list[str] | None:
    if annotation is bool:
        return ["true", "false"]
    if get_origin(annotation) is Literal:
        return [str(a) for a in get_args(annotation)]
    return None
