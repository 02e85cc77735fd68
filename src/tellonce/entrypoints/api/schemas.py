"""The API's request and response shapes — separate from the domain's types on purpose."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tellonce.domain.events import subject_description
from tellonce.domain.registrations import RegisteredDetails
from tellonce.domain.routing import Route, RoutingPlan
from tellonce.service_layer.ports.reports import DisclosureView, ReportView

EventType = Literal["change-of-address", "change-of-name", "birth", "death", "marriage"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReportDraftIn(_In):
    event_type: EventType
    payload: dict[str, Any] = Field(
        description=(
            "The life event, shaped by its JSON Schema at /api/v1/schemas/{event_type}/v1.json"
        )
    )
    answers: dict[str, bool] = Field(
        default_factory=dict, description="Answers to routing questions, by question id"
    )


class ReportSubmissionIn(ReportDraftIn):
    consents: dict[str, bool] = Field(
        default_factory=dict, description="For each consent-based agreement offered: tell them?"
    )
    preview_digest: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="preview_digest from the preview the citizen saw"
    )


class RecipientOut(BaseModel):
    id: str
    name: str
    controller: str
    kind: str


class LegalBasisOut(BaseModel):
    description: str
    article_6: str
    article_9: str | None
    dpv: str
    gateway: str | None
    gateway_source: str | None
    gateway_verified: bool | None


class RouteOut(BaseModel):
    agreement_id: str
    agreement_version: int
    title: str
    recipient: RecipientOut
    basis: Literal["law", "consent"]
    purpose: str
    purpose_dpv: str
    legal_basis: LegalBasisOut
    reasons: list[str]
    fields: list[str]
    data: dict[str, Any] = Field(description="Exactly what this recipient would receive")
    retention: str

    @classmethod
    def of(cls, route: Route) -> RouteOut:
        agreement, recipient = route.agreement, route.recipient
        gateway = agreement.gateway
        return cls(
            agreement_id=agreement.id,
            agreement_version=agreement.version,
            title=agreement.title,
            recipient=RecipientOut(
                id=recipient.id,
                name=recipient.name,
                controller=recipient.controller,
                kind=recipient.kind.value,
            ),
            basis=route.basis.value,
            purpose=agreement.purpose.description,
            purpose_dpv=agreement.purpose.dpv_code,
            legal_basis=LegalBasisOut(
                description=agreement.lawful_basis.describe(),
                article_6=agreement.lawful_basis.article_6,
                article_9=agreement.lawful_basis.article_9,
                dpv=agreement.lawful_basis.dpv_code,
                gateway=gateway.citation if gateway else None,
                gateway_source=gateway.source if gateway else None,
                gateway_verified=gateway.verified if gateway else None,
            ),
            reasons=list(route.reasons),
            fields=list(route.fields),
            data=dict(route.data),
            retention=agreement.retention,
        )


class QuestionOut(BaseModel):
    id: str
    text: str


class RegistrationRecordedOut(BaseModel):
    given_names: str
    family_name: str
    date_of_birth: date
    date_of_death: date | None
    district: str

    @classmethod
    def of(cls, details: RegisteredDetails) -> RegistrationRecordedOut:
        return cls(
            given_names=details.given_names,
            family_name=details.family_name,
            date_of_birth=details.date_of_birth,
            date_of_death=details.date_of_death,
            district=details.district,
        )


class PreviewOut(BaseModel):
    event_type: str
    preview_digest: str
    complete: bool = Field(description="False while routing questions are unanswered")
    by_law: list[RouteOut]
    by_consent: list[RouteOut]
    questions: list[QuestionOut]
    registration: RegistrationRecordedOut | None = Field(
        default=None, description="Deaths and births: what the registrar recorded (ADR 0087)"
    )

    @classmethod
    def of(cls, plan: RoutingPlan, registered: RegisteredDetails | None = None) -> PreviewOut:
        return cls(
            registration=RegistrationRecordedOut.of(registered) if registered else None,
            event_type=plan.event_type,
            preview_digest=plan.digest(),
            complete=not plan.unanswered,
            by_law=[RouteOut.of(r) for r in plan.by_law],
            by_consent=[RouteOut.of(r) for r in plan.by_consent],
            questions=[QuestionOut(id=q.id, text=q.text) for q in plan.unanswered],
        )


class TimelineOut(BaseModel):
    queued_at: datetime
    delivered_at: datetime | None
    acknowledge_by: datetime | None = Field(
        description=(
            "The recipient's acknowledgement deadline, counted from when the disclosure became "
            "available (pushed or in the feed); the recipient is reminded once it passes"
        )
    )
    acknowledged_at: datetime | None
    outcome_at: datetime | None
    consent_withdrawn_at: datetime | None = Field(
        description="When the citizen withdrew the consent this disclosure was made under"
    )
    updated_at: datetime


class DisclosureOut(BaseModel):
    id: str
    recipient: dict[str, str]
    agreement_id: str
    agreement_version: int
    basis: str
    fields: list[str]
    state: str
    outcome: str | None
    outcome_reason: str | None
    timeline: TimelineOut

    @classmethod
    def of(cls, view: DisclosureView) -> DisclosureOut:
        return cls(
            id=str(view.id),
            recipient={"id": view.recipient_id, "name": view.recipient_name},
            agreement_id=view.agreement_id,
            agreement_version=view.agreement_version,
            basis=view.basis,
            fields=list(view.fields),
            state=view.state,
            outcome=view.outcome,
            outcome_reason=view.outcome_reason,
            timeline=TimelineOut(
                queued_at=view.created_at,
                delivered_at=view.delivered_at,
                acknowledge_by=view.acknowledge_by,
                acknowledged_at=view.acknowledged_at,
                outcome_at=view.outcome_at,
                consent_withdrawn_at=view.consent_withdrawn_at,
                updated_at=view.updated_at,
            ),
        )


class ReportOut(BaseModel):
    reference: str
    event_type: str
    schema_version: int
    submitted_at: datetime
    reporter_role: str | None = Field(
        description="In what capacity you reported: self, informant, executor, parent or "
        "power_of_attorney (your claim, shown to the recipients whose agreement lists it)"
    )
    subject: str = Field(description='Who the report is about: "you", "the person who died"')
    held_until: datetime | None = Field(
        description="A change of address is held until then (the fraud guard): nothing is "
        "sent before, and you can cancel it (POST .../cancellation)"
    )
    cancelled_at: datetime | None = Field(description="When you cancelled it; nothing was sent")
    disclosures: list[DisclosureOut]

    @classmethod
    def of(cls, view: ReportView) -> ReportOut:
        return cls(
            reference=view.reference,
            event_type=view.event_type,
            schema_version=view.schema_version,
            submitted_at=view.submitted_at,
            reporter_role=view.reporter_role,
            subject=subject_description(view.event_type),
            held_until=view.held_until,
            cancelled_at=view.cancelled_at,
            disclosures=[DisclosureOut.of(d) for d in view.disclosures],
        )


class ReportListOut(BaseModel):
    reports: list[ReportOut]


class DemoSessionIn(_In):
    name: str | None = Field(default=None, max_length=50, description="A label for the citizen")


class SessionOut(BaseModel):
    token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int
