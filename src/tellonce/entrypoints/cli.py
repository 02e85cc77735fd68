"""The ``tellonce`` command: database, catalogue, recipients and the server."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from tellonce.bootstrap import Hub, bootstrap
from tellonce.config import Settings
from tellonce.domain.errors import Conflict, InvalidInput, NotFound

Command = Callable[[argparse.Namespace], int]


_HUBS: list[Hub] = []


def _hub() -> Hub:
    """The hub for this command; ``main`` closes it (and its connection pool) on the way out."""
    hub = bootstrap(Settings())
    _HUBS.append(hub)
    return hub


def db_upgrade(_: argparse.Namespace) -> int:
    from tellonce.adapters.database.migrate import upgrade

    hub = _hub()
    upgrade(hub.engine)
    print("database is up to date")
    return 0


def catalogue_validate(args: argparse.Namespace) -> int:
    from tellonce.adapters.catalogue_files import read_catalogue

    catalogue, problems = read_catalogue(Path(args.path))
    for p in problems:
        print(f"{p.file}:{p.line}: {p.message}", file=sys.stderr)
    if catalogue is None:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"valid: {len(catalogue.recipients)} recipients, {len(catalogue.agreements)} agreements")
    return 0


def catalogue_load(args: argparse.Namespace) -> int:
    from tellonce.adapters.catalogue_files import read_catalogue
    from tellonce.service_layer.catalogue import load_catalogue

    catalogue, problems = read_catalogue(Path(args.path))
    if catalogue is None:
        for p in problems:
            print(f"{p.file}:{p.line}: {p.message}", file=sys.stderr)
        return 1
    hub = _hub()
    summary = load_catalogue(catalogue, uow=hub.uow(), clock=hub.clock)
    print(
        f"loaded {summary.recipients} recipients; {len(summary.published)} agreement versions "
        f"published, {summary.unchanged} unchanged, {len(summary.retired)} retired"
    )
    for line in summary.published:
        print(f"  published {line}")
    return 0


def recipients_create_key(args: argparse.Namespace) -> int:
    from tellonce.service_layer.identity import create_recipient_key

    hub = _hub()
    try:
        issued = create_recipient_key(
            args.recipient, args.environment, args.label, uow=hub.uow(), clock=hub.clock
        )
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 1
    print("API key (shown once — store it now):")
    print(issued.key)
    print(f"prefix for revocation: {issued.prefix}")
    return 0


def recipients_revoke_key(args: argparse.Namespace) -> int:
    from tellonce.service_layer.identity import revoke_recipient_key

    hub = _hub()
    if revoke_recipient_key(args.prefix, uow=hub.uow(), clock=hub.clock):
        print("revoked")
        return 0
    print("no active key with that prefix", file=sys.stderr)
    return 1


def recipients_set_endpoint(args: argparse.Namespace) -> int:
    from tellonce.service_layer.endpoints import set_endpoint

    hub = _hub()
    issued = set_endpoint(
        args.recipient, args.url, args.secret, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    print(f"endpoint set for {args.recipient}; pushes are signed with:")
    if args.secret is None:
        print(issued.secret)
        print("(shown once: give it to the recipient over a secure channel)")
    else:
        print("the secret you imported")
    return 0


def recipients_rotate_secret(args: argparse.Namespace) -> int:
    from tellonce.service_layer.endpoints import rotate_secret

    hub = _hub()
    overlap = timedelta(hours=args.overlap_hours)
    issued = rotate_secret(args.recipient, overlap, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    print(f"new secret (the old one also signs for {args.overlap_hours} h):")
    print(issued.secret)
    return 0


def recipients_enable_endpoint(args: argparse.Namespace) -> int:
    from tellonce.service_layer.endpoints import enable_endpoint

    hub = _hub()
    released = enable_endpoint(args.recipient, uow=hub.uow(), clock=hub.clock)
    print(f"endpoint enabled; {released} waiting disclosure(s) queued again")
    return 0


def deliveries_list(_: argparse.Namespace) -> int:
    from tellonce.service_layer.delivery import stuck_deliveries

    records = stuck_deliveries(uow=_hub().uow())
    for record in records:
        print(f"{record.id}  {record.recipient_id}  {record.agreement_id}  {record.state}")
    print(f"{len(records)} disclosure(s) waiting: replay dead letters, or enable-endpoint")
    return 0


def deliveries_replay(args: argparse.Namespace) -> int:
    from tellonce.service_layer.delivery import replay_dead_letters

    hub = _hub()
    ids = list(args.disclosure) if args.disclosure else None
    replayed = replay_dead_letters(ids, uow=hub.uow(), clock=hub.clock)
    print(f"{len(replayed)} disclosure(s) queued again")
    return 0


def worker(_: argparse.Namespace) -> int:
    from tellonce.entrypoints.log_sequencer import run_log_sequencer
    from tellonce.entrypoints.worker import run_worker

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        hub = _hub()
        # Every worker also stands by to sequence the transparency log (one holds the lease).
        await asyncio.gather(run_worker(hub, stop), run_log_sequencer(hub, stop))

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(main())
    return 0


def demo(args: argparse.Namespace) -> int:
    from tellonce.entrypoints.demo.journey import run_demo

    return run_demo(Path(args.catalogue))


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tellonce.entrypoints.api.app import create_app

    hub = _hub()
    app = create_app(hub, background=hub.settings.runs_worker_in_process)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    return 0


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

    deliveries = commands.add_parser("deliveries", help="push deliveries")
    delivery_commands = deliveries.add_subparsers(required=True)
    add("list", deliveries_list, "list dead-lettered and held disclosures", delivery_commands)
    add(
        "replay", deliveries_replay, "queue dead-lettered disclosures again", delivery_commands
    ).add_argument("disclosure", nargs="*", type=uuid.UUID, help="disclosure ids (default: all)")

    add("worker", worker, "run a delivery worker until SIGTERM")
    add("demo", demo, "run the whole journey on a throwaway database").add_argument(
        "--catalogue", default=str(_demo_catalogue()), help="default: the checkout's catalogue/"
    )
    server = add("serve", serve, "serve the API on HTTP (and a worker, on SQLite)")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)

    from tellonce.entrypoints.log_cli import register as register_log_commands

    register_log_commands(commands, _hub)
    return parser


def _demo_catalogue() -> Path:
    """``catalogue/`` in the working directory, else the one beside this checkout's sources."""
    here = Path("catalogue")
    return here if here.is_dir() else Path(__file__).resolve().parents[3] / "catalogue"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Command = args.handler
    try:
        return handler(args)
    except InvalidInput as error:  # an operator's mistake: say what, not a traceback
        for problem in error.problems:
            print(f"{'.'.join(map(str, problem.location))}: {problem.message}", file=sys.stderr)
        return 1
    except (NotFound, Conflict) as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        while _HUBS:
            _HUBS.pop().close()


if __name__ == "__main__":
    sys.exit(main())
