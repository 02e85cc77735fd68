"""The catalogue of recipients and their data-sharing agreements, as published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tellonce.domain.catalogue import Agreement, Catalogue, Recipient


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    version: int
    digest: str


class CatalogueRepository(Protocol):
    def current(self) -> Catalogue: ...
    def save_recipient(self, recipient: Recipient, now: datetime) -> None: ...
    def published_versions(self) -> Mapping[str, PublishedVersion]: ...
    def publish(self, agreement: Agreement, digest: str, now: datetime) -> None: ...
    def retire(self, agreement_id: str, now: datetime) -> None: ...
    def agreement(self, agreement_id: str, version: int) -> Agreement: ...
