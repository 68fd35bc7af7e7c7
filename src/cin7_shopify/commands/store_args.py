"""The arguments of `cin7-shopify store …`, apart from the command itself: building the command line
(every command does, to parse its own arguments) loads no model, client or keyring (see stores.py)."""

from __future__ import annotations

from typing import Any


def add_store_parser(commands: Any, *, with_arguments: bool = True) -> None:
    store = commands.add_parser("store", help="add, change, show, list, test or remove store profiles")
    if not with_arguments:  # another command is being run: `store` is only named, in --help
        return
    store_commands = store.add_subparsers(dest="store_command", metavar="STORE_COMMAND")
    add = store_commands.add_parser(
        "add",
        help="save a new store profile (secrets from the environment, stdin, or a prompt)",
        description="Save a store profile. Secrets are read from CIN7_SHOPIFY_<NAME>_CIN7_APPLICATION_KEY and "
        "CIN7_SHOPIFY_<NAME>_SHOPIFY_ACCESS_TOKEN (or _SHOPIFY_CLIENT_SECRET), else from stdin one per line, "
        "else prompted for without echo; never from the command line.",
    )
    add.add_argument("name", metavar="NAME", help="lower-case letters, digits and dashes, e.g. demo-apparel")
    add.add_argument("--shopify-domain", required=True, metavar="DOMAIN", help="e.g. demo-apparel.myshopify.com")
    add.add_argument("--cin7-account-id", required=True, metavar="ID")
    add.add_argument("--shopify-client-id", metavar="ID", help="for a client-credentials app instead of a token")
    add.add_argument("--shopify-url", metavar="URL", help="a sandbox only: the Shopify URL `sandbox serve` prints")
    add.add_argument("--cin7-url", metavar="URL", help="a sandbox only: the Cin7 Core URL `sandbox serve` prints")
    add.add_argument("--cin7-calls-per-minute", type=int, default=60, metavar="N")
    set_ = store_commands.add_parser(
        "set",
        help="change settings: store set NAME key=value ...",
        description="Change a store's settings, validated as settings.json is. Lists take commas "
        "(exclude_tags=wholesale,b2b) or JSON; a map entry is key.entry=value (tax_map.GST 10%%=GST on Income), "
        "an empty value removes it; an empty value clears an optional setting.",
    )
    set_.add_argument("name", metavar="NAME")
    set_.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    show = store_commands.add_parser("show", help="a store's profile, settings, credentials and health")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--format", choices=["text", "json"], default="text")
    listing = store_commands.add_parser("list", help="every saved store")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    test = store_commands.add_parser("test", help="test both connections of a saved store")
    test.add_argument("name", metavar="NAME")
    remove = store_commands.add_parser("remove", help="remove a profile and its saved credentials")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--yes", action="store_true", help="go ahead without asking")
