"""The hub's state for a fast use-case test, on the in-memory fakes (tests/unit/service_layer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tellonce.domain.examples import example_payload
from tellonce.service_layer.ports import Vault
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.reports import ReportView
from tellonce.service_layer.reporting import (
    ReportDraft,
    ReportSubmission,
    preview_report,
    submit_report,
)
from tests.fakes import FakeClock, FakeDatabase


@dataclass
class World:
    """The hub's state for one test: the demo-like catalogue loaded, dwp and dvla pushed to,
    one citizen signed in."""

    database: FakeDatabase
    vault: Vault
    clock: FakeClock
    account: Account

    def submit(
        self,
        *,
        consent: bool = False,
        licence: bool = True,
        idempotency: object = None,
        cooling_off: timedelta = timedelta(0),
    ) -> ReportView:
        """A change of address from Leeds to Manchester (five recipients by law, and the
        charity by consent if ``consent``)."""
        draft = ReportDraft(
            "change-of-address",
            example_payload("change-of-address", today=self.clock.now().date()),
            {"holds-driving-licence": licence},
        )
        plan = preview_report(draft, uow=self.database.uow(), clock=self.clock)
        submission = ReportSubmission(draft, {"charity-newsletter": consent}, plan.digest(), "api")
        return submit_report(
            submission,
            account=self.account,
            uow_factory=self.database.uow,
            vault=self.vault,
            clock=self.clock,
            idempotency=idempotency,  # type: ignore[arg-type]
            cooling_off=cooling_off,
        ).report
