"""What an operator sees: /readyz's checks, /metrics's figures, 503 while the database is
away, JSON log lines (issue 15, docs/operations.md)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tellonce.bootstrap import Hub, bootstrap
from tellonce.entrypoints.asgi import create_app
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.entrypoints.ops.logs import JsonLines
from tellonce.service_layer.transparency.entries import integrate_pending
from tests.fakes import FakeClock
from tests.support.databases import make_settings
from tests.support.delivery import connect, run_rounds, submit_move
from tests.support.processes import free_port


def ready(client: TestClient) -> tuple[int, dict[str, dict[str, object]]]:
    response = client.get("/readyz")
    return response.status_code, response.json()["checks"]


def test_ready_only_once_a_worker_beats_and_not_once_it_falls_silent(
    client: TestClient, hub: Hub, clock: FakeClock
) -> None:
    status, checks = ready(client)
    assert status == 503
    assert client.get("/readyz").headers["content-type"] == "application/problem+json"
    assert checks["worker"] == {"ok": False, "detail": "no beat"}
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and checks["log-sequencer"]["ok"]

    hub.operations().beat("worker-a", clock.now())
    status, checks = ready(client)
    assert status == 200, checks

    clock.advance(timedelta(seconds=hub.settings.ready_heartbeat_seconds + 1))
    status, checks = ready(client)
    assert status == 503
    assert checks["worker"]["ok"] is False and checks["worker"]["detail"] == "61s old"
    hub.operations().beat("worker-b", clock.now())  # another worker, the same row
    assert ready(client)[0] == 200


def test_not_ready_while_the_log_sequencer_falls_behind(
    client: TestClient, hub: Hub, clock: FakeClock
) -> None:
    submit_move(client, today=clock.now().date())  # its log entries wait to be sequenced
    hub.operations().beat("worker", clock.now())
    assert ready(client)[0] == 200
    clock.advance(timedelta(seconds=hub.settings.ready_log_lag_seconds + 5))
    hub.operations().beat("worker", clock.now())
    status, checks = ready(client)
    assert status == 503 and checks["log-sequencer"]["ok"] is False, checks
    integrate_pending(hub.log_sequencer(owner="test"))
    assert ready(client) == (
        200,
        {**checks, "log-sequencer": {"ok": True, "detail": "nothing waiting"}},
    )


def test_not_ready_on_a_schema_the_code_was_not_built_for(
    client: TestClient, hub: Hub, clock: FakeClock
) -> None:
    hub.operations().beat("worker", clock.now())
    with hub.engine.begin() as connection:
        [current] = connection.exec_driver_sql("SELECT version_num FROM alembic_version").one()
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    try:
        status, checks = ready(client)
    finally:
        with hub.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE alembic_version SET version_num = :v"), {"v": current}
            )
    assert status == 503
    assert checks["migrations"] == {"ok": False, "detail": f"at 0001, code expects {current}"}
    assert ready(client)[0] == 200


def test_an_unreachable_database_is_not_ready_and_the_api_answers_503_to_retry(
    tmp_path: Path,
) -> None:
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none?connect_timeout=2"
    hub = bootstrap(make_settings(tmp_path, nowhere))
    try:
        with TestClient(create_app(hub), raise_server_exceptions=False) as client:
            status, checks = ready(client)
            assert status == 503
            assert checks == {"database": {"ok": False, "detail": "OperationalError"}}
            response = client.post("/api/v1/demo/sessions", json={"name": "Siân"})
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"] == "5"
            assert response.json()["type"] == "/problems/service-unavailable"
            assert client.get("/healthz").status_code == 200  # alive, not ready
    finally:
        hub.close()


def families(client: TestClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_metrics_count_what_the_database_holds(hub: Hub, tmp_path: Path, clock: FakeClock) -> None:
    from tellonce.service_layer.catalogue import load_catalogue
    from tests.factories import small_catalogue

    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    settings = hub.settings.model_copy(update={"metrics_cache_seconds": 0})
    hub = Hub(settings=settings, engine=hub.engine, vault=hub.vault, clock=clock)
    with TestClient(create_app(hub), raise_server_exceptions=False) as client:
        for _ in range(2):
            submit_move(client, today=clock.now().date())
        before = families(client)
        assert before["tellonce_reports_accepted_total"] == {
            (("event_type", "change-of-address"),): 2.0
        }
        assert before["tellonce_disclosures"][(("state", "queued"),)] == 10
        with ReceiverServer() as receiver:
            receiver.state.behaviour = lambda path, _: (500 if path == "dwp" else 204, {})
            connect(hub, receiver)
            queued = families(client)["tellonce_queue_depth"]
            assert queued[(("recipient", "dwp"),)] == 2
            clock.advance(timedelta(minutes=1))
            run_rounds(hub)
        after = families(client)
    assert after["tellonce_delivery_attempts_total"] == {
        (("outcome", "delivered"),): 8.0,
        (("outcome", "retry"),): 2.0,
    }
    assert after["tellonce_disclosures"][(("state", "delivered"),)] == 8
    assert after["tellonce_disclosures"][(("state", "retrying"),)] == 2
    assert after["tellonce_queue_depth"] == {(("recipient", "dwp"),): 2.0}
    assert after["tellonce_queue_oldest_age_seconds"] == {(("recipient", "dwp"),): 60.0}
    assert after["tellonce_delivery_attempt_seconds_count"][()] == 10
    # Submitted, then delivered a minute later by the fake clock.
    latency = after["tellonce_delivery_latency_seconds_bucket"]
    assert latency[(("le", "15.0"),)] == 0 and latency[(("le", "60.0"),)] == 8
    assert after["tellonce_delivery_latency_seconds_count"][()] == 8
    assert after["tellonce_log_entries"][()] > 0
    assert "tellonce_log_checkpoint_age_seconds" in after


def test_json_log_lines_carry_the_message_and_an_error_type_only() -> None:
    try:
        raise ValueError("Siân Ellis-Roberts, 14 Ash Grove")
    except ValueError:
        record = logging.LogRecord(
            "tellonce.x", logging.ERROR, __file__, 1, "push failed (%s)", ("timeout",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonLines().format(record))
    assert line["message"] == "push failed (timeout)"
    assert line["level"] == "error" and line["logger"] == "tellonce.x"
    assert line["error"] == "ValueError"
    assert "Siân" not in json.dumps(line) and "Traceback" not in json.dumps(line)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
