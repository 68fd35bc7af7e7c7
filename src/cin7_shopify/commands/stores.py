"""`cin7-shopify store add|set|show|list|remove|test`: store profiles from the command line.

Secrets are never command-line arguments (they would sit in the shell history and the process
list): each is read from its documented environment variable, else from stdin when it is piped
(one per line: the Cin7 Core application key, then the Shopify access token or client secret),
else prompted for without echo.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from cin7_shopify.commands.output import emit
from cin7_shopify.errors import EXIT_BLOCKING, EXIT_CANNOT_RUN, EXIT_OK, ConsoleError
from cin7_shopify.secrets import environment_variable
from cin7_shopify.settings import SettingsError
from cin7_shopify.state.profiles import StoreProfile
from cin7_shopify.workspace import StoreSession, Workspace

# Profile fields `store set` may change besides the sync settings (never a secret).
PROFILE_KEYS = {
    "cin7_calls_per_minute": "Cin7 calls a minute this store may use (Cin7 allows 60 per account)",
    "api_version": "the Shopify Admin API version, e.g. 2026-10",
    "shopify_client_id": "the app's client id (client-credentials apps)",
    "shopify_url": "a sandbox's Shopify URL, as `sandbox serve` prints it",
    "cin7_url": "a sandbox's Cin7 Core URL, as `sandbox serve` prints it",
}
SECRET_LABELS = {
    "cin7_application_key": "Cin7 Core application key",
    "shopify_access_token": "Shopify access token",
    "shopify_client_secret": "Shopify client secret",
}
_API_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")


def run_store_command(args: argparse.Namespace) -> int:
    workspace = Workspace()
    command = args.store_command
    if command == "add":
        return _add(workspace, args)
    if command == "set":
        return _set(workspace, args.name, args.assignments)
    if command == "show":
        return _show(workspace.session(args.name), args.format)
    if command == "list":
        return _list(workspace, args.format)
    if command == "test":
        return _test(workspace.session(args.name))
    if command == "remove":
        return _remove(workspace, args.name, args.yes)
    raise ConsoleError("Say what to do with stores.", hint="See `cin7-shopify store --help`.")


# -- add ------------------------------------------------------------------------------------


def _add(workspace: Workspace, args: argparse.Namespace) -> int:
    if any(p.name == args.name for p in workspace.profiles.list()):
        raise ConsoleError(
            f"A store named '{args.name}' exists already.",
            hint=f"Change it with `cin7-shopify store set {args.name} …`, or remove it first.",
        )
    fields: dict[str, Any] = {
        "name": args.name,
        "shop_domain": args.shopify_domain,
        "cin7_account_id": args.cin7_account_id,
        "cin7_calls_per_minute": args.cin7_calls_per_minute,
    }
    if args.shopify_client_id:
        fields.update(shopify_auth="client_credentials", shopify_client_id=args.shopify_client_id)
    if args.shopify_url:
        fields.update(shopify_urls(args.shopify_url))
    if args.cin7_url:
        fields["cin7_base_url"] = cin7_url(args.cin7_url)
    profile = validate_profile(fields)
    names = ["cin7_application_key"]
    names.append("shopify_client_secret" if profile.shopify_auth == "client_credentials" else "shopify_access_token")
    secrets = read_secrets(profile.name, names)
    from_environment = workspace.save_profile(profile, secrets)
    where = (
        "its credentials come from " + ", ".join(from_environment) + " (no keyring here)"
        if from_environment
        else "its credentials are in the keyring"
    )
    print(f"Saved store '{profile.name}'; {where}.", file=sys.stderr)
    print(f"Next: `cin7-shopify store test {profile.name}`, then `cin7-shopify store set {profile.name} go_live=…`.")
    return EXIT_OK


def shopify_urls(url: str) -> dict[str, str]:
    """`sandbox serve`'s Shopify URL (…/admin/api/2026-10/graphql.json) or a bare base URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConsoleError(
            f"--shopify-url '{url}' is not an http(s) URL.",
            hint="Copy it as `cin7-shopify sandbox serve` prints it, e.g. "
            "http://127.0.0.1:8765/admin/api/2026-10/graphql.json",
        )
    fields = {"shopify_base_url": f"{parts.scheme}://{parts.netloc}"}
    path = parts.path.rstrip("/")
    if path:
        match = _API_PATH.match(path)
        if not match:
            raise ConsoleError(
                f"--shopify-url '{url}' does not end in /admin/api/VERSION/graphql.json.",
                hint="Copy it as `cin7-shopify sandbox serve` prints it.",
            )
        fields["api_version"] = match.group(1)
    return fields


