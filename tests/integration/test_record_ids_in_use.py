"""Which stored ids are time-ordered (ADR 0097): a report, its disclosures and consent records
are; a person's id and a transparency log entry's id stay random, since a version 7 id dates
its row to the millisecond (the public log gives only the hour)."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from tellonce.adapters.database.schema import consent_records, disclosures, log_entries, reports
from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.reporting import (
    ReportDraft,
    ReportSubmission,
    preview_report,
    submit_report,
)
from tests.factories import small_catalogue
from tests.support.api import signed_in_account


def _versions(hub: Hub, column: sa.ColumnElement[uuid.UUID]) -> set[int | None]:
    with hub.engine.connect() as connection:
        return {value.version for value in connection.execute(sa.select(column)).scalars()}


def test_a_reports_rows_have_time_ordered_ids_and_people_and_log_entries_random_ones(
    hub: Hub,
) -> None:
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    account = signed_in_account(hub, "mover")
    draft = ReportDraft(
        "change-of-address",
        example_payload("change-of-address", today=hub.clock.now().date()),
        {"holds-driving-licence": True},
    )
    plan = preview_report(draft, uow=hub.uow(), clock=hub.clock)
    submit_report(
        ReportSubmission(draft, {"charity-newsletter": True}, plan.digest(), "api"),
        account=account,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
    )

    assert _versions(hub, reports.c.id) == {7}
    assert _versions(hub, disclosures.c.id) == {7}
    assert _versions(hub, consent_records.c.id) == {7}
    assert _versions(hub, reports.c.subject_person_id) == {4}
    assert account.person_id.version == 4
    with hub.engine.connect() as connection:
        entries = [
            json.loads(e) for e in connection.execute(sa.select(log_entries.c.entry)).scalars()
        ]
    assert entries
    assert {uuid.UUID(e["id"]).version for e in entries} == {4}
