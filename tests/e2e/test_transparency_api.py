"""The transparency log through the API and the CLI, on SQLite and PostgreSQL: a citizen
submits a report, downloads a receipt and verifies it offline; auditors read tiles, proofs
and recompute the log."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import log_entries
from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.domain.transparency.checkpoints import open_checkpoint
from tellonce.domain.transparency.merkle import MerkleTree
from tellonce.domain.transparency.tiles import decode_entry_bundle
from tellonce.entrypoints.cli import main
from tellonce.service_layer.log_ports import PendingLogEntry
from tellonce.service_layer.transparency import publish_checkpoint, record_delivered
from tests.e2e.conftest import sign_in
from tests.e2e.test_intake_api import submission
from tests.fakes import FakeClock


def leaves(value: Any) -> Iterator[str]:
    """Every string in a payload (names, dates, postcodes, numbers)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, str):
        yield value


def sequence(hub: Hub) -> int:
    latest = publish_checkpoint(hub.log_sequencer(owner="test"), hub.log_signer.verifier())
    assert latest is not None
    return latest.size


def submit(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    body = submission(client, auth, {"charity-newsletter": True}, holds_driving_licence=True)
    response = client.post("/api/v1/reports", json=body, headers=auth)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


@pytest.fixture
def cli_env(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tellonce`` commands run in-process against the test hub's database and log key."""
    monkeypatch.setenv("TELLONCE_MODE", "development")
    monkeypatch.setenv("TELLONCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(
        "TELLONCE_DATABASE_URL", hub.engine.url.render_as_string(hide_password=False)
    )


def test_a_fresh_hub_s_log_already_lists_its_agreements(client: TestClient, hub: Hub) -> None:
    size = sequence(hub)
    checkpoint = client.get("/log/checkpoint")
    assert checkpoint.status_code == 200
    assert checkpoint.headers["content-type"].startswith("text/plain")
    assert checkpoint.headers["cache-control"] == "no-cache"
    opened = open_checkpoint(checkpoint.text, hub.log_signer.verifier())
    assert opened.size == size > 0
    key = client.get("/log/key")
    assert key.text.strip() == hub.log_signer.verifier_key
    bundle = client.get(f"/log/tile/entries/000.p/{size}")
    assert bundle.headers["content-type"] == "application/octet-stream"
    assert bundle.headers["cache-control"] == "public, max-age=60"
    kinds = {json.loads(entry)["kind"] for entry in decode_entry_bundle(bundle.content)}
    assert kinds == {"agreement-version-published"}
    tile = client.get(f"/log/tile/0/000.p/{size}")
    tree = MerkleTree.from_entries(decode_entry_bundle(bundle.content))
    assert tile.content == b"".join(tree.leaf_hash(i) for i in range(size))


def test_a_citizen_s_receipt_verifies_offline(
    client: TestClient, hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = sign_in(client, "mover")
    report = submit(client, auth)
    reference = report["reference"]
    early = client.get(f"/api/v1/reports/{reference}/receipt", headers=auth)
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    assert "not ready yet" in early.json()["detail"]
    sequence(hub)
    response = client.get(f"/api/v1/reports/{reference}/receipt", headers=auth)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    kinds = sorted(json.loads(item["entry"])["kind"] for item in document["entries"])
    assert kinds.count("disclosure-authorised") == len(report["disclosures"])
    assert kinds.count("consent-given") == 1
    personal = list(leaves(example_payload("change-of-address", today=FakeClock().now().date())))
    assert "LS6 2AB" in personal
    for item in document["entries"]:
        assert not [value for value in personal if value in item["entry"]]
    path = tmp_path / "receipt.json"
    path.write_bytes(response.content)
    assert main(["receipt", "verify", str(path), "--key", hub.log_signer.verifier_key]) == 0
    printed = capsys.readouterr().out
    assert f"receipt for report {reference}" in printed
    assert "commitment matches your key" in printed
    entry = document["entries"][0]["entry"]
    document["entries"][0]["entry"] = entry.replace('"v":1', '"v":1 ')
    path.write_text(json.dumps(document))
    assert main(["receipt", "verify", str(path), "--key", hub.log_signer.verifier_key]) == 1
    assert "FAILED" in capsys.readouterr().err


def test_someone_else_cannot_download_my_receipt(client: TestClient, hub: Hub) -> None:
    report = submit(client, sign_in(client, "mover"))
    sequence(hub)
    other = client.get(f"/api/v1/reports/{report['reference']}/receipt", headers=sign_in(client))
    assert other.status_code == 404
    assert client.get(f"/api/v1/reports/{report['reference']}/receipt").status_code == 401


def test_a_delivery_is_logged_once_and_joins_the_receipt(client: TestClient, hub: Hub) -> None:
    auth = sign_in(client, "mover")
    report = submit(client, auth)
    ids = [uuid.UUID(d["id"]) for d in report["disclosures"]]
    for _ in range(2):  # pushed, then fetched from the feed too: logged once
        with hub.uow() as uow:
            records = [record for i in ids if (record := uow.disclosures.get(i)) is not None]
            record_delivered(uow, records, hub.clock.now())
            uow.commit()
    sequence(hub)
    document = client.get(f"/api/v1/reports/{report['reference']}/receipt", headers=auth).json()
    kinds = [json.loads(item["entry"])["kind"] for item in document["entries"]]
    assert kinds.count("disclosure-delivered") == len(ids)


def test_proofs_and_tiles_with_their_caching_and_problems(client: TestClient, hub: Hub) -> None:
    with hub.uow() as uow:
        uow.log.add_pending(
            [
                PendingLogEntry("test", b'{"kind":"test","n":%d}' % i, hub.clock.now())
                for i in range(300)
            ]
        )
        uow.commit()
    size = sequence(hub)
    assert size > 256
    full = client.get("/log/tile/0/000")
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert len(full.content) == 256 * 32
    partial = client.get(f"/log/tile/0/001.p/{size - 256}")
    assert partial.headers["cache-control"] == "public, max-age=60"
    for missing in ["/log/tile/0/002", "/log/tile/0/001", "/log/tile/1/000", "/log/tile/x/1"]:
        answer = client.get(missing)
        assert answer.status_code == 404, missing
        assert answer.headers["content-type"] == "application/problem+json"
    inclusion = client.get("/api/v1/log/proofs/inclusion", params={"index": 3, "size": 300})
    assert inclusion.status_code == 200
    assert inclusion.json()["size"] == 300
    assert all(len(base64.b64decode(h)) == 32 for h in inclusion.json()["hashes"])
    consistency = client.get("/api/v1/log/proofs/consistency", params={"from": 10})
    assert consistency.json()["from"] == 10
    assert consistency.json()["to"] == size
    for path, params, pointer in [
        ("inclusion", {"index": size}, "#/index"),
        ("inclusion", {"index": 0, "size": size + 1}, "#/size"),
        ("consistency", {"from": size + 1}, "#/from"),
    ]:
        problem = client.get(f"/api/v1/log/proofs/{path}", params=params)
        assert problem.status_code == 422
        assert problem.json()["errors"][0]["pointer"] == pointer


@pytest.mark.usefixtures("cli_env")
def test_log_verify_recomputes_the_log_from_storage(
    client: TestClient, hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    submit(client, sign_in(client, "mover"))
    assert main(["log", "integrate"]) == 0
    assert main(["log", "key"]) == 0
    assert capsys.readouterr().out.strip().endswith(hub.log_signer.verifier_key)
    seen = tmp_path / "seen.checkpoint"
    assert main(["log", "verify", "--save-checkpoint", str(seen)]) == 0
    assert "disclosure-authorised" in capsys.readouterr().out
    submit(client, sign_in(client, "mover"))
    sequence(hub)
    assert main(["log", "verify", "--trusted-checkpoint", str(seen)]) == 0
    assert "consistent with the trusted checkpoint" in capsys.readouterr().out
    with hub.engine.begin() as connection:  # rewrite history
        first = connection.execute(sa.select(sa.func.min(log_entries.c.id))).scalar_one()
        connection.execute(
            sa.update(log_entries).where(log_entries.c.id == first).values(entry=b'{"kind":"x"}')
        )
    assert main(["log", "verify"]) == 1
    assert "FAILED" in capsys.readouterr().err
