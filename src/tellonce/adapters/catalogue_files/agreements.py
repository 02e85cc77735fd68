"""The agreements section: what each recipient may receive, why, and on what terms."""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from yaml.nodes import Node

from tellonce.adapters.catalogue_files.building import AgreementLink, CatalogueBuilder
from tellonce.adapters.catalogue_files.lawfulness import (
    check_lawfulness,
    read_basis,
    read_gateway,
    read_purpose,
)
from tellonce.adapters.catalogue_files.records import Record, record_label
from tellonce.adapters.catalogue_files.yaml_nodes import NodeReader, allowed, optional_node
from tellonce.domain.catalogue import (
    AcknowledgementDeadline,
    Agreement,
    AreaAddress,
    DeadlineUnit,
    LawfulBasis,
    LegalGateway,
    Purpose,
    RoutingQuestion,
)
from tellonce.domain.events import EVENT_TYPES, field_paths

_ACK_MAX_DAYS = 365
_CHANGE_OF_ADDRESS = "change-of-address"

_AGREEMENT_REQUIRED = (
    "id",
    "recipient",
    "title",
    "fields",
    "purpose",
    "lawful_basis",
    "consent_required",
    "retention",
    "acknowledgement",
)
_AGREEMENT_OPTIONAL = ("gateway", "area_address", "questions")


def read_agreement(catalogue: CatalogueBuilder, nodes: NodeReader, node: Node) -> None:
    label = record_label("agreement", nodes, node)
    fields = nodes.mapping(node, label, _AGREEMENT_REQUIRED, _AGREEMENT_OPTIONAL)
    if fields is None:
        return
    before = len(nodes.problems)
    identifier = catalogue.claim_id(nodes, fields, "agreement", catalogue.agreement_ids)
    record = Record(nodes, fields, label)
    recipient_id = record.get("recipient", nodes.slug)
    consent = record.flag("consent_required")
    if recipient_id is not None:
        catalogue.links.append(_link(record, recipient_id, consent))
    terms = _read_terms(record, consent)
    if len(nodes.problems) == before and identifier and recipient_id and terms is not None:
        agreement = Agreement(id=identifier, recipient_id=recipient_id, **terms._asdict())
        catalogue.agreements.append(agreement)


def _link(record: Record, recipient_id: str, consent: bool | None) -> AgreementLink:
    consent_node = record.fields.values.get("consent_required", record.fields.node)
    return AgreementLink(
        label=record.label,
        recipient_id=recipient_id,
        recipient_at=record.nodes.where(record.fields.values["recipient"]),
        consent_required=consent,
        consent_at=record.nodes.where(consent_node),
    )


class _Terms(NamedTuple):
    """An agreement's terms: everything but its id and recipient."""

    title: str
    fields: dict[str, tuple[str, ...]]
    purpose: Purpose
    lawful_basis: LawfulBasis
    gateway: LegalGateway | None
    consent_required: bool
    retention: str
    acknowledgement: AcknowledgementDeadline
    area_address: AreaAddress
    questions: tuple[RoutingQuestion, ...]


def _read_terms(record: Record, consent: bool | None) -> _Terms | None:
    nodes = record.nodes
    title, retention = record.text("title"), record.text("retention")
    event_fields = record.get("fields", lambda node, _: _read_fields(nodes, node, record.label))
    purpose = record.get("purpose", partial(read_purpose, nodes))
    basis = record.get("lawful_basis", partial(read_basis, nodes))
    gateway = record.get("gateway", partial(read_gateway, nodes))
    deadline = record.get("acknowledgement", partial(_read_deadline, nodes))
    area_address = _read_area_address(record, event_fields)
    questions = _read_questions(record)
    check_lawfulness(record, consent, basis)
    if title is None or retention is None or event_fields is None or purpose is None:
        return None
    if basis is None or consent is None or deadline is None:
        return None
    if area_address is None or questions is None:
        return None
    return _Terms(
        title,
        event_fields,
        purpose,
        basis,
        gateway,
        consent,
        retention,
        deadline,
        area_address,
        questions,
    )


