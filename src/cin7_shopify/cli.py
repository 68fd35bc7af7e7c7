"""The command line. Each command parses its arguments, asks a store session, and formats the answer.

Every command prints a one-line explanation and exits 2 when it cannot run; never a traceback (an
unexpected error's traceback goes to the log file, which the line names).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cin7_shopify import __version__
from cin7_shopify.errors import EXIT_CANNOT_RUN, EXIT_INTERRUPTED, EXIT_OK, ConsoleError
from cin7_shopify.text import safe_text

if TYPE_CHECKING:
    from cin7_shopify.tui.app import ConsoleApp, StoresLoader

log = logging.getLogger("cin7_shopify.cli")


def _number_in(kind: Callable[[str], float], low: float, high: float | None = None) -> Callable[[str], float]:
    """An argparse type that refuses numbers out of range, naming the range."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if value != value or value < low or (high is not None and value > high):  # NaN fails too
            span = f"{_plain(low)} to {_plain(high)}" if high is not None else f"{_plain(low)} or more"
            raise argparse.ArgumentTypeError(f"{text} is out of range: use {span}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def _plain(number: float) -> str:
    return f"{int(number):,}" if float(number).is_integer() else f"{number:g}"


# Built once a process for each command: parse_args leaves the parser as it was. The console and a test process
# call main() many times.
@cache
def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; given the `command` being run, only its own arguments are added. The others are named
    with their help (what `--help` lists) and left empty: building all of them took ~15 ms of CPU, most of it
    argparse looking for a translation of its messages on disk, once for each of ~60 parsers."""

    def wanted(name: str) -> bool:
        return command is None or command == name

    parser = argparse.ArgumentParser(
        prog="cin7-shopify",
        description="Set up, run, check and troubleshoot the Cin7 Core ↔ Shopify sync.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="open the console on the bundled sample store (no credentials, no network)")
    if wanted("demo"):
        demo.add_argument("--scenario", type=Path, metavar="DIR", help="a scenario folder instead of the demo store")
        demo.add_argument(
            "--real-time",
            action="store_true",
            help="wait out Cin7's 60 calls a minute in real time (by default the sandboxes run on a simulated "
            "clock: the limits hold, the waits take no time)",
        )

    from cin7_shopify.commands.store_args import add_store_parser

    add_store_parser(commands, with_arguments=wanted("store"))

    audit = commands.add_parser(
        "audit",
        help="pre-go-live check of SKUs, locations and taxes, with a go/no-go verdict",
        description="Compare the Shopify catalogue with Cin7 Core and report everything that would stop the sync. "
        "Exit status: 0 nothing blocking, 1 blockers found, 2 the audit could not run.",
    )
    source = audit.add_mutually_exclusive_group(required=True)
    source.add_argument("--store", metavar="NAME", help="a saved store profile (reads both APIs)")
    source.add_argument("--scenario", type=Path, metavar="DIR", help="a scenario folder, through the sandboxes")
    source.add_argument("--shopify-csv", type=Path, metavar="FILE", help="Shopify's product CSV export")
    audit.add_argument("--cin7-csv", type=Path, metavar="FILE", help="Cin7 Core's product CSV export")
    audit.add_argument("--cin7-stock-csv", type=Path, metavar="FILE", help="Cin7 Core's product availability export")
    audit.add_argument("--settings", type=Path, metavar="FILE", help="settings.json with the saved mappings (CSV mode)")
    audit.add_argument("--format", choices=["md", "json", "csv"], default="md")
    audit.add_argument("--out", type=Path, metavar="FILE", help="write the report here instead of stdout")
    audit.add_argument("--fix-csv", type=Path, metavar="FILE", help="also write a Shopify product CSV fixing SKUs")

    mapping = commands.add_parser("mapping", help="show or approve the location and tax mappings of a store")
    if wanted("mapping"):
        mapping_commands = mapping.add_subparsers(dest="mapping_command", metavar="MAPPING_COMMAND")
        show = mapping_commands.add_parser("show", help="saved mappings beside what the audit proposes")
        show.add_argument("--store", required=True, metavar="NAME")
        approve = mapping_commands.add_parser("approve", help="save proposed mappings to the store profile")
        approve.add_argument("--store", required=True, metavar="NAME")
        approve.add_argument(
            "--location", action="append", metavar="ID_OR_NAME", help="a Shopify location (repeatable)"
        )
        approve.add_argument(
            "--tax", action="append", metavar="LINE", help='a tax line such as "GST 10%%" (repeatable)'
        )
        approve.add_argument("--all", action="store_true", help="every proposal that has a target")
        approve.add_argument("--min-confidence", type=_number_in(float, 0, 1), default=0.0, metavar="0..1")

    pilot = commands.add_parser("pilot", help="place or pick test orders and trace each one end to end")
    if wanted("pilot"):
        pilot_source = pilot.add_mutually_exclusive_group(required=True)
        pilot_source.add_argument("--store", metavar="NAME", help="a saved store (a development store for placing)")
        pilot_source.add_argument(
            "--scenario", type=Path, metavar="DIR", help="trace a scenario's orders in the sandboxes"
        )
        pilot.add_argument(
            "--place", type=_number_in(int, 0, 50), default=0, metavar="N", help="place N test orders instead"
        )
        pilot.add_argument("--format", choices=["text", "json"], default="text")
        pilot.add_argument("--signoff", type=Path, metavar="FILE", help="write the Markdown sign-off for the client")
        pilot.add_argument(
            "--play-warehouse",
            action="store_true",
            help="sandbox stores only: pick, pack and ship in Cin7 Core as the warehouse would",
        )
        pilot.add_argument(
            "--wait",
            type=_number_in(int, 0, 24 * 60),
            default=0,
            metavar="MINUTES",
            help="watch up to MINUTES for the warehouse to ship the test orders in Cin7 Core",
        )
        pilot.add_argument(
            "--clean-up",
            action="store_true",
            help="cancel the pilot's test orders in Shopify and void or credit their Cin7 Core sales "
            "(lists them first)",
        )
        pilot.add_argument("--yes", action="store_true", help="with --clean-up: go ahead without asking")

    sync = commands.add_parser("sync", help="run the sync of a store: orders in, stock out, fulfilment back")
    if wanted("sync"):
        sync_commands = sync.add_subparsers(dest="sync_command", metavar="SYNC_COMMAND")
        sync_run = sync_commands.add_parser(
            "run",
            help="poll and sync until Ctrl-C or SIGTERM (or once)",
            description="Run the sync. --all runs every saved store in one process, sharing one Cin7 budget per "
            "account (what the systemd unit and the container run). Exit 2 when a pass could not run.",
        )
        which = sync_run.add_mutually_exclusive_group(required=True)
        which.add_argument("--store", metavar="NAME")
        which.add_argument("--all", action="store_true", help="every saved store")
        sync_run.add_argument("--once", action="store_true", help="one pass of each, then exit")
        sync_health = sync_commands.add_parser(
            "health",
            help="is each store's sync alive and well? (for monitors; exit 1 when not)",
            description="Reads each store's health file (written after every pass). Exit 0 every store's last pass "
            "went through within --max-age-minutes, 1 one did not (failed, stale, never ran), 2 no stores.",
        )
        sync_health.add_argument("--store", metavar="NAME", help="one store (default: every saved store)")
        sync_health.add_argument("--max-age-minutes", type=_number_in(int, 1, 7 * 24 * 60), default=15, metavar="N")
        sync_health.add_argument("--format", choices=["text", "json"], default="text")

    service = commands.add_parser(
        "service", help="print the systemd unit or the container file that runs the sync as a service"
    )
    service.add_argument("what", choices=["systemd", "containerfile"])

    backfill = commands.add_parser("backfill", help="import past orders (before go-live) on request")
    if wanted("backfill"):
        backfill.add_argument("--store", required=True, metavar="NAME")
        backfill.add_argument("--since", required=True, metavar="DATE")
        backfill.add_argument("--format", choices=["text", "json"], default="text")

    stock = commands.add_parser("stock", help="plan, push or roll back Cin7 → Shopify stock levels")
    if wanted("stock"):
        stock_commands = stock.add_subparsers(dest="stock_command", metavar="STOCK_COMMAND")
        stock_plan = stock_commands.add_parser("plan", help="what a push would change, without writing")
        stock_plan.add_argument("--store", required=True, metavar="NAME")
        stock_plan.add_argument("--format", choices=["text", "json"], default="text")
        stock_push = stock_commands.add_parser("push", help="write the differences (snapshot first)")
        stock_push.add_argument("--store", required=True, metavar="NAME")
        stock_push.add_argument("--force", action="store_true", help="even if many items would go to zero")
        stock_rollback = stock_commands.add_parser("rollback", help="restore the levels a push changed")
        stock_rollback.add_argument("--store", required=True, metavar="NAME")
        stock_rollback.add_argument("snapshot", metavar="SNAPSHOT")

    errors = commands.add_parser("errors", help="the store's error journal (like tail)")
    if wanted("errors"):
        errors.add_argument("--store", required=True, metavar="NAME")
        errors.add_argument("--follow", "-f", action="store_true")
        errors.add_argument("--kind", metavar="KIND")
        errors.add_argument("--all", action="store_true", help="resolved entries too")
        errors.add_argument("--format", choices=["text", "json"], default="text")

    reconcile = commands.add_parser("reconcile", help="orders and stock that disagree between the two systems")
    if wanted("reconcile"):
        reconcile.add_argument("--store", required=True, metavar="NAME")
        reconcile.add_argument("--since", required=True, metavar="DATE")
        reconcile.add_argument("--format", choices=["md", "json", "csv"], default="md")
        reconcile.add_argument("--out", type=Path, metavar="FILE")

    cutover = commands.add_parser(
        "cutover", help="move a store from another integration (Cin7's own connector) to this sync at one moment"
    )
    cutover.add_argument("cutover_command", choices=["plan", "check"], help="plan: what happens at TIME; check: after")
    cutover_source = cutover.add_mutually_exclusive_group(required=True)
    cutover_source.add_argument("--store", metavar="NAME")
    cutover_source.add_argument("--scenario", type=Path, metavar="DIR", help="a scenario folder in the sandboxes")
    cutover.add_argument("--at", required=True, metavar="TIME", help="the cut-over moment, e.g. 2026-12-01T09:00:00Z")
    cutover.add_argument("--format", choices=["text", "json"], default="text")

    digest = commands.add_parser(
        "digest",
        help="weekly digest of every saved store (or one): held orders, errors, stock, calls, deadlines",
        description="Reads what the sync recorded; calls neither API. Exit 1 when a store's Shopify API version "
        "is past its support window.",
    )
    digest.add_argument("--since", default="7d", metavar="PERIOD", help="7d, 2w, 48h or a date (default 7d)")
    digest.add_argument("--store", metavar="NAME", help="one store (default: every saved store)")
    digest.add_argument("--format", choices=["md", "html", "json"], default="md")
    digest.add_argument("--out", type=Path, metavar="FILE", help="write the digest here instead of stdout")

    health = commands.add_parser(
        "health",
        help="API health of a store: version support window, deprecations, scopes, Cin7 answers",
        description="Exit 1 when the pinned Shopify API version is past its support window or a needed scope "
        "is missing. For the sync's liveness see `sync health`.",
    )
    health.add_argument("--store", required=True, metavar="NAME")
    health.add_argument("--format", choices=["text", "json"], default="text")

    why = commands.add_parser("why", help="why a SKU shows what it shows in Shopify; where an order is")
    if wanted("why"):
        why_commands = why.add_subparsers(dest="why_command", metavar="WHY_COMMAND")
        why_sku = why_commands.add_parser(
            "sku",
            help="for each mapped location: Shopify's figure, Cin7's, orders in flight, our last write, "
            "changes by hand",
        )
        why_sku.add_argument("sku", metavar="SKU")
        why_order = why_commands.add_parser("order", help="an order's story across Shopify, Cin7 Core and the sync")
        why_order.add_argument("name", metavar="NAME", help="the Shopify order name, e.g. #1001")
        for why_parser in (why_sku, why_order):
            why_source = why_parser.add_mutually_exclusive_group(required=True)
            why_source.add_argument("--store", metavar="NAME", help="a saved store")
            why_source.add_argument(
                "--scenario", type=Path, metavar="DIR", help="a scenario in the sandboxes, after one pass of the sync"
            )
            why_parser.add_argument("--format", choices=["text", "json"], default="text")

    plan = commands.add_parser("plan", help="plan for a peak: Cin7 calls, import lag and intervals at a load")
    if wanted("plan"):
        plan_commands = plan.add_subparsers(dest="plan_command", metavar="PLAN_COMMAND")
        capacity = plan_commands.add_parser(
            "capacity",
            help="predict Cin7 calls a minute, order import lag and stock push time at a load; rehearse it",
            description="Predicts the hour at the load from the sync's own call counts and Cin7's 60 calls a minute, "
            "then runs the same hour through both sandboxes on the simulated clock and prints the two side by side.",
        )
        capacity_source = capacity.add_mutually_exclusive_group(required=True)
        capacity_source.add_argument("--store", metavar="NAME", help="a saved store: its settings and catalogue size")
        capacity_source.add_argument(
            "--scenario", type=Path, metavar="DIR", help="a scenario folder (e.g. the demo store)"
        )
        capacity.add_argument("--orders-per-hour", type=_number_in(int, 1, 100_000), required=True, metavar="N")
        capacity.add_argument(
            "--new-customers", type=_number_in(float, 0, 100), default=30.0, metavar="P", help="percent (default 30)"
        )
        capacity.add_argument("--stock-changes-per-hour", type=_number_in(int, 0, 1_000_000), default=0, metavar="M")
        capacity.add_argument(
            "--stores", type=_number_in(int, 1, 50), default=1, metavar="K", help="stores on the same Cin7 account"
        )
        capacity.add_argument("--no-rehearsal", action="store_true", help="the prediction only (no sandbox run)")
        capacity.add_argument("--format", choices=["text", "json"], default="text")

    sandbox = commands.add_parser("sandbox", help="local emulators of the Cin7 Core and Shopify APIs")
    if wanted("sandbox"):
        sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", metavar="SANDBOX_COMMAND")
        serve = sandbox_commands.add_parser("serve", help="serve both APIs over HTTP, seeded from a scenario folder")
        serve.add_argument("--scenario", type=Path, default=None, help="scenario folder (default: the demo store)")
        serve.add_argument("--port", type=_number_in(int, 1, 65535), default=8765)
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument(
            "--cin7-throttle",
            choices=["429", "503", "400", "403"],
            default="429",
            help="how Cin7 answers past its call limit (default 429)",
        )
        serve.add_argument(
            "--cin7-calls-per-minute",
            type=_number_in(int, 1, 100_000),
            default=60,
            metavar="N",
            help="Cin7's limit per account (default 60, as the real API)",
        )
        serve.add_argument(
            "--shopify-restore-rate",
            type=_number_in(float, 1, 100_000),
            default=100.0,
            metavar="POINTS",
            help="Shopify's query-cost restore rate per second (Standard 100, Advanced 200, Plus 1000)",
        )
        generate = sandbox_commands.add_parser("generate", help="write a large deterministic scenario")
        generate.add_argument("--variants", type=_number_in(int, 1, 1_000_000), required=True)
        generate.add_argument("--out", type=Path, required=True)
        generate.add_argument("--seed", type=int, default=7)
        check = sandbox_commands.add_parser("check", help="validate a scenario folder")
        check.add_argument("--scenario", type=Path, required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # The tool uses no pydantic plugin; looking for one reads the metadata of every installed package
    # (importlib.metadata, about 70 ms of CPU) before the first model is built. Set it to "" to look again.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    parser = build_parser(_command_named(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has said what is wrong (exit 2) or printed help (exit 0)
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_CANNOT_RUN
    from cin7_shopify.logs import configure_logging, reset_logging

    log_path = configure_logging(to_stderr=args.command == "sync")
    try:
        return _dispatch(parser, args)
    except ConsoleError as exc:
        log.info("could not run: %s", exc.explain(), extra={"file_only": True})
        print(f"error: {safe_text(exc.explain())}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`… | head`): nothing more to say to it
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # last line of defence: one line here, the traceback in the log
        log.exception("unexpected error in %s", args.command or "cin7-shopify", extra={"file_only": True})
        where = f" (details in {log_path})" if log_path else ""
        print(f"error: unexpected {type(exc).__name__}: {safe_text(exc)}{where}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    finally:
        reset_logging()


def _command_named(argv: Sequence[str]) -> str | None:
    """The command the arguments name (the first that is not an option: the tool itself has no option that
    takes a value). A word that names no command builds no command's arguments, and argparse says so."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def _silence_stdout() -> None:
    """Point stdout at nowhere, so the interpreter's final flush cannot raise a second BrokenPipeError."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _store_named(args: argparse.Namespace) -> str | None:
    """The saved store a command works on, if it names one (`store add` names one it is to make)."""
    if args.command == "store":
        return getattr(args, "name", None) if args.store_command in {"show", "set", "test", "remove"} else None
    store = getattr(args, "store", None)
    return store if isinstance(store, str) else None


def _refuse_unknown_store(args: argparse.Namespace) -> None:
    """A store name that no profile has is refused before the command loads its models and clients
    (a typo is answered in milliseconds); a profile file this cannot read plainly is left to the command."""
    name = _store_named(args)
    if name is None:
        return
    from cin7_shopify.state.profile_names import saved_profile_names, unknown_store

    saved = saved_profile_names()
    if saved is not None and name not in saved:
        raise unknown_store(name, saved)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _refuse_unknown_store(args)
    if args.command == "demo":
        return _demo(args.scenario, real_time=args.real_time)
    if args.command == "store":
        from cin7_shopify.commands.stores import run_store_command

        if not args.store_command:
            parser.parse_args(["store", "--help"])
        return run_store_command(args)
    if args.command == "audit":
        from cin7_shopify.commands.audit import run_audit_command

        return run_audit_command(args)
    if args.command == "mapping" and args.mapping_command:
        from cin7_shopify.commands.mapping import run_mapping_command

        return run_mapping_command(args)
    if args.command == "mapping":
        parser.parse_args(["mapping", "--help"])
    if args.command == "pilot":
        from cin7_shopify.commands.pilot import run_pilot_command

        return run_pilot_command(args)
    if args.command == "sync" and args.sync_command == "run":
        from cin7_shopify.commands.sync import run_sync_command

        return run_sync_command(args)
    if args.command == "sync" and args.sync_command == "health":
        from cin7_shopify.commands.sync import run_health_command

        return run_health_command(args)
    if args.command == "service":
        from importlib import resources

        name = {"systemd": "cin7-shopify-sync.service", "containerfile": "Containerfile"}[args.what]
        sys.stdout.write((resources.files("cin7_shopify") / "service" / name).read_text(encoding="utf-8"))
        return EXIT_OK
    if args.command in {"backfill", "reconcile"}:
        from cin7_shopify.commands.sync import run_sync_command

        return run_sync_command(args)
    if args.command == "stock" and args.stock_command:
        from cin7_shopify.commands.sync import run_stock_command

        return run_stock_command(args)
    if args.command == "cutover":
        from cin7_shopify.commands.cutover import run_cutover_command

        return run_cutover_command(args)
    if args.command == "errors":
        from cin7_shopify.commands.sync import run_errors_command

        return run_errors_command(args)
    if args.command in {"digest", "health"}:
        from cin7_shopify.commands.reports import run_api_health_command, run_digest_command

        return run_digest_command(args) if args.command == "digest" else run_api_health_command(args)
    if args.command == "why" and args.why_command:
        from cin7_shopify.commands.why import run_why_command

        return run_why_command(args)
    if args.command == "plan" and args.plan_command:
        from cin7_shopify.commands.capacity import run_capacity_command

        return run_capacity_command(args)
    if args.command in {"sync", "stock", "why", "plan"}:
        parser.parse_args([args.command, "--help"])
    if args.command == "sandbox":
        if args.sandbox_command == "serve":
            return _serve(
                args.scenario,
                args.host,
                args.port,
                args.cin7_throttle,
                args.cin7_calls_per_minute,
                args.shopify_restore_rate,
            )
        if args.sandbox_command == "generate":
            return _generate(args.variants, args.out, args.seed)
        if args.sandbox_command == "check":
            return _check(args.scenario)
        parser.parse_args(["sandbox", "--help"])
    parser.print_help()
    return EXIT_OK


def _demo(scenario: Path | None, *, real_time: bool = False) -> int:
    # Starting builds only objects that stay (Textual, the screens, the models): the cycle collector,
    # walking them again every few hundred, was about a fifth of the time to the first frame. The app
    # starts it again after that frame, with all of it frozen out of its walks.
    gc.disable()
    try:
        app = demo_console(scenario, real_time=real_time)
        try:
            app.run()
        finally:
            app.workspace.close()
    finally:
        gc.enable()  # whether or not a frame was painted
    return app.return_code or EXIT_OK


def demo_console(scenario: Path | None = None, *, real_time: bool = False) -> ConsoleApp:
    """The console on a scenario (the demo store by default) beside any saved profiles, as `demo` runs it.

    The sandboxes run on a simulated clock unless `real_time`: Cin7's budget is enforced as ever, but
    a wait for it takes no time, so a demo keeps pace with a conversation.
    """
    from cin7_shopify.clock import ManualClock, SystemClock
    from cin7_shopify.workspace import Workspace

    clock = SystemClock() if real_time else ManualClock()
    workspace = Workspace()
    arriving: StoresLoader | None = None
    if scenario is None:
        # The bundled demo store, with the observed one beside it (Cin7's own connector, our sync observing),
        # joins after home's first paint: graphql-core, the scenarios and both emulators take a while.
        def arriving() -> Callable[[], object]:
            from cin7_shopify.sandbox.store import open_sandboxes, register_sandboxes

            _load_what_a_session_loads()
            opened = open_sandboxes(None, clock=clock, observed=True)
            return lambda: register_sandboxes(workspace, opened)

    else:  # a consultant's own scenario is checked before the console starts: a broken one is said in one line
        from cin7_shopify.sandbox.store import sandbox_workspace

        sandbox_workspace(scenario, clock=clock, workspace=workspace)
        _load_what_a_session_loads()
    try:
        workspace.stores()  # a broken profile file is said here, in one line, not as a crash in the console
        # Textual loads once the scenario and the profile file have been checked: a broken one is refused
        # without it.
        from cin7_shopify.tui.app import make_app

        # On the simulated clock a sandbox's audit read costs no real time: home reads it ahead. In real time
        # it would spend the minute's Cin7 budget the consultant is about to use.
        return make_app(workspace, arriving=arriving, read_ahead=not real_time)
    except BaseException:
        workspace.close()
        raise


def _load_what_a_session_loads() -> None:
    """The console works on one event loop: what a store session loads on first use is loaded before a
    store is shown, so opening a screen never stalls it (a stalled console cannot leave when its terminal
    hangs up)."""
    import cin7_shopify.audit.service
    import cin7_shopify.sync.runner  # noqa: F401


def _serve(
    scenario_dir: Path | None, host: str, port: int, throttle: str, calls_per_minute: int, restore_rate: float
) -> int:
    import uvicorn

    from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
    from cin7_shopify.sandbox.serve import CombinedSandbox
    from cin7_shopify.sandbox.session import open_sandbox
    from cin7_shopify.sandbox.shopify_server import (
        SANDBOX_CLIENT_ID,
        SANDBOX_CLIENT_SECRET,
        SANDBOX_SHOPIFY_TOKEN,
    )

    session = open_sandbox(
        scenario_dir,
        throttle_shape=throttle,  # type: ignore[arg-type]
        cin7_calls_per_minute=calls_per_minute,
    )
    session.shopify.restore_rate = restore_rate
    base = f"http://{host}:{port}"
    print(f"Sandbox for {safe_text(session.scenario.name)} on {base}", file=sys.stderr)
    print(
        f"  Cin7 Core  {base}/ExternalApi/v2/  account {SANDBOX_CIN7_ACCOUNT}  key {SANDBOX_CIN7_KEY}",
        file=sys.stderr,
    )
    print(
        f"  Shopify    {base}/admin/api/2026-10/graphql.json  token {SANDBOX_SHOPIFY_TOKEN}",
        file=sys.stderr,
    )
    print(
        f"             client credentials: {SANDBOX_CLIENT_ID} / {SANDBOX_CLIENT_SECRET}",
        file=sys.stderr,
    )
    print("  (sandbox credentials only; they open nothing real)  Ctrl-C stops.", file=sys.stderr)
    uvicorn.run(CombinedSandbox(session.cin7, session.shopify), host=host, port=port, log_level="warning")
    return EXIT_OK


def _generate(variants: int, out: Path, seed: int) -> int:
    from cin7_shopify.sandbox.demo_data import write_scenario
    from cin7_shopify.sandbox.large_catalog import generate_large

    if variants < 1:
        raise ConsoleError("--variants must be at least 1.")
    data = generate_large(variants, seed=seed)
    write_scenario(data, out)
    products = len(data["cin7"]["Products"])
    print(f"wrote {safe_text(out)}: {variants} Shopify variants, {products} Cin7 products", file=sys.stderr)
    return EXIT_OK


def _check(scenario_dir: Path) -> int:
    from cin7_shopify.sandbox.scenario import load_scenario
    from cin7_shopify.settings import StoreSettings

    scenario = load_scenario(scenario_dir)
    StoreSettings.from_json_dict(scenario.settings, source="settings.json")
    variants = sum(len(p["variants"]) for p in scenario.shopify.get("products", []))
    print(
        f"{safe_text(scenario_dir)}: valid ({variants} variants, "
        f"{len(scenario.cin7.get('Products', []))} Cin7 products, "
        f"{len(scenario.shopify.get('orders', []))} orders"
        + _connector_words(scenario.cin7.get("BuiltinConnector"))
        + ")"
    )
    return EXIT_OK


def _connector_words(connector: dict[str, object] | None) -> str:
    """`sandbox check` names the emulated built-in connector and how many mistakes it seeds."""
    if connector is None:
        return ""
    mistakes = connector.get("Mistakes")
    return f", Cin7's built-in connector with {len(mistakes) if isinstance(mistakes, list) else 0} seeded mistakes"


if __name__ == "__main__":
    raise SystemExit(main())
