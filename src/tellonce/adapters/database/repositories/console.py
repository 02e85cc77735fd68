"""Staff, their sessions, catalogue proposals, and the console's, administration's and
register's reads (ADR 0091, 0092)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tellonce.adapters.database.repositories.catalogue import (
    agreement_from_json,
    agreement_to_json,
    area_to_json,
)
from tellonce.adapters.database.repositories.disclosures import (
    RECORD_COLUMNS,
    RECORD_JOIN,
    disclosure_record,
)
from tellonce.adapters.database.schema import (
    agreement_versions,
    catalogue_proposals,
    delivery_attempts,
    delivery_queue,
    disclosures,
    recipient_keys,
    reports,
    staff_members,
    staff_sessions,
)
from tellonce.domain.areas import Area
from tellonce.domain.catalogue import Channel, Recipient, RecipientKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.service_layer.ports.console import (
    AgreementVersion,
    ApiKey,
    Attempt,
    DisclosureCount,
    InboxQuery,
    InboxRow,
    Proposal,
    QueueDepth,
    StaffMember,
)
from tellonce.service_layer.ports.disclosures import DisclosureRecord


def _member(row: Any) -> StaffMember:
    return StaffMember(row.id, row.email, row.name, row.role, row.recipient_id)


class SqlStaffRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, member: StaffMember, now: datetime) -> None:
        self._connection.execute(
            sa.insert(staff_members).values(
                id=member.id,
                email=member.email,
                name=member.name,
                role=member.role,
                recipient_id=member.recipient_id,
                created_at=now,
            )
        )

    def _one(self, condition: sa.ColumnElement[bool]) -> StaffMember | None:
        row = self._connection.execute(
            sa.select(staff_members).where(condition, staff_members.c.removed_at.is_(None))
        ).one_or_none()
        return None if row is None else _member(row)

    def by_email(self, email: str) -> StaffMember | None:
        return self._one(staff_members.c.email == email)

    def get(self, staff_id: uuid.UUID) -> StaffMember | None:
        return self._one(staff_members.c.id == staff_id)

    def of_recipient(self, recipient_id: str) -> list[StaffMember]:
        rows = self._connection.execute(
            sa.select(staff_members)
            .where(
                staff_members.c.recipient_id == recipient_id,
                staff_members.c.removed_at.is_(None),
            )
            .order_by(staff_members.c.name)
        )
        return [_member(row) for row in rows]

    def remove(self, staff_id: uuid.UUID, now: datetime) -> None:
        # A removed member keeps their row (the log's actor ids stay explainable) but loses
        # their address, so it can be invited again, and every session at once.
        self._connection.execute(
            sa.update(staff_members)
            .where(staff_members.c.id == staff_id)
            .values(removed_at=now, email=f"removed-{staff_id}")
        )
        self._connection.execute(
            sa.delete(staff_sessions).where(staff_sessions.c.staff_id == staff_id)
        )

    def add_session(
        self, token_hash: bytes, staff_id: uuid.UUID, now: datetime, expires_at: datetime
    ) -> None:
        self._connection.execute(
            sa.insert(staff_sessions).values(
                token_hash=token_hash, staff_id=staff_id, created_at=now, expires_at=expires_at
            )
        )

    def for_session(self, token_hash: bytes, now: datetime) -> StaffMember | None:
        row = self._connection.execute(
            sa.select(staff_members)
            .select_from(
                staff_sessions.join(staff_members, staff_members.c.id == staff_sessions.c.staff_id)
            )
            .where(
                staff_sessions.c.token_hash == token_hash,
                staff_sessions.c.expires_at > now,
                staff_members.c.removed_at.is_(None),
            )
        ).one_or_none()
        return None if row is None else _member(row)

    def end_session(self, token_hash: bytes) -> None:
        self._connection.execute(
            sa.delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash)
        )


def _recipient_to_json(recipient: Recipient) -> dict[str, Any]:
    return {
        "id": recipient.id,
        "name": recipient.name,
        "controller": recipient.controller,
        "kind": recipient.kind.value,
        "channel": recipient.channel.value,
        "area": area_to_json(recipient.area),
        "contact_email": recipient.contact_email,
        "contact_url": recipient.contact_url,
    }


def _recipient_from_json(data: dict[str, Any]) -> Recipient:
    return Recipient(
        id=data["id"],
        name=data["name"],
        controller=data["controller"],
        kind=RecipientKind(data["kind"]),
        area=Area.build(**data["area"]),
        channel=Channel(data["channel"]),
        contact_email=data["contact_email"],
        contact_url=data["contact_url"],
    )


def _proposal(row: Any) -> Proposal:
    definition = row.definition
    agreement, recipient = definition.get("agreement"), definition.get("recipient")
    return Proposal(
        id=row.id,
        kind=row.kind,
        subject_id=row.subject_id,
        agreement=agreement_from_json(agreement) if agreement else None,
        recipient=_recipient_from_json(recipient) if recipient else None,
        summary=row.summary,
        state=row.state,
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


class SqlProposalRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, proposal: Proposal) -> None:
        self._connection.execute(
            sa.insert(catalogue_proposals).values(
                id=proposal.id,
                kind=proposal.kind,
                subject_id=proposal.subject_id,
                definition={
                    "agreement": agreement_to_json(proposal.agreement)
                    if proposal.agreement
                    else None,
                    "recipient": _recipient_to_json(proposal.recipient)
                    if proposal.recipient
                    else None,
                },
                summary=proposal.summary,
                state=proposal.state,
                proposed_by=proposal.proposed_by,
                proposed_at=proposal.proposed_at,
            )
        )

    def get(self, proposal_id: uuid.UUID) -> Proposal | None:
        row = self._connection.execute(
            sa.select(catalogue_proposals)
            .where(catalogue_proposals.c.id == proposal_id)
            .with_for_update()
        ).one_or_none()
        return None if row is None else _proposal(row)

    def all(self, limit: int) -> list[Proposal]:
        rows = self._connection.execute(
            sa.select(catalogue_proposals)
            .order_by(catalogue_proposals.c.proposed_at.desc(), catalogue_proposals.c.id)
            .limit(limit)
        )
        return [_proposal(row) for row in rows]

    def decide(self, proposal_id: uuid.UUID, state: str, by: uuid.UUID, at: datetime) -> None:
        self._connection.execute(
            sa.update(catalogue_proposals)
            .where(catalogue_proposals.c.id == proposal_id)
            .values(state=state, decided_by=by, decided_at=at)
        )


_OPEN = (
    DisclosureState.QUEUED.value,
    DisclosureState.RETRYING.value,
    DisclosureState.DELIVERED.value,
    DisclosureState.OVERDUE.value,
    DisclosureState.DEAD_LETTERED.value,
    DisclosureState.ENDPOINT_DISABLED.value,
)


def _overdue(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        disclosures.c.acknowledged_at.is_(None),
        disclosures.c.acknowledge_by.is_not(None),
        disclosures.c.acknowledge_by < now,
        disclosures.c.state != DisclosureState.WITHDRAWN.value,
    )


class SqlConsoleReads:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def inbox(self, query: InboxQuery, now: datetime) -> tuple[list[InboxRow], int]:
        conditions: list[sa.ColumnElement[bool]] = [
            disclosures.c.recipient_id == query.recipient_id,
            # Never sent: the console shows nothing the feed would not.
            disclosures.c.state != DisclosureState.WITHDRAWN.value,
        ]
        if query.event_type:
            conditions.append(reports.c.event_type == query.event_type)
        if query.state == "unacknowledged":
            conditions.append(disclosures.c.acknowledged_at.is_(None))
        elif query.state == "acknowledged":
            conditions.append(
                sa.and_(disclosures.c.acknowledged_at.is_not(None), disclosures.c.outcome.is_(None))
            )
        elif query.state == "closed":
            conditions.append(disclosures.c.outcome.is_not(None))
        if query.overdue_only:
            conditions.append(_overdue(now))
        if query.since is not None:
            conditions.append(disclosures.c.created_at >= query.since)
        if query.until is not None:
            conditions.append(disclosures.c.created_at < query.until)
        source = disclosures.join(reports, reports.c.id == disclosures.c.report_id)
        total = self._connection.execute(
            sa.select(sa.func.count()).select_from(source).where(*conditions)
        ).scalar_one()
        order = disclosures.c.created_at.desc() if query.newest_first else disclosures.c.created_at
        rows = self._connection.execute(
            sa.select(
                disclosures.c.id,
                reports.c.event_type,
                disclosures.c.state,
                disclosures.c.agreement_id,
                disclosures.c.created_at,
                disclosures.c.acknowledge_by,
                disclosures.c.acknowledged_at,
                disclosures.c.outcome,
            )
            .select_from(source)
            .where(*conditions)
            .order_by(order, disclosures.c.id)
            .offset(query.offset)
            .limit(query.limit)
        )
        return [InboxRow(*row) for row in rows], total

    def records(self, recipient_id: str, ids: Sequence[uuid.UUID]) -> list[DisclosureRecord]:
        if not ids:
            return []
        rows = self._connection.execute(
            sa.select(*RECORD_COLUMNS)
            .select_from(RECORD_JOIN)
            .where(disclosures.c.recipient_id == recipient_id, disclosures.c.id.in_(ids))
            .order_by(disclosures.c.created_at, disclosures.c.id)
        )
        return [disclosure_record(row) for row in rows]

    def attempts(self, recipient_id: str, limit: int) -> list[Attempt]:
        rows = self._connection.execute(
            sa.select(
                delivery_attempts.c.attempted_at,
                delivery_attempts.c.status_code,
                delivery_attempts.c.error,
                delivery_attempts.c.verdict,
            )
            .select_from(
                delivery_attempts.join(
                    disclosures, disclosures.c.id == delivery_attempts.c.disclosure_id
                )
            )
            .where(disclosures.c.recipient_id == recipient_id)
            .order_by(delivery_attempts.c.id.desc())
            .limit(limit)
        )
        return [Attempt(*row) for row in rows]

    def api_keys(self, recipient_id: str) -> list[ApiKey]:
        rows = self._connection.execute(
            sa.select(
                recipient_keys.c.prefix,
                recipient_keys.c.environment,
                recipient_keys.c.label,
                recipient_keys.c.created_at,
                recipient_keys.c.revoked_at,
            )
            .where(recipient_keys.c.recipient_id == recipient_id)
            .order_by(recipient_keys.c.created_at.desc(), recipient_keys.c.prefix)
        )
        return [ApiKey(*row) for row in rows]

    def key_recipient(self, prefix: str) -> str | None:
        found: str | None = self._connection.execute(
            sa.select(recipient_keys.c.recipient_id).where(recipient_keys.c.prefix == prefix)
        ).scalar_one_or_none()
        return found

    def agreement_history(self) -> list[AgreementVersion]:
        rows = self._connection.execute(
            sa.select(
                agreement_versions.c.agreement_id,
                agreement_versions.c.version,
                agreement_versions.c.recipient_id,
                agreement_versions.c.digest,
                agreement_versions.c.published_at,
                agreement_versions.c.superseded_at,
            ).order_by(agreement_versions.c.agreement_id, agreement_versions.c.version.desc())
        )
        return [AgreementVersion(*row) for row in rows]

    def queue_depths(self, now: datetime) -> list[QueueDepth]:
        queue = (
            sa.select(
                disclosures.c.recipient_id,
                sa.func.count().filter(delivery_queue.c.state == "pending").label("pending"),
                sa.func.count().filter(delivery_queue.c.state == "dead").label("dead"),
                sa.func.min(delivery_queue.c.due_at)
                .filter(delivery_queue.c.state == "pending")
                .label("oldest"),
            )
            .select_from(
                delivery_queue.join(disclosures, disclosures.c.id == delivery_queue.c.disclosure_id)
            )
            .group_by(disclosures.c.recipient_id)
        )
        overdue: dict[str, int] = {
            row.recipient_id: row.overdue
            for row in self._connection.execute(
                sa.select(disclosures.c.recipient_id, sa.func.count().label("overdue"))
                .where(_overdue(now))
                .group_by(disclosures.c.recipient_id)
            )
        }
        depths = {
            row.recipient_id: QueueDepth(
                row.recipient_id,
                row.pending,
                row.dead,
                row.oldest,
                overdue.get(row.recipient_id, 0),
            )
            for row in self._connection.execute(queue)
        }
        for recipient_id, count in overdue.items():
            depths.setdefault(recipient_id, QueueDepth(recipient_id, 0, 0, None, count))
        return [depths[key] for key in sorted(depths)]

    def disclosure_counts(self) -> list[DisclosureCount]:
        # Grouped here rather than in SQL: month arithmetic differs between the two databases,
        # and the register reads a few rows per disclosure once per cache period (ADR 0090).
        rows = self._connection.execute(
            sa.select(
                disclosures.c.recipient_id,
                reports.c.event_type,
                disclosures.c.created_at,
                disclosures.c.delivered_at,
                disclosures.c.acknowledged_at,
                disclosures.c.outcome_at,
            )
            .select_from(disclosures.join(reports, reports.c.id == disclosures.c.report_id))
            .where(disclosures.c.state != DisclosureState.WITHDRAWN.value)
        )
        groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
        for row in rows:
            groups[(row.recipient_id, row.event_type, row.created_at.strftime("%Y-%m"))].append(row)
        counts = []
        for (recipient_id, event_type, month), members in sorted(groups.items()):
            acknowledged = tuple(
                (r.acknowledged_at - r.created_at).total_seconds() / 3600
                for r in members
                if r.acknowledged_at is not None
            )
            outcomes = tuple(
                (r.outcome_at - r.created_at).total_seconds() / 3600
                for r in members
                if r.outcome_at is not None
            )
            counts.append(
                DisclosureCount(
                    recipient_id, event_type, month, acknowledged, outcomes, len(members)
                )
            )
        return counts
