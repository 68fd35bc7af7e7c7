"""Connection setup: a store profile, its credentials (to the keyring), and a test of both sides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, Select, Static

from cin7_shopify.errors import ConsoleError
from cin7_shopify.shopify.client import normalize_shop_domain
from cin7_shopify.state.profiles import StoreProfile
from cin7_shopify.text import markup
from cin7_shopify.tui.dialogs import keys_binding, leave_if_confirmed
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.messages import Failed, Loaded
from cin7_shopify.tui.widgets.footer import Footer
from cin7_shopify.tui.widgets.select import LeanSelect
from cin7_shopify.tui.work import report
from cin7_shopify.workspace import ConnectionCheck, StoreSession, test_connection

if TYPE_CHECKING:
    from cin7_shopify.tui.app import ConsoleApp


class ConnectionScreen(LeanScreen, Screen[None]):
    SCREEN_CSS = """
    ConnectionScreen #form { padding: 0 1; }
    ConnectionScreen .row { height: 3; }
    ConnectionScreen .row > Label { width: 24; padding: 1 1 0 0; text-align: right; color: $text-muted; }
    ConnectionScreen .row > Input, ConnectionScreen .row > Select { width: 1fr; }
    ConnectionScreen #buttons { height: 3; margin-top: 1; }
    ConnectionScreen #buttons Button { margin-right: 2; }
    ConnectionScreen #result { margin: 1 0; padding: 0 1; border: round $secondary; height: auto; }
    ConnectionScreen .-hidden { display: none; }
    ConnectionScreen #keyring-note { height: auto; color: $warning; padding: 0 1; }
    """
    # No automatic focus: Textual's would focus the form's scroll container and on_mount then moves it to a field,
    # and each of the two focus changes restyles all of the form's 35 widgets (as Settings does).
    AUTO_FOCUS = ""
    BINDINGS = [
        keys_binding("connection"),
        Binding("ctrl+t", "test", "Test connection", id="connection.test"),
        Binding("ctrl+s", "save", "Save", id="connection.save"),
        Binding("escape", "back", "Back", id="connection.back"),
    ]
    HELP = (
        "## Connection setup\n\n"
        "A store profile joins one Shopify store to one Cin7 Core account. Several stores may use the same "
        "Cin7 Core account; each keeps its own settings.\n\n"
        "- **Shopify**: the permanent domain (*name*.myshopify.com) and either an Admin API access token "
        "(shpat_…) or the client id and secret of an app you own.\n"
        "- **Cin7 Core**: Integrations → API: the Account ID and an Application Key.\n\n"
        "**Ctrl+T** tests both sides without saving: shop, plan, API version and granted scopes; Cin7 company "
        "and currency; and names any missing scope or refused credential. **Ctrl+S** saves: credentials go to "
        "the operating system's keyring, never to a file. Left blank when editing, a secret stays as saved."
    )

    def __init__(self, entry: StoreSession | None) -> None:
        super().__init__()
        self.entry = entry

    @property
    def console(self) -> ConsoleApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        profile = self.entry.profile if self.entry else None
        yield Header()
        with VerticalScroll(id="form"):
            # Said in the form, not in a toast over it: the form stays readable.
            yield Static(markup(self.console.workspace.secrets_notice or ""), id="keyring-note")
            yield from _row(
                "Profile name",
                Input(
                    profile.name if profile else "",
                    placeholder="e.g. demo-apparel",
                    id="name",
                    disabled=profile is not None,
                ),
            )
            yield from _row(
                "Shop domain",
                Input(profile.shop_domain if profile else "", placeholder="name.myshopify.com", id="shop"),
            )
            yield from _row(
                "Shopify access",
                LeanSelect(
                    [("Admin API access token", "token"), ("App client id + secret", "client_credentials")],
                    value=profile.shopify_auth if profile else "token",
                    allow_blank=False,
                    id="auth",
                ),
            )
            yield from _row("Access token", Input(password=True, placeholder=_kept(profile), id="token"))
            yield from _row(
                "Client id", Input(profile.shopify_client_id or "" if profile else "", id="client_id"), hidden=True
            )
            yield from _row(
                "Client secret", Input(password=True, placeholder=_kept(profile), id="client_secret"), hidden=True
            )
            yield from _row("Cin7 account id", Input(profile.cin7_account_id if profile else "", id="account"))
            yield from _row("Cin7 application key", Input(password=True, placeholder=_kept(profile), id="key"))
            with Horizontal(id="buttons"):
                yield Button("Test connection", id="test", variant="primary")
                yield Button("Save", id="save", variant="success")
                yield Button("Cancel", id="cancel")
            yield Static("", id="result", classes="-hidden")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = f"Edit {self.entry.name}" if self.entry else "Add a store"
        self._show_auth(str(self.query_one("#auth", Select).value))
        self.query_one("#keyring-note").set_class(not self.console.workspace.secrets_notice, "-hidden")
        # A form opens with a field focused, so typing (even a q) goes into it.
        self.query_one("#shop" if self.entry else "#name", Input).focus()
        self.initial = self._typed()

    def _typed(self) -> dict[str, str]:
        return {str(field.id): field.value for field in self.query(Input)}

    def action_back(self) -> None:
        if self._typed() == getattr(self, "initial", {}):
            self.app.pop_screen()
            return

        leave_if_confirmed(
            self,
            "The form has changes that are not saved.\n\n**y** leaves them · **n** goes back (Ctrl+S saves).",
        )

    @on(Select.Changed, "#auth")
    def _auth_changed(self, event: Select.Changed) -> None:
        self._show_auth(str(event.value))

    def _show_auth(self, auth: str) -> None:
        self.query_one("#row-token").set_class(auth != "token", "-hidden")
        self.query_one("#row-client_id").set_class(auth == "token", "-hidden")
        self.query_one("#row-client_secret").set_class(auth == "token", "-hidden")

    @on(Input.Blurred, "#shop")
    def _check_domain(self, event: Input.Blurred) -> None:
        if event.value.strip():
            try:
                event.input.value = normalize_shop_domain(event.value)
            except ConsoleError as exc:
                self.notify(markup(exc.explain()), title="Shop domain", severity="warning")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        {"test": self.action_test, "save": self.action_save, "cancel": self.action_back}[str(event.button.id)]()

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def _secret(self, field: str, name: str) -> str:
        typed = self._value(field)
        if typed or self.entry is None:
            return typed
        saved = self.console.workspace.secrets.get(self.entry.name, name)
        return saved.get_secret_value() if saved else ""

    def _profile(self) -> StoreProfile:
        auth = str(self.query_one("#auth", Select).value)
        data = {
            "name": self._value("name"),
            "shop_domain": self._value("shop"),
            "shopify_auth": auth,
            "shopify_client_id": self._value("client_id") or None,
            "cin7_account_id": self._value("account"),
        }
        if self.entry is not None:
            data = {**self.entry.profile.model_dump(), **data}
        try:
            return StoreProfile.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = {"name": "Profile name", "shop_domain": "Shop domain", "cin7_account_id": "Cin7 account id"}.get(
                str(error["loc"][0]), str(error["loc"][0])
            )
            raise ConsoleError(f"{field}: {str(error['msg']).removeprefix('Value error, ')}.") from None

    def _secrets(self, profile: StoreProfile) -> dict[str, str]:
        secrets = {"cin7_application_key": self._secret("key", "cin7_application_key")}
        if profile.shopify_auth == "token":
            secrets["shopify_access_token"] = self._secret("token", "shopify_access_token")
        else:
            secrets["shopify_client_secret"] = self._secret("client_secret", "shopify_client_secret")
        return secrets

    def action_test(self) -> None:
        try:
            profile = self._profile()
            secrets = self._secrets(profile)
        except ConsoleError as exc:
            self.notify(markup(exc.explain()), title="Check the form", severity="error")
            return
        missing = [name for name, value in secrets.items() if not value]
        if missing:
            self.notify(f"Enter the {', '.join(m.replace('_', ' ') for m in missing)} first.", severity="error")
            return
        self._test(profile, secrets)

    @work(exclusive=True, group="test")
    async def _test(self, profile: StoreProfile, secrets: dict[str, str]) -> None:
        async def job() -> ConnectionCheck:
            cin7, shopify = self.console.workspace.clients_for(profile, secrets)
            async with cin7, shopify:
                return await test_connection(cin7, shopify)

        self.notify("Testing both connections…")
        await report(self, "testing the connection", job)

    @on(Loaded)
    def _tested(self, message: Loaded) -> None:
        check: ConnectionCheck = message.result
        lines = []
        if check.shop_name:
            lines.append(
                f"[b]Shopify[/b]  {markup(check.shop_name)} · plan {markup(check.plan or '?')} · "
                f"API {markup(check.api_version)} · "
                f"{len(check.scopes)} scopes granted"
            )
        if check.cin7_company:
            lines.append(f"[b]Cin7 Core[/b] {markup(check.cin7_company)} · base currency {markup(check.cin7_currency)}")
        lines += [f"[b $error]✗[/] {markup(problem)}" for problem in check.problems]
        lines += [f"[b $warning]![/] {markup(warning)}" for warning in check.scope_warnings]
        if check.missing_scopes or check.scope_warnings:
            lines.append("Grant the missing scopes to the app in Shopify and install it again.")
        if check.ok:
            lines.append("[b $success]✓ Both connections work.[/] Save to keep this profile.")
        result = self.query_one("#result", Static)
        result.update("\n".join(lines))
        result.remove_class("-hidden")
        self.call_after_refresh(result.scroll_visible, animate=False)  # below the fold at 80x24

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(markup(message.explanation), title="Test failed", severity="error", timeout=10)

    def action_save(self) -> None:
        try:
            profile = self._profile()
            secrets = self._secrets(profile)
            missing = [name for name, value in secrets.items() if not value]
            if missing:
                raise ConsoleError(f"Enter the {', '.join(m.replace('_', ' ') for m in missing)}.")
            self.console.workspace.save_profile(profile, secrets)
        except ConsoleError as exc:
            self.notify(markup(exc.explain()), title="Not saved", severity="error", timeout=15)
            return
        self.notify(f"Saved {profile.name}; its credentials are in the keyring.", title="Saved")
        self.app.pop_screen()
        from cin7_shopify.tui.screens.home import HomeScreen

        if isinstance(self.app.screen, HomeScreen):
            self.app.screen.reload_stores()


def _row(label: str, widget: Input | Select[str], *, hidden: bool = False) -> ComposeResult:
    with Horizontal(classes="row -hidden" if hidden else "row", id=f"row-{widget.id}"):
        yield Label(label)
        yield widget


def _kept(profile: StoreProfile | None) -> str:
    return "(unchanged)" if profile else ""