def cin7_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConsoleError(
            f"--cin7-url '{url}' is not an http(s) URL.",
            hint="Copy it as `cin7-shopify sandbox serve` prints it, e.g. http://127.0.0.1:8765/ExternalApi/v2/",
        )
    return url.strip() if url.strip().endswith("/") else url.strip() + "/"


def validate_profile(fields: dict[str, Any]) -> StoreProfile:
    try:
        return StoreProfile.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise ConsoleError(f"{where}: {str(error['msg']).removeprefix('Value error, ')}.") from None


def read_secrets(profile: str, names: list[str]) -> dict[str, str]:
    """Each secret from its environment variable, else a piped stdin line, else a prompt without echo."""
    import os

    found: dict[str, str] = {}
    piped = not sys.stdin.isatty()
    for name in names:
        variable = environment_variable(profile, name)
        value = os.environ.get(variable, "")
        if not value and piped:
            value = sys.stdin.readline().strip()
        elif not value:
            value = getpass.getpass(f"{SECRET_LABELS[name]} (not shown): ").strip()
        if not value:
            raise ConsoleError(
                f"No {SECRET_LABELS[name]} given.",
                hint=f"Set {variable}, pipe it on stdin, or type it at the prompt. Nothing was saved.",
            )
        found[name] = value
    return found


# -- set --------------------------------------------------------------------------------------


def _set(workspace: Workspace, name: str, assignments: list[str]) -> int:
    session = workspace.session(name)
    if session.kind != "live":
        raise ConsoleError(f"'{name}' is a sandbox store; its settings come from its scenario's settings.json.")
    profile = session.profile
    profile_fields: dict[str, Any] = {}
    typed: dict[str, str] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SettingsError(f"'{assignment}' is not KEY=VALUE.", hint="e.g. order_trigger=paid")
        if key in PROFILE_KEYS:
            profile_fields.update(_profile_value(key, value))
        else:
            typed[key] = value
    updated = profile.settings.with_text_values(typed, source="store set")
    new_profile = validate_profile({**profile.model_dump(mode="json"), **profile_fields, "settings": updated})
    workspace.profiles.save(new_profile)
    for assignment in assignments:
        print(f"set {assignment.split('=', 1)[0].strip()}", file=sys.stderr)
    return EXIT_OK


def _profile_value(key: str, value: str) -> dict[str, Any]:
    if key == "shopify_url":
        return shopify_urls(value) if value.strip() else {"shopify_base_url": None}
    if key == "cin7_url":
        return {"cin7_base_url": cin7_url(value) if value.strip() else None}
    return {key: value.strip() or None}


# -- show, list, test, remove ---------------------------------------------------------------------


