"""An agreement's legal footing: its purpose, lawful basis and legal gateway.

Consent and law are different footings, so these are also checked against whether the agreement
asks for consent.
"""

from __future__ import annotations

import re
from collections.abc import Container

from yaml.nodes import Node

from tellonce.adapters.catalogue_files.records import Record
from tellonce.adapters.catalogue_files.yaml_nodes import NodeReader, optional_node
from tellonce.domain.catalogue import (
    ARTICLE_6_BASES,
    ARTICLE_9_CONDITIONS,
    LawfulBasis,
    LegalGateway,
    Purpose,
)

_DPV_CODE = re.compile(r"^dpv:[A-Z][A-Za-z0-9]*$")


def read_purpose(nodes: NodeReader, node: Node, what: str) -> Purpose | None:
    fields = nodes.mapping(node, what, required=("dpv", "description"))
    if fields is None:
        return None
    code = nodes.text(fields.values["dpv"], f"{what} dpv") if "dpv" in fields.values else None
    if code is not None and not _DPV_CODE.match(code):
        nodes.problem(
            fields.values["dpv"],
            f"{what} dpv '{code}' must be a W3C DPV code like 'dpv:ServiceProvision'",
        )
        code = None
    description = fields.values.get("description")
    text = nodes.text(description, f"{what} description") if description is not None else None
    return Purpose(dpv_code=code, description=text) if code and text else None


def read_basis(nodes: NodeReader, node: Node, what: str) -> LawfulBasis | None:
    fields = nodes.mapping(node, what, required=("article_6",), optional=("article_9",))
    if fields is None:
        return None
    article_6_node = fields.values.get("article_6")
    article_6 = _letter(nodes, article_6_node, f"{what} article_6", ARTICLE_6_BASES, "a to f")
    article_9_node = optional_node(fields, "article_9")
    article_9 = _letter(nodes, article_9_node, f"{what} article_9", ARTICLE_9_CONDITIONS, "a to j")
    if article_6 is None or (article_9_node is not None and article_9 is None):
        return None
    return LawfulBasis(article_6=article_6, article_9=article_9)


def _letter(
    nodes: NodeReader, node: Node | None, what: str, letters: Container[str], span: str
) -> str | None:
    if node is None:
        return None
    value = nodes.scalar(node)
    if isinstance(value, str) and value in letters:
        return value
    article = "Article 6(1)" if "article_6" in what else "Article 9(2), or null"
    nodes.problem(node, f"{what} must be one of the letters {span} of UK GDPR {article}")
    return None


def read_gateway(nodes: NodeReader, node: Node, what: str) -> LegalGateway | None:
    fields = nodes.mapping(node, what, required=("citation", "source", "verified"))
    if fields is None:
        return None
    got = fields.values.get
    citation = nodes.text(node_, f"{what} citation") if (node_ := got("citation")) else None
    source = nodes.url(node_, f"{what} source") if (node_ := got("source")) else None
    verified = nodes.flag(node_, f"{what} verified") if (node_ := got("verified")) else None
    if citation is None or source is None or verified is None:
        return None
    return LegalGateway(citation=citation, source=source, verified=verified)


def check_lawfulness(record: Record, consent: bool | None, basis: LawfulBasis | None) -> None:
    """Consent and law are different footings: each needs its own basis, and law its gateway."""
    nodes, label = record.nodes, record.label
    basis_node = record.fields.values.get("lawful_basis", record.fields.node)
    gateway_node = record.node("gateway")
    if consent is True and basis is not None and basis.article_6 != "a":
        nodes.problem(
            basis_node, f"{label}: a consent-based agreement must use UK GDPR Article 6(1)(a)"
        )
    if consent is True and gateway_node is not None:
        nodes.problem(
            gateway_node,
            f"{label}: a consent-based agreement does not rely on a legal gateway; "
            "remove 'gateway' or set consent_required: false",
        )
    if consent is False and basis is not None and basis.article_6 == "a":
        nodes.problem(
            basis_node,
            f"{label}: an agreement that does not ask for consent cannot use Article 6(1)(a) "
            "(consent) as its lawful basis",
        )
    if consent is False and "gateway" not in record.fields.values:
        nodes.problem(
            record.fields.node,
            f"{label}: an agreement without consent needs a 'gateway' citing the law that "
            "allows the disclosure",
        )
