"""`tellonce catalogue validate|load`: every problem reported; loading is idempotent and
versioned, and every disclosure keeps the agreement version it was made under."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from tellonce.adapters.database.schema import agreement_versions
from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.entrypoints.cli import main
from tellonce.service_layer.reporting import (
    ReportDraft,
    ReportSubmission,
    preview_report,
    submit_report,
)
from tests.support.api import signed_in_account
from tests.support.paths import CATALOGUE_DIR
from tests.support.staff import hub_actions


def versions(hub: Hub) -> dict[str, list[int]]:
    with hub.engine.connect() as connection:
        rows = connection.execute(
            sa.select(agreement_versions.c.agreement_id, agreement_versions.c.version)
        ).all()
    found: dict[str, list[int]] = {}
    for agreement_id, version in rows:
        found.setdefault(agreement_id, []).append(version)
    return found


def test_validate_reports_every_problem_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.yaml").write_text(
        "recipients:\n  - id: Not A Slug\n    name: x\n\n"
        "agreements:\n  - id: a\n    recipient: nobody\n"
    )
    assert main(["catalogue", "validate", str(tmp_path)]) == 1
    errors = capsys.readouterr().err
    assert "bad.yaml:2:" in errors
    assert "bad.yaml:6:" in errors or "bad.yaml:7:" in errors
    assert errors.count("bad.yaml:") >= 3


def test_the_demo_catalogue_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "validate", str(CATALOGUE_DIR)]) == 0
    assert "valid:" in capsys.readouterr().out


def test_loading_is_idempotent_and_a_change_is_a_new_version(
    cli_env: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = cli_env
    copy = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, copy)
    assert main(["catalogue", "load", str(copy)], clock=hub.clock) == 0
    first = versions(hub)
    assert main(["catalogue", "load", str(copy)], clock=hub.clock) == 0
    assert versions(hub) == first  # the same content is the same version
    assert "0 agreement versions published" in capsys.readouterr().out.splitlines()[-1]

    reference, disclosure_versions = _submit_move(hub)
    assert disclosure_versions["dwp-changes-of-circumstances"] == 1

    dwp = copy / "dwp.yaml"
    title = "title: Tell DWP when someone who gets a benefit or State Pension moves or changes name"
    assert title in dwp.read_text()
    dwp.write_text(dwp.read_text().replace(title, title + " (revised)"))
    assert main(["catalogue", "load", str(copy)], clock=hub.clock) == 0
    changed = {k: sorted(v) for k, v in versions(hub).items() if len(v) > 1}
    assert changed == {"dwp-changes-of-circumstances": [1, 2]}
    _, later_versions = _submit_move(hub)
    assert later_versions["dwp-changes-of-circumstances"] == 2
    account = signed_in_account(hub, "mover")
    with hub.uow() as uow:  # the earlier report keeps the versions it was made under
        view = uow.reports.view(reference, account.id)
    assert view is not None
    assert {d.agreement_id: d.agreement_version for d in view.disclosures} == disclosure_versions


def _submit_move(hub: Hub) -> tuple[str, dict[str, int]]:
    payload = example_payload("change-of-address", today=hub.clock.now().date())
    plan = preview_report(ReportDraft("change-of-address", payload), uow=hub.uow(), clock=hub.clock)
    answers = {q.id: True for q in plan.unanswered}
    draft = ReportDraft("change-of-address", payload, answers)
    plan = preview_report(draft, uow=hub.uow(), clock=hub.clock)
    result = submit_report(
        ReportSubmission(draft, {}, plan.digest(), "api"),
        account=signed_in_account(hub, "mover"),
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
    )
    return result.report.reference, {
        d.agreement_id: d.agreement_version for d in result.report.disclosures
    }


def test_an_agreement_removed_from_the_catalogue_is_retired_and_logged(
    cli_env: Hub, tmp_path: Path
) -> None:
    """Retiring by loading the catalogue is a hub action by the command line, as approving a
    retirement in the administration is (ADR 0078)."""
    hub = cli_env
    copy = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, copy)
    assert main(["catalogue", "load", str(copy)], clock=hub.clock) == 0
    assert hub_actions(hub) == []  # publishing has its own entries
    dwp = set(versions(hub))
    (copy / "dwp.yaml").unlink()
    assert main(["catalogue", "load", str(copy)], clock=hub.clock) == 0
    retired = [json.loads(entry) for entry in hub_actions(hub)]
    assert {a["action"] for a in retired} == {"agreement-retired"}
    assert all(a["actor"] == {"role": "command line", "organisation": "hub"} for a in retired)
    assert {a["agreement"] for a in retired} <= dwp and len(retired) >= 1
    assert main(["catalogue", "load", str(copy)], clock=hub.clock) == 0
    assert len(hub_actions(hub)) == len(retired)  # nothing more retired: nothing logged
