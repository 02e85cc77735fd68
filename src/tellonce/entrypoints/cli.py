"""The ``tellonce`` command: database, catalogue, recipients and the server."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tellonce.bootstrap import Hub, HubFactory, bootstrap, read_catalogue
from tellonce.config import DEFAULT_HOST, DEFAULT_PORT, Settings
from tellonce.domain.errors import Conflict, InvalidInput, NotFound
from tellonce.service_layer.hub_actions import COMMAND_LINE
from tellonce.service_layer.ports import Clock

if TYPE_CHECKING:
    from tellonce.service_layer.identity import IssuedKey

Command = Callable[[argparse.Namespace, HubFactory], int]
log = logging.getLogger("tellonce.serve")


class _Hubs:
    """Hubs opened by one command, all on the clock ``main`` was given; closed on the way out."""

    def __init__(self, clock: Clock | None) -> None:
        self._clock = clock
        self._opened: list[Hub] = []

    def open(self) -> Hub:
        hub = bootstrap(Settings(), clock=self._clock)
        self._opened.append(hub)
        return hub

    def close(self) -> None:
        while self._opened:
            self._opened.pop().close()


def db_upgrade(_: argparse.Namespace, open_hub: HubFactory) -> int:
    open_hub().migrate()
    print("database is up to date")
    return 0


def catalogue_validate(args: argparse.Namespace, _open_hub: HubFactory) -> int:
    catalogue, problems = read_catalogue(Path(args.path))
    for p in problems:
        print(f"{p.file}:{p.line}: {p.message}", file=sys.stderr)
    if catalogue is None:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"valid: {len(catalogue.recipients)} recipients, {len(catalogue.agreements)} agreements")
    return 0


def catalogue_load(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.catalogue import load_catalogue

    catalogue, problems = read_catalogue(Path(args.path))
    if catalogue is None:
        for p in problems:
            print(f"{p.file}:{p.line}: {p.message}", file=sys.stderr)
        return 1
    hub = open_hub()
    summary = load_catalogue(catalogue, uow=hub.uow(), clock=hub.clock, actor=COMMAND_LINE)
    print(
        f"loaded {summary.recipients} recipients; {len(summary.published)} agreement versions "
        f"published, {summary.unchanged} unchanged, {len(summary.retired)} retired"
    )
    for line in summary.published:
        print(f"  published {line}")
    return 0


def recipients_create_key(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.identity import create_recipient_key

    hub = open_hub()
    try:
        issued = create_recipient_key(
            args.recipient,
            args.environment,
            args.label,
            uow=hub.uow(),
            clock=hub.clock,
            scopes=frozenset(args.scope) if args.scope else None,
            actor=COMMAND_LINE,
        )
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 1
    return _shown_once("API key", issued)


def registrars_create_key(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.identity import create_registrar_key

    hub = open_hub()
    try:
        issued = create_registrar_key(
            args.registrar,
            args.environment,
            args.label,
            uow_factory=hub.uow,
            vault=hub.vault,
            clock=hub.clock,
            scopes=frozenset(args.scope) if args.scope else None,
            actor=COMMAND_LINE,
        )
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 1
    return _shown_once("API key with the registrar scope", issued)


def registrars_revoke_key(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.identity import revoke_registrar_key

    hub = open_hub()
    revoked = revoke_registrar_key(args.prefix, uow=hub.uow(), clock=hub.clock, actor=COMMAND_LINE)
    return _revoked(revoked, "no active registrar key has that prefix")


def recipients_revoke_key(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.identity import revoke_recipient_key

    hub = open_hub()
    revoked = revoke_recipient_key(args.prefix, uow=hub.uow(), clock=hub.clock, actor=COMMAND_LINE)
    return _revoked(revoked, "no active key with that prefix")


def _shown_once(what: str, issued: IssuedKey) -> int:
    print(f"{what} (shown once — store it now):")
    print(issued.key)
    print(f"prefix for revocation: {issued.prefix}")
    return 0


def _revoked(revoked: bool, otherwise: str) -> int:
    if revoked:
        print("revoked")
        return 0
    print(otherwise, file=sys.stderr)
    return 1


def recipients_set_endpoint(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.endpoints import set_endpoint

    hub = open_hub()
    issued = set_endpoint(
        args.recipient,
        args.url,
        args.secret,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
        destinations=hub.destinations,
        actor=COMMAND_LINE,
    )
    print(f"endpoint set for {args.recipient}; pushes are signed with:")
    if args.secret is None:
        print(issued.secret)
        print("(shown once: give it to the recipient over a secure channel)")
    else:
        print("the secret you imported")
    return 0


def recipients_rotate_secret(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.endpoints import rotate_secret

    hub = open_hub()
    overlap = timedelta(hours=args.overlap_hours)
    issued = rotate_secret(
        args.recipient,
        overlap,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
        actor=COMMAND_LINE,
    )
    print(f"new secret (the old one also signs for {args.overlap_hours} h):")
    print(issued.secret)
    return 0


def recipients_enable_endpoint(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.endpoints import enable_endpoint

    hub = open_hub()
    released = enable_endpoint(args.recipient, uow=hub.uow(), clock=hub.clock, actor=COMMAND_LINE)
    print(f"endpoint enabled; {released} waiting disclosure(s) queued again")
    return 0


def deliveries_list(_: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.delivery import escalated_disclosures, stuck_deliveries

    hub = open_hub()
    records = stuck_deliveries(uow=hub.uow())
    for record in records:
        print(f"{record.id}  {record.recipient_id}  {record.agreement_id}  {record.state}")
    print(f"{len(records)} disclosure(s) waiting: replay dead letters, or enable-endpoint")
    escalated = escalated_disclosures(uow=hub.uow())
    for record in escalated:
        print(
            f"{record.id}  {record.recipient_id}  {record.agreement_id}  {record.state}  "
            f"escalated: {record.chases} reminder(s) unanswered"
        )
    print(f"{len(escalated)} disclosure(s) escalated: contact the recipient")
    return 0


def deliveries_replay(args: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.service_layer.delivery import replay_dead_letters

    hub = open_hub()
    ids = list(args.disclosure) if args.disclosure else None
    replayed = replay_dead_letters(ids, uow=hub.uow(), clock=hub.clock, actor=COMMAND_LINE)
    print(f"{len(replayed)} disclosure(s) queued again")
    return 0


def worker(_: argparse.Namespace, open_hub: HubFactory) -> int:
    from tellonce.entrypoints.ops.logs import configure_logging
    from tellonce.entrypoints.ops.shutdown import run_worker_process

    hub = open_hub()
    configure_logging(hub.settings.log_format)
    # Until SIGTERM; then finish or hand back the claims within TELLONCE_SHUTDOWN_GRACE_SECONDS.
    asyncio.run(run_worker_process(hub))
    return 0


def backup(args: argparse.Namespace, _open_hub: HubFactory) -> int:
    from tellonce.bootstrap import backup_database

    destination = Path(args.destination)
    if destination.exists() and not args.force:
        print(f"{destination} exists: choose a new name (or --force)", file=sys.stderr)
        return 1
    try:
        kind = backup_database(Settings(), destination)
    except Exception as error:  # BackupFailed, or the database's own error: say which
        print(f"backup failed: {error}", file=sys.stderr)
        return 1
    print(f"backed up to {destination} ({kind})")
    return 0


def demo(args: argparse.Namespace, _open_hub: HubFactory) -> int:
    from tellonce.entrypoints.demo.journey import run_demo

    return run_demo(Path(args.catalogue))


def serve(args: argparse.Namespace, open_hub: HubFactory) -> int:
    import uvicorn

    from tellonce.entrypoints.asgi import create_app
    from tellonce.entrypoints.ops.logs import configure_logging, uvicorn_log_config

    opened = open_hub()
    configure_logging(opened.settings.log_format)
    settings = serving_settings(opened.settings, args.host, args.port)
    if args.workers > 1:
        return _serve_processes(settings, args.host, args.port, args.workers)
    hub = Hub(settings=settings, engine=opened.engine, vault=opened.vault, clock=opened.clock)
    app = create_app(hub, background=hub.settings.runs_worker_in_process)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        # SIGTERM drains: no new connections, requests in progress answered within the grace.
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        log_config=uvicorn_log_config(settings.log_format),
    )
    return 0


def _serve_processes(settings: Settings, host: str, port: int, workers: int) -> int:
    """``serve --workers N``: N server processes on one socket (uvicorn's supervisor), and, where
    the server runs the worker in-process (SQLite), exactly one ``tellonce worker`` beside them
    — not one per server process (ADR 0070). Each process opens its own hub from the
    environment; the settings were checked, and demo keys made, here first."""
    import os
    import subprocess

    import uvicorn

    from tellonce.entrypoints.ops.logs import uvicorn_log_config

    os.environ["TELLONCE_PUBLIC_URL"] = str(settings.public_url)
    worker = None
    if settings.runs_worker_in_process:
        worker = subprocess.Popen([sys.executable, "-m", "tellonce", "worker"])
        log.info(
            "delivery worker process %s started beside %s server processes", worker.pid, workers
        )
    try:
        uvicorn.run(
            "tellonce.entrypoints.asgi:served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=False,
            timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
            # uvicorn kills a server process that has not answered its supervisor within 5 s by
            # default: on a loaded machine the app's start-up takes longer, and the supervisor
            # killed and restarted its processes for minutes (issue 12, bench.national_year).
            timeout_worker_healthcheck=60,
            log_config=uvicorn_log_config(settings.log_format),
        )
    finally:
        if worker is not None:
            worker.terminate()  # SIGTERM: it finishes its round and stops
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    return 0


def serving_settings(settings: Settings, host: str, port: int) -> Settings:
    """The settings ``serve`` runs on, saying at start-up why its public URL looks wrong."""
    serving = settings.for_serving(host, port)
    log.info("public URL: %s", serving.public_url)
    for doubt in serving.public_url_doubts(host, port):
        log.warning("%s", doubt)
    return serving


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tellonce", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def add(
        name: str,
        handler: Command,
        help_text: str,
        group: argparse._SubParsersAction[argparse.ArgumentParser] = commands,
    ) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_text)
        sub.set_defaults(handler=handler)
        return sub

    db = commands.add_parser("db", help="database schema").add_subparsers(required=True)
    add("upgrade", db_upgrade, "apply every migration", db)

    catalogue = commands.add_parser("catalogue", help="recipients and agreements")
    catalogue_commands = catalogue.add_subparsers(required=True)
    add(
        "validate", catalogue_validate, "report every problem in a catalogue", catalogue_commands
    ).add_argument("path")
    add(
        "load",
        catalogue_load,
        "load a catalogue; changed agreements get new versions",
        catalogue_commands,
    ).add_argument("path")

    recipients = commands.add_parser("recipients", help="recipient credentials")
    recipient_commands = recipients.add_subparsers(required=True)
    key = add(
        "create-key", recipients_create_key, "issue an API key (shown once)", recipient_commands
    )
    key.add_argument("recipient")
    key.add_argument("--environment", choices=["live", "test"], default="live")
    key.add_argument("--label")
    key.add_argument(
        "--scope",
        action="append",
        choices=["feed", "acknowledge"],
        help="what the key may do; repeat for several (default: feed and acknowledge)",
    )
    add(
        "revoke-key", recipients_revoke_key, "revoke an API key by its prefix", recipient_commands
    ).add_argument("prefix")

    endpoint = add(
        "set-endpoint",
        recipients_set_endpoint,
        "set the push URL (prints a new secret)",
        recipient_commands,
    )
    endpoint.add_argument("recipient")
    endpoint.add_argument("url")
    endpoint.add_argument("--secret", help="import an existing whsec_ secret")
    rotate = add(
        "rotate-secret",
        recipients_rotate_secret,
        "new secret; both sign for a while",
        recipient_commands,
    )
    rotate.add_argument("recipient")
    rotate.add_argument("--overlap-hours", type=float, default=24.0)
    add(
        "enable-endpoint",
        recipients_enable_endpoint,
        "re-enable after 410 Gone",
        recipient_commands,
    ).add_argument("recipient")

    _registrar_commands(commands, add)

    deliveries = commands.add_parser("deliveries", help="push deliveries")
    delivery_commands = deliveries.add_subparsers(required=True)
    add("list", deliveries_list, "list dead-lettered and held disclosures", delivery_commands)
    add(
        "replay", deliveries_replay, "queue dead-lettered disclosures again", delivery_commands
    ).add_argument("disclosure", nargs="*", type=uuid.UUID, help="disclosure ids (default: all)")

    add("worker", worker, "run a delivery worker until SIGTERM")
    backup_command = add("backup", backup, "copy the database while it runs (docs/operations.md)")
    backup_command.add_argument("destination", help="a new file: the copy")
    backup_command.add_argument("--force", action="store_true", help="overwrite destination")
    add("demo", demo, "run the whole journey on a throwaway database").add_argument(
        "--catalogue", default=str(_demo_catalogue()), help="default: the checkout's catalogue/"
    )
    server = add("serve", serve, "serve the API on HTTP (and a worker, on SQLite)")
    server.add_argument("--host", default=DEFAULT_HOST)
    server.add_argument("--port", type=int, default=DEFAULT_PORT)
    server.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (default 1); with more, one separate worker process delivers",
    )

    from tellonce.entrypoints.log_cli import register as register_log_commands

    register_log_commands(commands)
    from tellonce.entrypoints.rights_cli import register as register_rights_commands

    register_rights_commands(commands)
    from tellonce.entrypoints.staff_cli import register as register_staff_commands

    register_staff_commands(commands)
    return parser


def _registrar_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], add: Callable[..., Any]
) -> None:
    registrars = commands.add_parser("registrars", help="register offices' API keys (bulk intake)")
    registrar_commands = registrars.add_subparsers(required=True)
    registrar_key = add(
        "create-key",
        registrars_create_key,
        "issue an API key with the registrar scope (shown once)",
        registrar_commands,
    )
    registrar_key.add_argument("registrar", help="the register office, e.g. leeds-register-office")
    registrar_key.add_argument("--environment", choices=["live", "test"], default="live")
    registrar_key.add_argument("--label")
    registrar_key.add_argument(
        "--scope", action="append", choices=["registrar"], help="what the key may do (registrar)"
    )
    add(
        "revoke-key",
        registrars_revoke_key,
        "revoke a registrar key by its prefix",
        registrar_commands,
    ).add_argument("prefix")


def _demo_catalogue() -> Path:
    """``catalogue/`` in the working directory, else the one beside this checkout's sources."""
    here = Path("catalogue")
    return here if here.is_dir() else Path(__file__).resolve().parents[3] / "catalogue"


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run one command. Every use case runs on the hub's clock: the system's, or ``clock``."""
    args = _parser().parse_args(argv)
    handler: Command = args.handler
    hubs = _Hubs(clock)
    try:
        return handler(args, hubs.open)
    except InvalidInput as error:  # an operator's mistake: say what, not a traceback
        for problem in error.problems:
            print(f"{'.'.join(map(str, problem.location))}: {problem.message}", file=sys.stderr)
        return 1
    except (NotFound, Conflict) as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        hubs.close()


if __name__ == "__main__":
    sys.exit(main())
