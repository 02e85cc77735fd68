"""submit_report on the fakes: one transaction writes the report, its disclosures, their
outbox rows, the consent records and the log entries — or nothing at all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.errors import PreviewChanged
from tellonce.domain.examples import example_payload
from tellonce.service_layer.reporting import (
    IdempotencyRequest,
    ReportDraft,
    ReportSubmission,
    report_status,
    submit_report,
)
from tests.support.fake_world import World


def test_a_report_queues_one_message_per_disclosure_to_a_push_recipient(world: World) -> None:
    report = world.submit(consent=True)
    tables = world.database.tables
    told = {d.recipient_id for d in report.disclosures}
    assert told == {
        "dwp", "dvla", "leeds-council-tax", "manchester-council-tax", "leeds-electoral",
        "a-charity",
    }  # fmt: skip
    by_id = {d.id: d for d in report.disclosures}
    queued = list(tables.queue.values())
    # Every recipient without "pull" in the catalogue is pushed to (once it has an endpoint);
    # the charity pulls, so it has no queue row, only its feed.
    assert sorted(by_id[q.disclosure_id].recipient_id for q in queued) == sorted(
        told - {"a-charity"}
    )
    assert all(q.kind == QueueKind.DISCLOSURE for q in queued)
    assert all(q.message_id == str(q.disclosure_id) for q in queued)
    assert all(q.due_at == world.clock.now() and q.attempts == 0 for q in queued)
    assert all(d.state == "queued" for d in report.disclosures)
    [consent] = tables.consents.values()
    assert consent.record.decision == "granted"
    # Six "disclosure-authorised" entries and one "consent-given", each with a commitment kept
    # for the "disclosure-delivered" entry to come.
    assert [e.pending.kind for e in tables.log_entries if e.pending.report_id == report.id] == [
        "disclosure-authorised"
    ] * 6 + ["consent-given"]
    assert set(tables.commitments) == set(by_id)


def test_a_refused_consent_is_recorded_and_discloses_nothing(world: World) -> None:
    report = world.submit(consent=False)
    assert "a-charity" not in {d.recipient_id for d in report.disclosures}
    [consent] = world.database.tables.consents.values()
    assert consent.record.decision == "refused"


def test_a_report_whose_preview_changed_writes_nothing(world: World) -> None:
    before = world.database.commits
    draft = ReportDraft(
        "change-of-address",
        example_payload("change-of-address", today=world.clock.now().date()),
        {"holds-driving-licence": True},
    )
    with pytest.raises(PreviewChanged):
        submit_report(
            ReportSubmission(draft, {}, "not-the-digest", "api"),
            account=world.account,
            uow_factory=world.database.uow,
            vault=world.vault,
            clock=world.clock,
        )
    tables = world.database.tables
    assert (tables.reports, tables.disclosures, tables.queue) == ({}, {}, {})
    assert world.database.commits == before


def test_a_repeated_idempotency_key_returns_the_same_report(world: World) -> None:
    key = IdempotencyRequest("api", "key-1", ttl=timedelta(days=1))
    first = world.submit(idempotency=key)
    again = world.submit(idempotency=key)
    assert again == first
    assert len(world.database.tables.reports) == 1


def test_the_reporter_follows_each_disclosure(world: World) -> None:
    report = world.submit()
    view = report_status(
        report.reference, account=world.account, uow=world.database.uow(), vault=world.vault
    )
    assert view == report
    assert {d.pushed for d in view.disclosures if d.recipient_id in {"dwp", "dvla"}} == {True}
    assert all(d.acknowledge_by is not None for d in view.disclosures)


def test_sequences_increase_per_person_at_each_recipient(world: World) -> None:
    first, second = world.submit(), world.submit()
    tables = world.database.tables
    dwp = [
        tables.disclosures[d.id].sequence
        for report in (first, second)
        for d in report.disclosures
        if d.recipient_id == "dwp"
    ]
    assert dwp == [1, 2]
