"""``tellonce rights ...``: operators' view of rights requests and their statutory deadlines."""

from __future__ import annotations

import argparse
import uuid
from typing import TypeAlias

from tellonce.bootstrap import HubFactory
from tellonce.service_layer.ports.rights import RightsRequestRecord
from tellonce.service_layer.rights_requests import (
    extend_request,
    list_requests,
    pause_request,
    resume_request,
)

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _line(request: RightsRequestRecord) -> str:
    due = request.due_on.isoformat() if request.due_on else "paused"
    extended = f"  extended {request.extension_months} month(s)" if request.extension_months else ""
    received = request.received_at.strftime("%Y-%m-%d")
    return f"{request.id}  {request.kind:<13}  received {received}  due {due}{extended}"


def rights_list(args: argparse.Namespace, open_hub: HubFactory) -> int:
    hub = open_hub()
    requests = list_requests(overdue=args.overdue, uow=hub.uow(), clock=hub.clock)
    for request in requests:
        print(_line(request))
    what = "overdue" if args.overdue else "open"
    print(f"{len(requests)} {what} rights request(s)")
    return 1 if args.overdue and requests else 0


def rights_extend(args: argparse.Namespace, open_hub: HubFactory) -> int:
    hub = open_hub()
    request = extend_request(
        args.request,
        months=args.months,
        reason=args.reason,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
    )
    print(_line(request))
    print("Tell the citizen the new date and the reason.")
    return 0


def rights_pause(args: argparse.Namespace, open_hub: HubFactory) -> int:
    hub = open_hub()
    print(_line(pause_request(args.request, uow=hub.uow(), clock=hub.clock)))
    return 0


def rights_resume(args: argparse.Namespace, open_hub: HubFactory) -> int:
    hub = open_hub()
    print(_line(resume_request(args.request, uow=hub.uow(), clock=hub.clock)))
    return 0


def register(commands: SubParsers) -> None:
    """Add ``rights`` to the ``tellonce`` command."""
    rights = commands.add_parser("rights", help="citizens' rights requests and their deadlines")
    sub = rights.add_subparsers(required=True)
    listing = sub.add_parser("list", help="requests not yet answered, soonest due first")
    listing.add_argument(
        "--overdue", action="store_true", help="only those past their deadline (exit status 1)"
    )
    listing.set_defaults(handler=rights_list)
    extend = sub.add_parser("extend", help="take up to two more months, with a reason")
    extend.add_argument("request", type=uuid.UUID)
    extend.add_argument("--months", type=int, required=True, choices=[1, 2])
    extend.add_argument("--reason", required=True)
    extend.set_defaults(handler=rights_extend)
    pause = sub.add_parser("pause", help="stop the clock while checking identity")
    pause.add_argument("request", type=uuid.UUID)
    pause.set_defaults(handler=rights_pause)
    resume = sub.add_parser("resume", help="start the clock again: identity confirmed")
    resume.add_argument("request", type=uuid.UUID)
    resume.set_defaults(handler=rights_resume)
