"""The transparency log through the API and the CLI, on SQLite and PostgreSQL: a citizen
submits a report, downloads a receipt and verifies it offline; auditors read tiles, proofs
and recompute the log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import log_entries
from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.domain.transparency.checkpoints import open_checkpoint
from tellonce.domain.transparency.merkle import MerkleTree
from tellonce.domain.transparency.tiles import decode_entry_bundle
from tellonce.entrypoints.cli import main
from tellonce.service_layer.ports.transparency import PendingLogEntry
from tellonce.service_layer.transparency.entries import publish_checkpoint, record_delivered
from tests.fakes import FakeClock
from tests.support.api import sign_in, submission


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
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
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
        ("inclusion", {"index": size}, "#/query/index"),
        ("inclusion", {"index": 0, "size": size + 1}, "#/query/size"),
        ("consistency", {"from": size + 1}, "#/query/from"),
    ]:
        problem = client.get(f"/api/v1/log/proofs/{path}", params=params)
        assert problem.status_code == 422
        assert problem.json()["errors"][0]["pointer"] == pointer


@pytest.mark.usefixtures("cli_env")
def test_log_verify_recomputes_the_log_from_storage(
    client: TestClient, hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    submit(client, sign_in(client, "mover"))
    assert main(["log", "integrate"], clock=hub.clock) == 0
    assert main(["log", "key"], clock=hub.clock) == 0
    assert capsys.readouterr().out.strip().endswith(hub.log_signer.verifier_key)
    seen = tmp_path / "seen.checkpoint"
    assert main(["log", "verify", "--save-checkpoint", str(seen)], clock=hub.clock) == 0
    assert "disclosure-authorised" in capsys.readouterr().out
    submit(client, sign_in(client, "mover"))
    sequence(hub)
    assert main(["log", "verify", "--trusted-checkpoint", str(seen)], clock=hub.clock) == 0
    assert "consistent with the trusted checkpoint" in capsys.readouterr().out
    with hub.engine.begin() as connection:  # rewrite history
        first = connection.execute(sa.select(sa.func.min(log_entries.c.id))).scalar_one()
        connection.execute(
            sa.update(log_entries).where(log_entries.c.id == first).values(entry=b'{"kind":"x"}')
        )
    assert main(["log", "verify"], clock=hub.clock) == 1
    assert "FAILED" in capsys.readouterr().err


def _root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2, as written there: no code of the hub's."""
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        assert sn != 0
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0
    return r


def test_a_receipt_verifies_by_hand_from_what_the_docs_say(client: TestClient, hub: Hub) -> None:
    """docs/transparency-log.md "Verifying a receipt by hand", step by step, with nothing but
    the standard library and an Ed25519 implementation."""
    auth = sign_in(client, "auditor")
    reference = submit(client, auth)["reference"]
    sequence(hub)
    receipt = client.get(f"/api/v1/reports/{reference}/receipt", headers=auth).json()
    assert set(receipt) == {"format", "report", "log", "how_to_verify", "entries"}
    assert receipt["format"] == "tellonce.uk/receipt@v1" and receipt["report"] == reference
    name, key_id, key_b64 = hub.log_signer.verifier_key.split("+", 2)
    key = base64.b64decode(key_b64)
    assert key[0] == 0x01 and name == receipt["log"]
    assert hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == key_id
    public_key = Ed25519PublicKey.from_public_bytes(key[1:])
    committed = 0
    for item in receipt["entries"]:
        assert set(item) == {"entry", "commitment_key", "tlog_proof"}
        head, _, note = item["tlog_proof"].partition("\n\n")
        lines = head.split("\n")
        assert lines[0] == "c2sp.org/tlog-proof@v1"
        index = int(lines[1].removeprefix("index "))
        proof = [base64.b64decode(line) for line in lines[2:]]
        # 1. The checkpoint is the log's.
        split = note.rindex("\n\n")
        text, signatures = note[: split + 1], note[split + 2 :].splitlines()
        origin, size, root = text.split("\n")[:3]
        assert origin == receipt["log"]
        [blob] = [
            base64.b64decode(line.split(" ")[2])
            for line in signatures
            if line.startswith(f"— {name} ")
        ]
        assert blob[:4].hex() == key_id
        public_key.verify(blob[4:], text.encode())  # raises if the signature is wrong
        # 2. The entry is in that tree.
        leaf = hashlib.sha256(b"\x00" + item["entry"].encode("utf-8")).digest()
        computed = _root_from_inclusion_proof(index, int(size), leaf, proof)
        assert computed == base64.b64decode(root)
        # 3. The entry is about the person: HMAC over the id's text, not its 16 bytes.
        entry = json.loads(item["entry"])
        if "commitment" in entry and item["commitment_key"] is not None:
            person_key = base64.b64decode(item["commitment_key"])
            assert len(person_key) == 32
            mac = hmac.digest(person_key, entry["id"].encode("ascii"), "sha256")
            assert base64.b64encode(mac).decode() == entry["commitment"]
            raw = hmac.digest(person_key, uuid.UUID(entry["id"]).bytes, "sha256")
            assert base64.b64encode(raw).decode() != entry["commitment"]
            committed += 1
    assert committed >= 1
