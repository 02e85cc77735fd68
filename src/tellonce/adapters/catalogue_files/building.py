"""The catalogue being built: records read so far, ids claimed, and the cross-file checks.

Recipients and agreements may be in different files, so the checks that link them run once
every file has been read; the catalogue is built only if no file had a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tellonce.adapters.catalogue_files.problems import CatalogueProblem, Where
from tellonce.adapters.catalogue_files.yaml_nodes import NodeMap, NodeReader, optional_node
from tellonce.domain.catalogue import Agreement, Catalogue, Recipient, RecipientKind


@dataclass
class AgreementLink:
    """What the cross-file checks need to know about an agreement."""

    label: str
    recipient_id: str
    recipient_at: Where
    consent_required: bool | None
    consent_at: Where


@dataclass
class CatalogueBuilder:
    """Everything the files have given so far, built into a catalogue once all are read."""

    problems: list[CatalogueProblem] = field(default_factory=list)
    recipients: dict[str, Recipient] = field(default_factory=dict)
    agreements: list[Agreement] = field(default_factory=list)
    recipient_ids: dict[str, Where] = field(default_factory=dict)
    recipient_kinds: dict[str, RecipientKind] = field(default_factory=dict)
    agreement_ids: dict[str, Where] = field(default_factory=dict)
    links: list[AgreementLink] = field(default_factory=list)

    def claim_id(
        self, nodes: NodeReader, fields: NodeMap, kind: str, seen: dict[str, Where]
    ) -> str | None:
        """The record's id, if it is a slug that no earlier record of its kind has used."""
        node = optional_node(fields, "id")
        if node is None:
            return None
        identifier = nodes.slug(node, f"{kind} id")
        if identifier is None:
            return None
        if identifier in seen:
            nodes.problem(node, f"{kind} id '{identifier}' is already used at {seen[identifier]}")
            return None
        seen[identifier] = nodes.where(node)
        return identifier

    def finish(self) -> tuple[Catalogue | None, list[CatalogueProblem]]:
        for link in self.links:
            self._check_link(link)
        if self.problems:
            # Files in name order, lines in order within each: the order a reviewer reads in.
            return None, sorted(self.problems, key=lambda problem: (problem.file, problem.line))
        return Catalogue(recipients=self.recipients, agreements=tuple(self.agreements)), []

    def _check_link(self, link: AgreementLink) -> None:
        kind = self.recipient_kinds.get(link.recipient_id)
        if link.recipient_id not in self.recipient_ids:
            self._add(link.recipient_at, f"{link.label}: no recipient has id '{link.recipient_id}'")
        elif kind is RecipientKind.PRIVATE and link.consent_required is False:
            self._add(
                link.consent_at,
                f"{link.label}: recipient '{link.recipient_id}' is a private organisation, "
                "so it may only receive data with consent (consent_required: true)",
            )

    def _add(self, where: Where, message: str) -> None:
        self.problems.append(CatalogueProblem(where.file, where.line, message))
