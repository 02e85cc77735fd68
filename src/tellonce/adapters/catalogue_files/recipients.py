"""The recipients section: who may receive reports, through which channel, for which area."""

from __future__ import annotations

import re

from yaml.nodes import Node

from tellonce.adapters.catalogue_files.areas import read_area
from tellonce.adapters.catalogue_files.building import CatalogueBuilder
from tellonce.adapters.catalogue_files.records import Record, record_label
from tellonce.adapters.catalogue_files.yaml_nodes import NodeReader, optional_node
from tellonce.domain.catalogue import Channel, Recipient, RecipientKind

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_RECIPIENT_REQUIRED = ("id", "name", "controller", "kind", "area", "channel")


def read_recipient(catalogue: CatalogueBuilder, nodes: NodeReader, node: Node) -> None:
    label = record_label("recipient", nodes, node)
    fields = nodes.mapping(node, label, _RECIPIENT_REQUIRED, ("contact",))
    if fields is None:
        return
    before = len(nodes.problems)
    identifier = catalogue.claim_id(nodes, fields, "recipient", catalogue.recipient_ids)
    record = Record(nodes, fields, label)
    kind = record.choice("kind", RecipientKind)
    if identifier is not None and kind is not None:
        catalogue.recipient_kinds[identifier] = kind
    name, controller = record.text("name"), record.text("controller")
    area = record.get("area", lambda area_node, what: read_area(nodes, area_node, what))
    channel = record.choice("channel", Channel)
    contact: tuple[str | None, str | None] = (None, None)
    if (contact_node := record.node("contact")) is not None:
        contact = _read_contact(nodes, contact_node, record.what("contact")) or contact
    if len(nodes.problems) > before or identifier is None or name is None or controller is None:
        return
    if kind is None or area is None or channel is None:
        return
    catalogue.recipients[identifier] = Recipient(
        id=identifier,
        name=name,
        controller=controller,
        kind=kind,
        area=area,
        channel=channel,
        contact_email=contact[0],
        contact_url=contact[1],
    )


def _read_contact(nodes: NodeReader, node: Node, what: str) -> tuple[str | None, str | None] | None:
    fields = nodes.mapping(node, what, optional=("email", "url"))
    if fields is None:
        return None
    email = url = None
    if (email_node := optional_node(fields, "email")) is not None:
        email = nodes.text(email_node, f"{what} email")
        if email is not None and not _EMAIL.match(email):
            nodes.problem(email_node, f"{what} email '{email}' is not an email address")
    if (url_node := optional_node(fields, "url")) is not None:
        url = nodes.url(url_node, f"{what} url")
    return email, url
