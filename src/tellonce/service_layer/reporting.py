"""Use cases for reporting a life event: preview who is told, submit, and follow its progress."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from tellonce.domain.catalogue import Channel
from tellonce.domain.disclosures import INITIAL_STATE
from tellonce.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    PreviewChanged,
)
from tellonce.domain.events import UnknownEventType, parse_payload
from tellonce.domain.references import new_reference, normalise_reference
from tellonce.domain.routing import PREVIEW_VERSION, RoutingPlan, plan_routes
from tellonce.service_layer.ports import (
    Account,
    Clock,
    NewConsentRecord,
    NewDisclosure,
    NewReport,
    ReportView,
    UnitOfWork,
    UnitOfWorkFactory,
    Vault,
)
from tellonce.service_layer.transparency import record_report_entries

# "Not in the future" is judged by the date in the UK, not in UTC: just after midnight in
# British Summer Time, UTC still says yesterday.
UK = ZoneInfo("Europe/London")

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
) -> SubmittedReport:
    """Accept a report: the report, sealed payload, disclosures, outbox rows and consent
    records are written in one transaction, or not at all."""
    draft = submission.draft
    payload = _validated_payload(draft, clock)
    if idempotency is not None:
        replay = _claim_key(idempotency, _request_digest(submission), uow_factory, clock)
        if replay is not None:
            view = _view_or_fail(replay, account, uow_factory)
            return SubmittedReport(view, replayed=True)
    try:
        with uow_factory() as uow:
            plan = plan_routes(draft.event_type, payload, draft.answers, uow.catalogue.current())
            _check_plan(plan, submission)
            reference = _write_report(uow, submission, plan, payload, account, vault, clock)
            if idempotency is not None:
                uow.idempotency.complete(idempotency.caller, idempotency.key, reference)
            uow.commit()
    except BaseException:
        if idempotency is not None:
            with uow_factory() as uow:
                uow.idempotency.release(idempotency.caller, idempotency.key)
                uow.commit()
        raise
    return SubmittedReport(_view_or_fail(reference, account, uow_factory), replayed=False)


def report_status(reference: str, *, account: Account, uow: UnitOfWork) -> ReportView:
    """A report and every disclosure with its state and timestamps, for its reporter only."""
    normalised = normalise_reference(reference)
    with uow:
        view = uow.reports.view(normalised, account.id) if normalised else None
    if view is None:
        raise NotFound("There is no report with that reference")
    return view


def reports_for_account(
    *, account: Account, uow: UnitOfWork, limit: int = 50, offset: int = 0
) -> list[ReportView]:
    with uow:
        return uow.reports.for_account(account.id, limit, offset)


# --- steps ------------------------------------------------------------------------------------


def _validated_payload(draft: ReportDraft, clock: Clock) -> dict[str, Any]:
    try:
        model = parse_payload(
            draft.event_type, draft.payload, today=clock.now().astimezone(UK).date()
        )
    except UnknownEventType as error:
        raise InvalidInput([FieldProblem(("event_type",), str(error))]) from error
    except ValidationError as error:
        raise InvalidInput(
            [
                FieldProblem(("payload", *e["loc"]), _plain_message(e["msg"]))
                for e in error.errors(include_url=False, include_input=False)
            ]
        ) from error
    return model.model_dump(mode="json", exclude_none=True)


def _plain_message(message: str) -> str:
    # pydantic prefixes messages from our validators with "Value error, ".
    return message.removeprefix("Value error, ")


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


def _write_report(
    uow: UnitOfWork,
    submission: ReportSubmission,
    plan: RoutingPlan,
    payload: dict[str, Any],
    account: Account,
    vault: Vault,
    clock: Clock,
) -> str:
    now = clock.now()
    draft = submission.draft
    subject_id = account.person_id
    if draft.event_type in _SUBJECT_IS_SOMEONE_ELSE:
        subject_id = uuid.uuid4()
        subject_key = vault.new_person_key()
        uow.people.add(subject_id, subject_key, now)
    else:
        subject_key = uow.people.key_for(subject_id)
    report_id = uuid.uuid4()
    sealed = vault.seal(
        subject_key,
        json.dumps({"payload": payload, "answers": dict(draft.answers)}).encode(),
        report_id.bytes,
    )
    reference = _unused_reference(uow)
    report = NewReport(
        id=report_id,
        reference=reference,
        account_id=account.id,
        subject_person_id=subject_id,
        event_type=draft.event_type,
        schema_version=1,
        sealed_payload=sealed,
        preview_digest=plan.digest(),
        channel=submission.method,
        submitted_at=now,
    )
    told = [
        route
        for route in plan.routes
        if not route.agreement.consent_required or submission.consents.get(route.agreement.id)
    ]
    sequences = uow.people.next_sequences(subject_id, [r.recipient.id for r in told])
    disclosures = [
        NewDisclosure(
            id=uuid.uuid4(),
            report_id=report_id,
            recipient_id=route.recipient.id,
            agreement_id=route.agreement.id,
            agreement_version=route.agreement.version,
            basis=route.basis.value,
            fields=route.fields,
            state=INITIAL_STATE.value,
            created_at=now,
            person_id=subject_id,
            sequence=sequence,
            push=route.recipient.channel is not Channel.PULL,
        )
        for route, sequence in zip(told, sequences, strict=True)
    ]
    consents = [
        NewConsentRecord(
            id=uuid.uuid4(),
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
    ]
    uow.reports.add(report, disclosures, consents)
    record_report_entries(
        uow, vault, report, disclosures, consents, plan, person_keys={subject_id: subject_key}
    )
    return reference


def _unused_reference(uow: UnitOfWork) -> str:
    while True:
        reference = new_reference()
        if not uow.reports.reference_taken(reference):
            return reference


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


def _view_or_fail(reference: str, account: Account, uow_factory: UnitOfWorkFactory) -> ReportView:
    return report_status(reference, account=account, uow=uow_factory())
