"""The ``tellonce`` command: database, catalogue, recipients and the server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tellonce.bootstrap import Hub, bootstrap
from tellonce.config import Settings

Command = Callable[[argparse.Namespace], int]


def _hub() -> Hub:
    return bootstrap(Settings())


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


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tellonce.entrypoints.api.app import create_app

    app = create_app(_hub())
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

    server = add("serve", serve, "serve the API on HTTP")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Command = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
