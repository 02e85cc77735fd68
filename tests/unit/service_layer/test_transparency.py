"""The transparency log's use cases on the fakes: sequencing, signing checkpoints, proofs."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from tellonce.adapters.signing import Ed25519NoteSigner, generate_signer_key
from tellonce.domain.errors import Conflict
from tellonce.domain.transparency.report_receipts import verify_report_receipt
from tellonce.service_layer.consent_records import consent_records_for_account
from tellonce.service_layer.consents import withdraw_consent
from tellonce.service_layer.transparency.entries import receipt_for_report
from tellonce.service_layer.transparency.reads import log_resource, storage_fetch, verify_log
from tellonce.service_layer.transparency.sequencer import (
    Integrated,
    LogIntegrityError,
    Sequencer,
    integrate_pending,
    publish_checkpoint,
    release_lease,
)
from tests.support.fake_world import World

AGREEMENTS = 6  # the small catalogue's agreements, each logged as published


def test_publishing_sequences_what_is_pending_and_signs_a_checkpoint(
    world: World, sequencer: Sequencer
) -> None:
    verifier = sequencer.signer.verifier()  # type: ignore[attr-defined]
    checkpoint = publish_checkpoint(sequencer, verifier)
    assert checkpoint is not None
    assert checkpoint.size == AGREEMENTS
    assert checkpoint.signed_at == world.clock.now()
    note = log_resource("checkpoint", uow=world.database.uow()).data.decode()
    assert note == checkpoint.note
    audit = verify_log(storage_fetch(world.database.uow), verifier)
    assert audit.checkpoint.size == AGREEMENTS
    assert audit.entries_by_kind == {"agreement-version-published": AGREEMENTS}


def test_a_receipt_waits_for_a_checkpoint_then_proves_every_entry(
    world: World, sequencer: Sequencer
) -> None:
    report = world.submit(consent=True)
    uow = world.database.uow
    with pytest.raises(Conflict):
        receipt_for_report(report.reference, account=world.account, uow=uow(), vault=world.vault)
    assert integrate_pending(sequencer) == Integrated(AGREEMENTS + 7, 1, AGREEMENTS + 7)
    receipt = receipt_for_report(
        report.reference, account=world.account, uow=uow(), vault=world.vault
    )
    verified = verify_report_receipt(receipt, sequencer.signer.verifier())  # type: ignore[attr-defined]
    assert [v.index for v in verified] == list(range(AGREEMENTS, AGREEMENTS + 7))
    assert all(v.commitment_checked for v in verified)
    assert {v.body["kind"] for v in verified} == {"disclosure-authorised", "consent-given"}


def test_a_ready_receipt_stays_ready_while_a_later_entry_waits_for_a_checkpoint(
    world: World, sequencer: Sequencer
) -> None:
    """A delivery or a withdrawn consent adds an entry to the report after it was sent: the
    receipt leaves it out until a checkpoint covers it, rather than going back to "not ready"."""
    report = world.submit(consent=True)
    integrate_pending(sequencer)
    [record] = consent_records_for_account(world.account, uow=world.database.uow())
    withdraw_consent(
        uuid.UUID(record["record_id"]),
        account=world.account,
        uow=world.database.uow(),
        vault=world.vault,
        clock=world.clock,
    )
    verifier = sequencer.signer.verifier()  # type: ignore[attr-defined]

    def kinds() -> list[str]:
        receipt = receipt_for_report(
            report.reference, account=world.account, uow=world.database.uow(), vault=world.vault
        )
        return [v.body["kind"] for v in verify_report_receipt(receipt, verifier)]

    assert "consent-withdrawn" not in kinds() and len(kinds()) == 7
    integrate_pending(sequencer)
    assert kinds()[-1] == "consent-withdrawn" and len(kinds()) == 8


def test_a_receipt_waits_for_every_entry_made_when_the_report_was_sent(
    world: World, sequencer: Sequencer
) -> None:
    """A checkpoint that covers only some of a report's first entries (a batch boundary falls
    inside them) is not enough: the receipt would leave out part of what was authorised."""
    report = world.submit()  # five disclosures: five entries, after the six agreements
    integrate_pending(replace(sequencer, batch_size=AGREEMENTS + 2), max_batches=1)
    with pytest.raises(Conflict):
        receipt_for_report(
            report.reference, account=world.account, uow=world.database.uow(), vault=world.vault
        )
    integrate_pending(sequencer)
    receipt = receipt_for_report(
        report.reference, account=world.account, uow=world.database.uow(), vault=world.vault
    )
    assert len(receipt.items) == 5


def test_batches_are_bounded_and_each_signed(world: World, sequencer: Sequencer) -> None:
    world.submit()  # five disclosures: five entries, after the six agreements
    small = replace(sequencer, batch_size=4)
    assert integrate_pending(small) == Integrated(11, 3, 11)
    assert [c.size for c in world.database.tables.checkpoints] == [4, 8, 11]
    assert integrate_pending(small) == Integrated(0, 0, 11)


def test_one_sequencer_at_a_time(world: World, sequencer: Sequencer) -> None:
    assert integrate_pending(sequencer, max_batches=1).size == AGREEMENTS
    other = replace(sequencer, owner="sequencer-2")
    world.submit()
    assert integrate_pending(other) == Integrated(0, 0, None)  # the lease is held
    release_lease(sequencer)
    assert integrate_pending(other).size == AGREEMENTS + 5


def test_a_log_signed_by_another_key_is_refused(world: World, sequencer: Sequencer) -> None:
    integrate_pending(sequencer)
    signer_key, _ = generate_signer_key("hub.example/log")
    impostor = Ed25519NoteSigner.from_signer_key(signer_key)
    with pytest.raises(LogIntegrityError):
        publish_checkpoint(replace(sequencer, signer=impostor), impostor.verifier())
    assert len(world.database.tables.checkpoints) == 1
