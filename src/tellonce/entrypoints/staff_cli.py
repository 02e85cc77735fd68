"""``tellonce staff``: add the hub's operators and recipients' first managers (ADR 0091).
After that, managers invite their own staff in the console."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from tellonce.bootstrap import Hub
from tellonce.domain.errors import InvalidInput, NotFound
from tellonce.service_layer.staff import ROLES, add_staff, normalise_email


def staff_add(args: argparse.Namespace, open_hub: Callable[[], Hub]) -> int:
    hub = open_hub()
    if args.exists_ok:
        with hub.console_uow() as uow:
            if uow.staff.by_email(normalise_email(args.email)) is not None:
                return 0
    try:
        member = add_staff(
            args.email, args.name, args.role, args.recipient, uow=hub.console_uow(), clock=hub.clock
        )
    except (InvalidInput, NotFound) as error:
        print(str(error), file=sys.stderr)
        return 1
    where = member.recipient_id or "the hub"
    print(f"added {member.role} of {where}: they sign in at /staff/sign-in")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = commands.add_parser("staff", help="people who sign in to the console and admin")
    staff_commands = staff.add_subparsers(required=True)
    add = staff_commands.add_parser("add", help="add an operator, or a recipient's staff")
    add.set_defaults(handler=staff_add)
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--recipient", help="the recipient's id (not for operators)")
    add.add_argument("--exists-ok", action="store_true", help="no error if the address has access")