def store_facts(session: StoreSession) -> dict[str, Any]:
    """Everything `store show` tells, secrets only by where they come from."""
    profile = session.profile
    workspace = session.workspace
    names = ["cin7_application_key"]
    names.append("shopify_client_secret" if profile.shopify_auth == "client_credentials" else "shopify_access_token")
    credentials = {}
    for name in names:
        variable = environment_variable(profile.name, name)
        if workspace.secrets.get(profile.name, name) is None:
            credentials[name] = f"missing: set {variable}"
        else:
            credentials[name] = f"environment ({variable})" if workspace.secrets_notice else "keyring"
    health = session.status().health
    return {
        "name": profile.name,
        "shop_domain": profile.shop_domain,
        "shopify_auth": profile.shopify_auth,
        "shopify_client_id": profile.shopify_client_id,
        "api_version": profile.api_version,
        "cin7_account_id": profile.cin7_account_id,
        "cin7_calls_per_minute": profile.cin7_calls_per_minute,
        "shopify_url": profile.shopify_base_url,
        "cin7_url": profile.cin7_base_url,
        "settings": profile.settings.model_dump(mode="json"),
        "credentials": credentials,
        "folder": str(session.folder),
        "health": health.__dict__ if health else None,
    }


def _show(session: StoreSession, fmt: str) -> int:
    facts = store_facts(session)
    if fmt == "json":
        emit(json.dumps(facts, indent=2, ensure_ascii=False) + "\n", None)
        return EXIT_OK
    width = max(len(k) for k in facts)
    for key, value in facts.items():
        if key in {"settings", "credentials", "health"}:
            continue
        print(f"{key:<{width}}  {value if value is not None else '—'}")
    print("credentials:")
    for key, value in facts["credentials"].items():
        print(f"  {key:<24} {value}")
    print("settings:")
    for key, value in facts["settings"].items():
        print(f"  {key:<28} {json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}")
    health = facts["health"]
    if health:
        state = "ok" if health["last_pass_ok"] else f"FAILED: {health['last_error']}"
        print(f"last sync pass: {health['last_pass_end']} ({state}); {health['held']} held")
    else:
        print("last sync pass: none yet")
    return EXIT_OK


def _list(workspace: Workspace, fmt: str) -> int:
    sessions = [s for s in workspace.stores() if s.kind == "live"]
    if fmt == "json":
        emit(json.dumps([store_facts(s) for s in sessions], indent=2, ensure_ascii=False) + "\n", None)
        return EXIT_OK
    if not sessions:
        print("No saved stores. Add one with `cin7-shopify store add`.", file=sys.stderr)
        return EXIT_OK
    print(f"{'STORE':<24} {'SHOPIFY':<36} {'CIN7 ACCOUNT':<38} LAST SYNC PASS")
    for session in sessions:
        health = session.status().health
        last = f"{health.last_pass_end} {'ok' if health.last_pass_ok else 'failed'}" if health else "—"
        print(f"{session.name:<24} {session.profile.shop_domain:<36} {session.profile.cin7_account_id:<38} {last}")
    return EXIT_OK


def _test(session: StoreSession) -> int:
    import asyncio

    check = asyncio.run(session.test_connection())
    if check.shop_name:
        print(f"Shopify    {check.shop_name} · plan {check.plan or '?'} · API {check.api_version}")
    if check.cin7_company:
        print(f"Cin7 Core  {check.cin7_company} · base currency {check.cin7_currency}")
    for problem in check.problems:
        print(f"✗ {problem}")
    for warning in check.scope_warnings:
        print(f"! {warning}")
    if check.ok:
        print("✓ Both connections work.")
        return EXIT_OK
    return EXIT_BLOCKING if not check.problems else EXIT_CANNOT_RUN


def _remove(workspace: Workspace, name: str, yes: bool) -> int:
    session = workspace.session(name)
    if session.kind != "live":
        raise ConsoleError(f"'{name}' is a sandbox store, not a saved profile.")
    if not yes:
        if not sys.stdin.isatty():
            print("Nothing was removed: add --yes to remove without asking.", file=sys.stderr)
            return EXIT_CANNOT_RUN
        answer = input(f"Remove store '{name}' and its saved credentials? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("Nothing was removed.", file=sys.stderr)
            return EXIT_OK
    workspace.remove_profile(name)
    print(f"Removed '{name}'. Its ledger and error journal stay in {session.folder}.", file=sys.stderr)
    return EXIT_OK
