"""``tellonce log ...`` and ``tellonce receipt verify``: the transparency log's commands."""

from __future__ import annotations

import argparse
import sys
from itertools import chain
from pathlib import Path
from typing import TypeAlias

from tellonce.bootstrap import HubFactory, log_client, new_log_signer_key, note_verifier
from tellonce.domain.transparency.audit import audit_order
from tellonce.domain.transparency.checkpoints import Checkpoint
from tellonce.domain.transparency.errors import TransparencyError
from tellonce.domain.transparency.notes import parse_note
from tellonce.domain.transparency.report_receipts import ReportReceipt, verify_report_receipt
from tellonce.service_layer.transparency.entries import publish_checkpoint
from tellonce.service_layer.transparency.reads import (
    LogAudit,
    storage_fetch,
    verify_log,
    verify_stored_checkpoints,
)

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def log_key(_: argparse.Namespace, hub: HubFactory) -> int:
    print(hub().log_signer.verifier_key)
    return 0


def log_new_key(args: argparse.Namespace, _hub: HubFactory) -> int:
    signer, verifier = new_log_signer_key(args.origin)
    print("TELLONCE_LOG_SIGNER_KEY (secret -- store it now, it is not shown again):")
    print(signer)
    print("verifier key (public -- publish it for witnesses and citizens):")
    print(verifier)
    return 0


def log_integrate(_: argparse.Namespace, hub: HubFactory) -> int:
    """Sequence pending entries once and sign a checkpoint (the worker does this every few
    seconds; this is for operations and scripts)."""
    wired = hub()
    latest = publish_checkpoint(wired.log_sequencer(owner="cli"), wired.log_signer.verifier())
    print(f"log size {0 if latest is None else latest.size}")
    return 0


def _trusted(path: str | None) -> str | None:
    return None if path is None else Path(path).read_text(encoding="utf-8")


def _remote_audit(args: argparse.Namespace) -> tuple[LogAudit, int | None]:
    with log_client(args.url) as client:
        key = args.key or client.verifier_key()
        if not args.key:
            print(f"trusting the key the log serves: {key} (pin it with --key)")
        verifier = note_verifier(key)
        size = Checkpoint.from_note_text(parse_note(client.fetch("checkpoint")).text).size
        client.prefetch(chain(["checkpoint"], audit_order(size)))
        return verify_log(client.fetch, verifier, trusted_checkpoint=_trusted(args.trusted)), None


def _storage_audit(args: argparse.Namespace, hub: HubFactory) -> tuple[LogAudit, int | None]:
    wired = hub()
    verifier = note_verifier(args.key) if args.key else wired.log_signer.verifier()
    audit = verify_log(
        storage_fetch(wired.uow), verifier, trusted_checkpoint=_trusted(args.trusted)
    )
    return audit, verify_stored_checkpoints(wired.uow, verifier, audit.checkpoint.size)


def log_verify(args: argparse.Namespace, hub: HubFactory) -> int:
    """Recompute the whole log and check its latest checkpoint; exit 1 if anything is wrong."""
    try:
        audit, stored = _remote_audit(args) if args.url else _storage_audit(args, hub)
    except (TransparencyError, OSError) as error:
        print(f"log verification FAILED: {error}", file=sys.stderr)
        return 1
    checkpoint = audit.checkpoint
    print(f"log {checkpoint.origin} verified: {checkpoint.size} entries, every tile recomputed")
    for kind, count in sorted(audit.entries_by_kind.items()):
        print(f"  {count:>9}  {kind}")
    if audit.trusted_size is not None:
        print(f"consistent with the trusted checkpoint of size {audit.trusted_size}")
    if stored is not None:
        print(f"{stored} stored checkpoints are signed and consistent with this tree")
    if args.save_checkpoint:
        Path(args.save_checkpoint).write_text(audit.note, encoding="utf-8")
        print(f"saved the verified checkpoint to {args.save_checkpoint}")
    return 0


def receipt_verify(args: argparse.Namespace, _hub: HubFactory) -> int:
    """Verify a citizen's receipt offline against the log's verifier key."""
    try:
        verifier = note_verifier(args.key)
        receipt = ReportReceipt.from_json(Path(args.file).read_bytes())
        verified = verify_report_receipt(receipt, verifier)
    except (TransparencyError, OSError) as error:
        print(f"receipt verification FAILED: {error}", file=sys.stderr)
        return 1
    print(
        f"receipt for report {receipt.reference}: {len(verified)} entries in log {receipt.origin}"
    )
    for item in verified:
        body = item.body
        agreement = body.get("agreement") or {}
        about = body.get("recipient", "")
        if agreement:
            about += f" ({agreement['id']} v{agreement['version']})"
        yours = "commitment matches your key" if item.commitment_checked else "no person named"
        print(f"  #{item.index} of {item.size}: {body['kind']} {about} {body['time']}: {yours}")
    return 0


def register(commands: SubParsers) -> None:
    """Add ``log`` and ``receipt`` to the ``tellonce`` command."""
    log = commands.add_parser("log", help="the transparency log").add_subparsers(required=True)
    log.add_parser("key", help="print the log's verifier key").set_defaults(handler=log_key)
    new_key = log.add_parser("new-key", help="make a signing key for a new log")
    new_key.add_argument("origin", help="the log's origin, e.g. tellonce.example.gov.uk/log")
    new_key.set_defaults(handler=log_new_key)
    log.add_parser("integrate", help="sequence pending entries and sign now").set_defaults(
        handler=log_integrate
    )
    verify = log.add_parser("verify", help="recompute the whole log and check its checkpoint")
    verify.add_argument("--url", help="a remote hub's base URL (default: this hub's storage)")
    verify.add_argument("--key", help="the log's verifier key (default: this hub's, or served)")
    verify.add_argument("--trusted-checkpoint", dest="trusted", metavar="FILE")
    verify.add_argument("--save-checkpoint", metavar="FILE")
    verify.set_defaults(handler=log_verify)
    receipt = commands.add_parser("receipt", help="citizens' receipts").add_subparsers(
        required=True
    )
    check = receipt.add_parser("verify", help="verify a receipt offline")
    check.add_argument("file")
    check.add_argument("--key", required=True, help="the log's verifier key (from /log/key)")
    check.set_defaults(handler=receipt_verify)
