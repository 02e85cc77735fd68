"""Use cases for reporting a life event: preview who is told, submit, and follow its progress."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tellonce.domain.catalogue import Catalogue, Channel
from tellonce.domain.deadlines import acknowledgement_due
from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import INITIAL_STATE, DisclosureState
from tellonce.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    PreviewChanged,
    TellonceError,
)
from tellonce.domain.events import UnknownEventType, parse_payload
from tellonce.domain.record_ids import new_record_id
from tellonce.domain.references import new_reference, normalise_reference
from tellonce.domain.rights import RightKind, stops
from tellonce.domain.routing import PREVIEW_VERSION, Route, RoutingPlan, plan_routes
from tellonce.service_layer.acknowledgement import reason_context
from tellonce.service_layer.group_commit import GroupCommit
from tellonce.service_layer.notifications import queue_message
from tellonce.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory, Vault
from tellonce.service_layer.ports.deliveries import NewQueuedMessage
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.reports import (
    DisclosureView,
    NewConsentRecord,
    NewDisclosure,
    NewReport,
    ReportView,
)
from tellonce.service_layer.ports.vault import PersonKey
from tellonce.service_layer.registrations import authority_for, use_authority
from tellonce.service_layer.transparency.entries import (
    ReportEntries,
    prepare_report_entries,
    write_report_entries,
)

# "Not in the future" is judged by the date in the UK, not in UTC: just after midnight in
# British Summer Time, UTC still says yesterday.
UK = ZoneInfo("Europe/London")

# The fraud guard (ADR 0088): these reports are held for a cooling-off before anything leaves.
COOLED_OFF_EVENTS = frozenset({"change-of-address"})

# Reports about someone other than the reporter: the subject is a new person with their own key.
_SUBJECT_IS_SOMEONE_ELSE = frozenset({"birth", "death"})


@dataclass(frozen=True, slots=True)
class ReportDraft:
    """What a reporter sends: the event, its payload and their answers to routing questions."""

    event_type: str
    payload: Mapping[str, Any]
    answers: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportSubmission:
    draft: ReportDraft
    consents: Mapping[str, bool]  # consent-based agreement id -> granted?
    preview_digest: str
    method: str  # how consent was given: "api" or "portal"


@dataclass(frozen=True, slots=True)
class IdempotencyRequest:
    caller: str
    key: str
    ttl: timedelta
    lock_for: timedelta = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class SubmittedReport:
    report: ReportView
    replayed: bool


def preview_report(draft: ReportDraft, *, uow: UnitOfWork, clock: Clock) -> RoutingPlan:
    """The routing plan for a draft: who would be told, why, and exactly what each would get."""
    payload = _validated_payload(draft, clock)
    with uow:
        catalogue = uow.catalogue.current()
    return plan_routes(draft.event_type, payload, draft.answers, catalogue)


def submit_report(
    submission: ReportSubmission,
    *,
    account: Account,
    uow_factory: UnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
    idempotency: IdempotencyRequest | None = None,
    read_uow_factory: UnitOfWorkFactory | None = None,
    cooling_off: timedelta = timedelta(0),
    writer: ReportWriter | None = None,
) -> SubmittedReport:
    """Accept a report: the report, sealed payload, disclosures, outbox rows and consent
    records are written in one transaction, or not at all. ``read_uow_factory`` (default:
    ``uow_factory``) opens the read-only unit of work the plan is made in; ``writer`` (the
    process's own, for group commit; default: one for this report alone) writes it. A change of
    address is held for ``cooling_off`` (the fraud guard, ADR 0088): nothing leaves before
    it ends, the citizen is told, and may cancel it meanwhile (``cancel_report``)."""
    draft = submission.draft
    payload = _validated_payload(draft, clock)
    if idempotency is not None:
        replay = _claim_key(idempotency, _request_digest(submission), uow_factory, clock)
        if replay is not None:
            view = report_status(replay, account=account, uow=uow_factory(), vault=vault)
            return SubmittedReport(view, replayed=True)
    with _key_freed_on_failure(uow_factory, idempotency):
        # Everything that needs no writing first, in a read-only unit of work (on SQLite it
        # waits for no writer): the catalogue, the plan, the reporter's key; then the sealed
        # payload, the rows and the log entries, outside any transaction.
        with (read_uow_factory or uow_factory)() as uow:
            catalogue = uow.catalogue.current()
            plan = plan_routes(draft.event_type, payload, draft.answers, catalogue)
            _check_plan(plan, submission)
            reporter_key = uow.people.key_for(account.person_id)
            flags = _active_flags(uow, account)

        def key_of(person_id: uuid.UUID) -> PersonKey:
            if person_id != account.person_id:
                raise LookupError(person_id)  # never: a report names its subject and reporter
            return reporter_key

        prepared = _prepare_report(
            submission,
            plan,
            payload,
            account,
            vault,
            clock,
            key_of,
            flags=flags,
            cooling_off=cooling_off,
        )
        pending = _PendingReport(
            submission,
            payload,
            account,
            catalogue,
            prepared,
            vault,
            clock,
            idempotency,
            cooling_off,
        )
        view = (writer or ReportWriter(uow_factory)).write(pending)
    # Built from what was just written, not read back: a report's status right after it was
    # written is known (issue 12: the read-back was 9 % of intake).
    return SubmittedReport(view, replayed=False)


# What a register office registers, and so what the registrars' bulk intake takes.
REGISTERED_EVENTS = frozenset({"birth", "death", "marriage"})
BULK_LIMIT = 1000
BULK_SLICE = 100  # reports a bulk request prepares and writes at a time (memory, not speed)


@dataclass(frozen=True, slots=True)
class BulkItemResult:
    """One report of a bulk submission: written (``report``), or refused (``problems``, each
    located from the request's root, e.g. ``reports/3/payload/child/date_of_birth``)."""

    index: int
    report: ReportView | None
    problems: tuple[FieldProblem, ...] = ()


def submit_registered_reports(
    drafts: Sequence[ReportDraft],
    *,
    account: Account,
    uow_factory: UnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
    idempotency: IdempotencyRequest | None = None,
) -> BulkSubmission:
    """Registrars' bulk intake (ADR 0071): up to ``BULK_LIMIT`` registered births, deaths and
    marriages from a register office's system. Each report is all or nothing: one that fails
    validation or routing is refused with its problems and the others are written. Every
    report's subject is a new person with their own key (the registrar is never the
    subject); only recipients entitled by law are told, and no consent record is written (no
    citizen was asked). The written reports commit together in one transaction: a crash
    leaves none of them, and nothing is ever half-written.

    With ``idempotency``, a repeat of the same request (same key, same reports) writes nothing
    and answers with the same per-item results: the written reports as they stand now, the
    refused ones refused again; the same key with other reports is refused (422), and while
    the first is still being written, 409."""
    if len(drafts) > BULK_LIMIT:
        raise InvalidInput([FieldProblem(("reports",), f"Send at most {BULK_LIMIT} reports")])
    if idempotency is not None:
        digest = _bulk_digest(drafts)
        replay = _claim_key(idempotency, digest, uow_factory, clock)
        if replay is not None:
            return BulkSubmission(
                _replayed_bulk(drafts, idempotency, account, uow_factory, vault, clock),
                replayed=True,
            )
    with _key_freed_on_failure(uow_factory, idempotency):
        # Validation needs no database: done before the transaction, which then only routes
        # and writes.
        results, payloads = _validate_bulk(drafts, clock)
        with uow_factory() as uow:
            valid = list(_route_bulk(drafts, payloads, uow.catalogue.current(), results).items())
            # Every subject is a new person with a key of their own, and a registrar's flags
            # stop nothing of theirs: prepared alike, then written. A slice at a time, in the
            # one transaction: a request's prepared rows are never all in memory at once.
            while valid:
                piece, valid = valid[:BULK_SLICE], valid[BULK_SLICE:]
                prepared = [
                    _prepare_report(
                        ReportSubmission(drafts[index], {}, plan.digest(), "registrar"),
                        plan,
                        payload,
                        account,
                        vault,
                        clock,
                        uow.people.key_for,
                        registrar=True,
                    )
                    for index, (plan, payload) in piece
                ]
                for (index, _), view in zip(piece, _write_prepared(uow, prepared), strict=True):
                    results[index] = BulkItemResult(index, view)
            if idempotency is not None:
                now = clock.now()
                written = {
                    str(r.index): r.report.reference
                    for r in results
                    if r is not None and r.report is not None
                }
                uow.idempotency.record_items(
                    _bulk_items_caller(idempotency),
                    written,
                    digest,
                    now,
                    now + idempotency.ttl,
                )
                uow.idempotency.complete(idempotency.caller, idempotency.key, _BULK_MARK)
            uow.commit()
    return BulkSubmission([r for r in results if r is not None], replayed=False)


@dataclass(frozen=True, slots=True)
class BulkSubmission:
    results: list[BulkItemResult]
    replayed: bool


# The completed bulk request's own idempotency row names no single report: its items' rows do.
_BULK_MARK = "bulk"


@contextmanager
def _key_freed_on_failure(
    uow_factory: UnitOfWorkFactory, idempotency: IdempotencyRequest | None
) -> Iterator[None]:
    """A submission that fails frees its Idempotency-Key, so the client may try again."""
    try:
        yield
    except BaseException:
        if idempotency is not None:
            with uow_factory() as uow:
                uow.idempotency.release(idempotency.caller, idempotency.key)
                uow.commit()
        raise


def _bulk_items_caller(idempotency: IdempotencyRequest) -> str:
    """Where a bulk request's items are kept: one row each, keyed by index (fits 64 chars)."""
    scope = hashlib.sha256(f"{idempotency.caller}\n{idempotency.key}".encode()).hexdigest()
    return f"bulk:{scope[:48]}"


def _bulk_digest(drafts: Sequence[ReportDraft]) -> str:
    body = [
        {"event_type": d.event_type, "payload": d.payload, "answers": d.answers} for d in drafts
    ]
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _validate_bulk(
    drafts: Sequence[ReportDraft], clock: Clock
) -> tuple[list[BulkItemResult | None], dict[int, dict[str, Any]]]:
    """Each draft refused with its problems, or its validated payload."""
    results: list[BulkItemResult | None] = [None] * len(drafts)
    payloads: dict[int, dict[str, Any]] = {}
    for index, draft in enumerate(drafts):
        try:
            if draft.event_type not in REGISTERED_EVENTS:
                raise InvalidInput(
                    [
                        FieldProblem(
                            ("event_type",),
                            "Registrars report births, deaths and marriages only",
                        )
                    ]
                )
            payloads[index] = _validated_payload(draft, clock)
        except InvalidInput as error:
            results[index] = _refused(index, error)
    return results, payloads


def _route_bulk(
    drafts: Sequence[ReportDraft],
    payloads: Mapping[int, dict[str, Any]],
    catalogue: Catalogue,
    results: list[BulkItemResult | None],
) -> dict[int, tuple[RoutingPlan, dict[str, Any]]]:
    """Each valid draft's plan; one with unanswered questions is refused in ``results``."""
    by_law_questions = {
        q.id for a in catalogue.agreements if not a.consent_required for q in a.questions
    }
    valid: dict[int, tuple[RoutingPlan, dict[str, Any]]] = {}
    for index, payload in payloads.items():
        draft = drafts[index]
        plan = plan_routes(draft.event_type, payload, draft.answers, catalogue)
        # Only the questions of agreements entitled by law need answers: no consent-based
        # recipient is told of a registered event.
        unanswered = [q for q in plan.unanswered if q.id in by_law_questions]
        if unanswered:
            problems = [
                FieldProblem(("answers", q.id), f"Answer the question: {q.text}")
                for q in unanswered
            ]
            results[index] = _refused(index, InvalidInput(problems))
            continue
        valid[index] = (plan, payload)
    return valid


def _replayed_bulk(
    drafts: Sequence[ReportDraft],
    idempotency: IdempotencyRequest,
    account: Account,
    uow_factory: UnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
) -> list[BulkItemResult]:
    """The first answer again: each written report as it stands now, each refused one with
    its problems (validation and routing again, which write nothing)."""
    refused, payloads = _validate_bulk(drafts, clock)
    with uow_factory() as uow:
        written = uow.idempotency.items(_bulk_items_caller(idempotency))
        _route_bulk(drafts, payloads, uow.catalogue.current(), refused)
    results = []
    for index in range(len(drafts)):
        reference = written.get(str(index))
        if reference is not None:
            view = report_status(reference, account=account, uow=uow_factory(), vault=vault)
            results.append(BulkItemResult(index, view))
            continue
        first = refused[index]
        problems = (
            first.problems
            if first is not None
            else (
                FieldProblem(
                    ("reports", index),
                    "This report was refused when this Idempotency-Key was first used",
                ),
            )
        )
        results.append(BulkItemResult(index, None, problems))
    return results


def _refused(index: int, error: InvalidInput) -> BulkItemResult:
    return BulkItemResult(
        index,
        None,
        tuple(
            FieldProblem(("reports", index, *p.location), p.message, p.code) for p in error.problems
        ),
    )


def report_status(reference: str, *, account: Account, uow: UnitOfWork, vault: Vault) -> ReportView:
    """A report and every disclosure with its state and timestamps, for its reporter only."""
    normalised = normalise_reference(reference)
    with uow:
        view = uow.reports.view(normalised, account.id) if normalised else None
        if view is None:
            raise NotFound("There is no report with that reference")
        return _with_reasons(view, uow, vault)


def reports_for_account(
    *, account: Account, uow: UnitOfWork, vault: Vault, limit: int = 50, offset: int = 0
) -> list[ReportView]:
    with uow:
        views = uow.reports.for_account(account.id, limit, offset)
        return [_with_reasons(view, uow, vault) for view in views]


def _with_reasons(view: ReportView, uow: UnitOfWork, vault: Vault) -> ReportView:
    """Recipients' reasons opened for the reader (sealed at rest, ADR 0086)."""
    sealed = [d for d in view.disclosures if d.sealed_outcome_reason is not None]
    if not sealed or view.subject_person_id is None:
        return view
    key = uow.people.key_for(view.subject_person_id)
    opened = {
        d.id: vault.open(key, d.sealed_outcome_reason, reason_context(d.id)).decode()
        for d in sealed
        if d.sealed_outcome_reason is not None
    }
    return dataclasses.replace(
        view,
        disclosures=tuple(
            dataclasses.replace(d, outcome_reason=opened[d.id], sealed_outcome_reason=None)
            if d.id in opened
            else d
            for d in view.disclosures
        ),
    )


# --- steps ------------------------------------------------------------------------------------


def _validated_payload(draft: ReportDraft, clock: Clock) -> dict[str, Any]:
    try:
        model = parse_payload(
            draft.event_type, draft.payload, today=clock.now().astimezone(UK).date()
        )
    except UnknownEventType as error:
        raise InvalidInput([FieldProblem(("event_type",), str(error))]) from error
    except InvalidInput as error:
        raise InvalidInput(
            [FieldProblem(("payload", *p.location), p.message, p.code) for p in error.problems]
        ) from error
    return model.model_dump(mode="json", exclude_none=True)


def _check_plan(plan: RoutingPlan, submission: ReportSubmission) -> None:
    problems = [
        FieldProblem(("answers", q.id), f"Answer the question: {q.text}") for q in plan.unanswered
    ]
    consent_ids = {r.agreement.id for r in plan.by_consent}
    problems += [
        FieldProblem(("consents", agreement_id), "This choice is not offered for this report")
        for agreement_id in submission.consents
        if agreement_id not in consent_ids
    ]
    if problems:
        raise InvalidInput(problems)
    if plan.digest() != submission.preview_digest:
        raise PreviewChanged(
            "Who would be told has changed since the preview: preview the report again"
        )


@dataclass(frozen=True, slots=True)
class _PreparedReport:
    """Everything a report writes that needs no database: made before its transaction, so
    the transaction (on SQLite, the writer lock) is held only for the statements."""

    report: NewReport
    new_subject: PersonKey | None  # a new person's key (births, deaths, registrars), to add
    told: list[Route]
    held: frozenset[str]  # agreements whose disclosures a restriction or objection holds
    flags: frozenset[RightKind]  # the reporter's restriction and objection, as prepared
    disclosures: list[NewDisclosure]  # sequences are taken in the transaction
    consents: list[NewConsentRecord]
    entries: ReportEntries


def _prepare_report(
    submission: ReportSubmission,
    plan: RoutingPlan,
    payload: dict[str, Any],
    account: Account,
    vault: Vault,
    clock: Clock,
    key_of: Callable[[uuid.UUID], PersonKey],
    *,
    flags: frozenset[RightKind] = frozenset(),
    registrar: bool = False,
    cooling_off: timedelta = timedelta(0),
) -> _PreparedReport:
    now = clock.now()
    draft = submission.draft
    held_until = None
    if draft.event_type in COOLED_OFF_EVENTS and cooling_off > timedelta(0) and not registrar:
        held_until = now + cooling_off
    available = held_until or now  # when the recipients can have it
    subject_id = account.person_id
    new_subject = None
    if registrar or draft.event_type in _SUBJECT_IS_SOMEONE_ELSE:
        subject_id = uuid.uuid4()
        subject_key = new_subject = vault.new_person_key()
    else:
        subject_key = key_of(subject_id)
    report_id = new_record_id()
    sealed = vault.seal(
        subject_key,
        json.dumps({"payload": payload, "answers": dict(draft.answers)}).encode(),
        report_id.bytes,
    )
    report = NewReport(
        id=report_id,
        reference=new_reference(),  # checked against those taken in the transaction
        account_id=account.id,
        subject_person_id=subject_id,
        event_type=draft.event_type,
        schema_version=1,
        sealed_payload=sealed,
        preview_digest=plan.digest(),
        channel=submission.method,
        submitted_at=now,
        reporter_role=payload["reporter"]["role"],
        held_until=held_until,
    )
    told = [
        route
        for route in plan.routes
        if not route.agreement.consent_required or submission.consents.get(route.agreement.id)
    ]
    # Restriction and objection hold disclosures under the bases they stop (docs/rights.md).
    held = frozenset(
        r.agreement.id for r in told if stops(flags, r.agreement.lawful_basis.article_6)
    )
    deadlines: dict[object, datetime] = {}
    for route in told:  # one per agreement's terms: the same "now" for every disclosure
        terms = route.agreement.acknowledgement
        if terms not in deadlines:
            deadlines[terms] = acknowledgement_due(available, terms)
    disclosures = [
        NewDisclosure(
            id=new_record_id(),
            report_id=report_id,
            recipient_id=route.recipient.id,
            agreement_id=route.agreement.id,
            agreement_version=route.agreement.version,
            basis=route.basis.value,
            fields=route.fields,
            state=DisclosureState.HELD.value if route.agreement.id in held else INITIAL_STATE.value,
            created_at=now,
            person_id=subject_id,
            sequence=0,
            # The recipient's clock starts now, when it can have the disclosure (queued to push,
            # or in its feed): one that never collects it, or cannot be reached, is chased too.
            acknowledge_by=None
            if route.agreement.id in held
            else deadlines[route.agreement.acknowledgement],
        )
        for route in told
    ]
    consents = [
        NewConsentRecord(
            id=new_record_id(),
            report_id=report_id,
            person_id=account.person_id,
            recipient_id=route.recipient.id,
            agreement_id=route.agreement.id,
            agreement_version=route.agreement.version,
            decision="granted" if submission.consents.get(route.agreement.id) else "refused",
            purpose=route.agreement.purpose.dpv_code,
            legal_basis=route.agreement.lawful_basis.dpv_code,
            preview_version=PREVIEW_VERSION,
            preview_digest=submission.preview_digest,
            method=submission.method,
            recorded_at=now,
        )
        for route in plan.by_consent
        if not registrar  # nobody was asked: no consent to record, and none is used
    ]

    def keys(person_id: uuid.UUID) -> PersonKey:
        return subject_key if person_id == subject_id else key_of(person_id)

    entries = prepare_report_entries(vault, report, disclosures, consents, plan, keys)
    return _PreparedReport(report, new_subject, told, held, flags, disclosures, consents, entries)


@dataclass(frozen=True, slots=True)
class _PendingReport:
    """A citizen's report prepared outside any transaction, with what its own transaction
    must check again (the catalogue, the reporter's flags, a registrar's reference) and finish
    (its Idempotency-Key)."""

    submission: ReportSubmission
    payload: dict[str, Any]
    account: Account
    catalogue: Catalogue  # the plan's
    prepared: _PreparedReport
    vault: Vault
    clock: Clock
    idempotency: IdempotencyRequest | None
    cooling_off: timedelta

    def checked(self, uow: UnitOfWork) -> _PreparedReport:
        """The report to write, in the open transaction; refused (raising) before anything of
        it is written. A death or a birth needs a registrar's reference whose details match,
        used up in this transaction (ADR 0087)."""
        draft, now = self.submission.draft, self.clock.now()
        authority = authority_for(
            draft.event_type, self.payload, uow=uow, vault=self.vault, now=now
        )
        prepared = self.prepared
        current = uow.catalogue.current()
        flags = _active_flags(uow, self.account)
        if (current is not self.catalogue and current != self.catalogue) or flags != prepared.flags:
            plan = plan_routes(draft.event_type, self.payload, draft.answers, current)
            _check_plan(plan, self.submission)  # changed meanwhile: planned again
            prepared = _prepare_report(
                self.submission,
                plan,
                self.payload,
                self.account,
                self.vault,
                self.clock,
                uow.people.key_for,
                flags=flags,
                cooling_off=self.cooling_off,
            )
        if authority is not None:
            use_authority(authority, prepared.report.id, uow=uow, now=now)
        return prepared

    def completed(self, uow: UnitOfWork, view: ReportView) -> None:
        if self.idempotency is not None:
            uow.idempotency.complete(self.idempotency.caller, self.idempotency.key, view.reference)


class ReportWriter:
    """Writes citizens' reports, with group commit (``GroupCommit``): the reports that arrive
    while one transaction is being written are written together in the next, each whole or
    refused alone. One per process (the composition root's), so concurrent requests share it."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self._group: GroupCommit[_PendingReport, ReportView] = GroupCommit(self._write)

    def write(self, pending: _PendingReport) -> ReportView:
        return self._group.submit(pending)

    @property
    def waiting(self) -> int:
        return self._group.waiting

    def _write(self, batch: Sequence[_PendingReport]) -> list[ReportView | Exception]:
        refused: dict[int, Exception] = {}
        ready: list[tuple[int, _PreparedReport]] = []
        with self._uow_factory() as uow:
            for index, pending in enumerate(batch):
                try:
                    ready.append((index, pending.checked(uow)))
                except TellonceError as error:
                    refused[index] = error
            views = dict(
                zip(
                    (index for index, _ in ready),
                    _write_prepared(uow, [prepared for _, prepared in ready]),
                    strict=True,
                )
            )
            for index, view in views.items():
                batch[index].completed(uow, view)
            uow.commit()
        return [views[i] if i in views else refused[i] for i in range(len(batch))]


def _write_prepared(uow: UnitOfWork, batch: Sequence[_PreparedReport]) -> list[ReportView]:
    """Write prepared reports whole in the open transaction, a few statements for the batch
    (one a table), not a few for each report; their views as written, in order."""
    new_people = {p.report.subject_person_id: p.new_subject for p in batch if p.new_subject}
    if new_people:
        uow.people.add(new_people, min(p.report.submitted_at for p in batch))
    # The fraud guard writes to the address in the citizen's previous report: read before
    # this one is added.
    earlier = {
        p.report.id: uow.reports.for_account(p.report.account_id, 1, 0)
        for p in batch
        if p.report.held_until is not None
    }
    batch_reports = _fresh_references(uow, [p.report for p in batch])
    sequences = uow.people.next_sequences(
        [
            (r.subject_person_id, [t.recipient.id for t in p.told])
            for r, p in zip(batch_reports, batch, strict=True)
        ]
    )
    endpoints = uow.reports.pushed([t.recipient.id for p in batch for t in p.told])
    written_disclosures: list[NewDisclosure] = []
    consents: list[NewConsentRecord] = []
    queued_messages: list[NewQueuedMessage] = []
    views: list[ReportView] = []
    for report, prepared, numbers in zip(batch_reports, batch, sequences, strict=True):
        queued = [
            route.recipient.channel is not Channel.PULL and route.agreement.id not in prepared.held
            for route in prepared.told
        ]
        # A push to an endpoint that is disabled (410 Gone, or an operator) waits, and says so.
        disclosures = [
            dataclasses.replace(
                d,
                sequence=number,
                state=DisclosureState.ENDPOINT_DISABLED.value
                if push and endpoints.get(d.recipient_id) == "disabled"
                else d.state,
            )
            for d, number, push in zip(prepared.disclosures, numbers, queued, strict=True)
        ]
        written_disclosures.extend(disclosures)
        consents.extend(prepared.consents)
        # The outbox: push recipients' messages commit with the report, or not at all.
        queued_messages.extend(
            # Held for its cooling-off: not due before the end (ADR 0088).
            NewQueuedMessage(
                str(d.id),
                d.id,
                QueueKind.DISCLOSURE,
                report.held_until or d.created_at,
                d.recipient_id,
            )
            for d, push in zip(disclosures, queued, strict=True)
            if push
        )
        names = [r.recipient.name for r in prepared.told]
        views.append(written_view(report, disclosures, names, frozenset(endpoints)))
    uow.reports.add(batch_reports, written_disclosures, consents)
    uow.deliveries.enqueue(queued_messages)
    write_report_entries(uow, [p.entries for p in batch])
    newest: dict[uuid.UUID, str] = {}  # each account's report just before, in this batch
    for report in batch_reports:
        if report.held_until is not None:
            before = earlier[report.id]
            previous = newest.get(report.account_id, before[0].reference if before else None)
            _tell_of_hold(uow, report, report.held_until, previous)
        newest[report.account_id] = report.reference
    return views


def _fresh_references(uow: UnitOfWork, batch: Sequence[NewReport]) -> list[NewReport]:
    """The reports, each with a reference no stored report (nor another in the batch) has."""
    fresh = list(batch)
    clashing = list(range(len(fresh)))
    while clashing:
        taken = uow.reports.references_taken([fresh[i].reference for i in clashing])
        counted = Counter(report.reference for report in fresh)
        taken.update(reference for reference, times in counted.items() if times > 1)
        clashing = [i for i in clashing if fresh[i].reference in taken]
        for i in clashing:
            fresh[i] = dataclasses.replace(fresh[i], reference=new_reference())
    return fresh


def _tell_of_hold(
    uow: UnitOfWork, report: NewReport, held_until: datetime, earlier: str | None
) -> None:
    """The fraud guard's messages: to the address given in the report (or failing that the
    newest on record) and to the address in the citizen's previous report, if any."""
    local = held_until.astimezone(UK)
    when = f"{local:%H:%M} on {local.day} {local:%B %Y}"
    message = {"reference": report.reference, "held_until": when}
    queue_message(uow, report.account_id, "address-change-held", message, report.submitted_at)
    if earlier is not None:
        to_earlier = {**message, "contact_reference": earlier}
        queue_message(
            uow, report.account_id, "address-change-held", to_earlier, report.submitted_at
        )


def _active_flags(uow: UnitOfWork, account: Account) -> frozenset[RightKind]:
    """The restriction and objection in force for the reporter's account (docs/rights.md)."""
    return frozenset(RightKind(flag) for flag in uow.rights.active_flags(account.id))


def written_view(
    report: NewReport,
    disclosures: Sequence[NewDisclosure],
    recipient_names: Sequence[str],
    pushed: frozenset[str],
) -> ReportView:
    """The view of a report as it was just written: what ``report_status`` would read back."""
    views = [
        DisclosureView(
            id=d.id,
            recipient_id=d.recipient_id,
            recipient_name=name,
            agreement_id=d.agreement_id,
            agreement_version=d.agreement_version,
            basis=d.basis,
            fields=tuple(d.fields),
            state=d.state,
            created_at=d.created_at,
            updated_at=d.created_at,
            delivered_at=None,
            acknowledged_at=None,
            outcome=None,
            outcome_reason=None,
            outcome_at=None,
            acknowledge_by=d.acknowledge_by,
            pushed=d.recipient_id in pushed,
        )
        for d, name in zip(disclosures, recipient_names, strict=True)
    ]
    views.sort(key=lambda v: (v.recipient_name, v.agreement_id))
    return ReportView(
        id=report.id,
        reference=report.reference,
        event_type=report.event_type,
        schema_version=report.schema_version,
        submitted_at=report.submitted_at,
        disclosures=tuple(views),
        subject_person_id=report.subject_person_id,
        reporter_role=report.reporter_role,
        held_until=report.held_until,
    )


def _request_digest(submission: ReportSubmission) -> str:
    body = {
        "event_type": submission.draft.event_type,
        "payload": submission.draft.payload,
        "answers": submission.draft.answers,
        "consents": submission.consents,
        "preview_digest": submission.preview_digest,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim_key(
    request: IdempotencyRequest, digest: str, uow_factory: UnitOfWorkFactory, clock: Clock
) -> str | None:
    """Claim the key in its own short transaction; return a reference to replay, if any."""
    now = clock.now()
    with uow_factory() as uow:
        claim = uow.idempotency.claim(
            request.caller, request.key, digest, now, now + request.lock_for, now + request.ttl
        )
        uow.commit()
    if claim.status == "mismatch":
        raise InvalidInput(
            [
                FieldProblem(
                    ("header", "Idempotency-Key"),
                    "This Idempotency-Key was already used with a different request",
                )
            ]
        )
    if claim.status == "in-progress":
        raise Conflict("A request with this Idempotency-Key is still being processed")
    return claim.report_reference if claim.status == "replay" else None
