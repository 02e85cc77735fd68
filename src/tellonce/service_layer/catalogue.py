"""Use cases for the catalogue of recipients and agreements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from tellonce.domain.catalogue import Agreement, Catalogue
from tellonce.service_layer.hub_actions import Actor, record_action
from tellonce.service_layer.ports import Clock, PublishedVersion, UnitOfWork
from tellonce.service_layer.transparency.entries import record_agreement_published


@dataclass(frozen=True, slots=True)
class LoadSummary:
    recipients: int
    published: tuple[str, ...]  # "agreement-id v2" for each new version
    unchanged: int
    retired: tuple[str, ...]


def load_catalogue(
    catalogue: Catalogue, *, uow: UnitOfWork, clock: Clock, actor: Actor | None = None
) -> LoadSummary:
    """Load a validated catalogue. Idempotent: unchanged agreements keep their version; a
    changed agreement is published as the next version; a removed one is retired. Disclosures
    already made keep the version they were made under. With an ``actor`` (the command line),
    each retirement is a hub action, as approving one in the administration is (ADR 0078)."""
    now = clock.now()
    published: list[str] = []
    unchanged = 0
    with uow:
        for recipient in catalogue.recipients.values():
            uow.catalogue.save_recipient(recipient, now)
        current = uow.catalogue.published_versions()
        for agreement in catalogue.agreements:
            version = publish_if_changed(uow, agreement, current, now)
            if version is None:
                unchanged += 1
                continue
            published.append(f"{agreement.id} v{version}")
        wanted = {a.id for a in catalogue.agreements}
        retired = tuple(sorted(set(current) - wanted))
        for agreement_id in retired:
            uow.catalogue.retire(agreement_id, now)
            record_action(uow, actor, "agreement-retired", now, {"agreement": agreement_id})
        uow.commit()
    return LoadSummary(len(catalogue.recipients), tuple(published), unchanged, retired)


def publish_if_changed(
    uow: UnitOfWork,
    agreement: Agreement,
    current: Mapping[str, PublishedVersion],
    now: datetime,
) -> int | None:
    """Publish ``agreement`` as its next version unless its content is already in force; the
    version published, or None. The YAML catalogue and the administration's approvals both
    come through here, so the same content makes the same versions (ADR 0092)."""
    digest = agreement.content_digest()
    existing = current.get(agreement.id)
    if existing is not None and existing.digest == digest:
        return None
    version = 1 if existing is None else existing.version + 1
    published_agreement = replace(agreement, version=version)
    uow.catalogue.publish(published_agreement, digest, now)
    record_agreement_published(uow, published_agreement, digest, now)
    return version


def current_catalogue(*, uow: UnitOfWork) -> Catalogue:
    with uow:
        return uow.catalogue.current()
