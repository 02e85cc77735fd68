"""Use cases for the catalogue of recipients and agreements."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tellonce.domain.catalogue import Catalogue
from tellonce.service_layer.ports import Clock, UnitOfWork
from tellonce.service_layer.transparency import record_agreement_published


@dataclass(frozen=True, slots=True)
class LoadSummary:
    recipients: int
    published: tuple[str, ...]  # "agreement-id v2" for each new version
    unchanged: int
    retired: tuple[str, ...]


def load_catalogue(catalogue: Catalogue, *, uow: UnitOfWork, clock: Clock) -> LoadSummary:
    """Load a validated catalogue. Idempotent: unchanged agreements keep their version; a
    changed agreement is published as the next version; a removed one is retired. Disclosures
    already made keep the version they were made under."""
    now = clock.now()
    published: list[str] = []
    unchanged = 0
    with uow:
        for recipient in catalogue.recipients.values():
            uow.catalogue.save_recipient(recipient, now)
        current = uow.catalogue.published_versions()
        for agreement in catalogue.agreements:
            digest = agreement.content_digest()
            existing = current.get(agreement.id)
            if existing is not None and existing.digest == digest:
                unchanged += 1
                continue
            version = 1 if existing is None else existing.version + 1
            published_agreement = replace(agreement, version=version)
            uow.catalogue.publish(published_agreement, digest, now)
            record_agreement_published(uow, published_agreement, digest, now)
            published.append(f"{agreement.id} v{version}")
        wanted = {a.id for a in catalogue.agreements}
        retired = tuple(sorted(set(current) - wanted))
        for agreement_id in retired:
            uow.catalogue.retire(agreement_id, now)
        uow.commit()
    return LoadSummary(len(catalogue.recipients), tuple(published), unchanged, retired)


def current_catalogue(*, uow: UnitOfWork) -> Catalogue:
    with uow:
        return uow.catalogue.current()
