"""A served hub signs a checkpoint covering a new report's entries within the configured
interval, with nobody calling the sequencer by hand."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.domain.transparency.report_receipts import ReportReceipt, verify_report_receipt
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue
from tests.support.api import sign_in, submission


def test_the_running_sequencer_covers_a_new_report_within_seconds(hub: Hub) -> None:
    hub.settings = hub.settings.model_copy(update={"log_checkpoint_interval_seconds": 0.2})
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    with TestClient(create_app(hub, background=True)) as client:
        auth = sign_in(client, "waiting")
        body = submission(client, auth, holds_driving_licence=True)
        reference = client.post("/api/v1/reports", json=body, headers=auth).json()["reference"]
        submitted = time.monotonic()
        url = f"/api/v1/reports/{reference}/receipt"
        while (answer := client.get(url, headers=auth)).status_code == 409:
            assert time.monotonic() - submitted < 10, "no checkpoint covered the report"
            time.sleep(0.05)
        waited = time.monotonic() - submitted
    assert answer.status_code == 200, answer.text
    receipt = ReportReceipt.from_json(answer.content)
    verify_report_receipt(receipt, hub.log_signer.verifier())
    assert waited < 5