def _read_fields(nodes: NodeReader, node: Node, label: str) -> dict[str, tuple[str, ...]] | None:
    mapping = nodes.mapping(node, f"{label}: 'fields'")
    if mapping is None:
        return None
    if not mapping.values:
        nodes.problem(node, f"{label}: 'fields' must name at least one life event")
        return None
    result: dict[str, tuple[str, ...]] = {}
    for event_type, paths_node in mapping.values.items():
        if event_type not in EVENT_TYPES:
            choices = "expected " + allowed(str(known) for known in EVENT_TYPES)
            nodes.problem(
                mapping.keys[event_type], f"{label}: '{event_type}' is not a life event ({choices})"
            )
            continue
        paths = _read_paths(nodes, paths_node, label, event_type)
        if paths is not None:
            result[event_type] = paths
    return result if len(result) == len(mapping.values) else None


def _read_paths(
    nodes: NodeReader, node: Node, label: str, event_type: str
) -> tuple[str, ...] | None:
    items = nodes.sequence(node, f"{label}: fields for {event_type}")
    if items is None:
        return None
    if not items:
        nodes.problem(node, f"{label}: fields for {event_type} must list at least one field")
        return None
    valid = field_paths(event_type)
    paths: list[str] = []
    for item in items:
        path = nodes.text(item, f"{label}: fields for {event_type}")
        if path is not None and path not in valid:
            nodes.problem(
                item, f"{label}: field '{path}' is not part of {_article(event_type)} report"
            )
        elif path is not None and path in paths:
            nodes.problem(item, f"{label}: field '{path}' is listed twice for {event_type}")
        elif path is not None:
            paths.append(path)
    return tuple(paths) if len(paths) == len(items) else None


def _article(event_type: str) -> str:
    return ("an " if event_type[0] in "aeiou" else "a ") + event_type


def _read_deadline(nodes: NodeReader, node: Node, what: str) -> AcknowledgementDeadline | None:
    fields = nodes.mapping(node, what, required=("within", "unit"))
    if fields is None:
        return None
    got = fields.values.get
    within = (
        nodes.number(node_, f"{what} within", 1, _ACK_MAX_DAYS)
        if (node_ := got("within"))
        else None
    )
    unit = nodes.choice(node_, f"{what} unit", DeadlineUnit) if (node_ := got("unit")) else None
    if within is None or unit is None:
        return None
    return AcknowledgementDeadline(within=within, unit=unit)


def _read_area_address(
    record: Record, event_fields: dict[str, tuple[str, ...]] | None
) -> AreaAddress | None:
    node = record.node("area_address")
    if node is None:
        return AreaAddress.EITHER
    choice = record.nodes.choice(node, record.what("area_address"), AreaAddress)
    if event_fields is not None and _CHANGE_OF_ADDRESS not in event_fields:
        record.nodes.problem(
            node,
            f"{record.label}: 'area_address' only applies to change-of-address reports, "
            "which this agreement does not receive",
        )
        return None
    return choice


def _read_questions(record: Record) -> tuple[RoutingQuestion, ...] | None:
    node = record.node("questions")
    if node is None:
        return ()
    items = record.nodes.sequence(node, record.what("questions"))
    if items is None:
        return None
    questions: list[RoutingQuestion] = []
    for item in items:
        question = _read_question(record, item, questions)
        if question is not None:
            questions.append(question)
    return tuple(questions) if len(questions) == len(items) else None


def _read_question(
    record: Record, node: Node, earlier: list[RoutingQuestion]
) -> RoutingQuestion | None:
    nodes, what = record.nodes, f"{record.label}: question"
    fields = nodes.mapping(node, what, required=("id", "text"), optional=("applies_when",))
    if fields is None:
        return None
    got = fields.values.get
    identifier = nodes.slug(node_, f"{what} id") if (node_ := got("id")) else None
    if identifier is not None and identifier in {question.id for question in earlier}:
        nodes.problem(fields.values["id"], f"{what} id '{identifier}' is used twice")
        identifier = None
    text = nodes.text(node_, f"{what} text") if (node_ := got("text")) else None
    applies_node = optional_node(fields, "applies_when")
    applies_when = nodes.flag(applies_node, f"{what} applies_when") if applies_node else True
    if identifier is None or text is None or applies_when is None:
        return None
    return RoutingQuestion(id=identifier, text=text, applies_when=applies_when)
