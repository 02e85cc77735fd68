"""Read the catalogue of recipients and agreements from a directory of reviewed YAML files.

The catalogue is the hub's most sensitive configuration: one wrong field list or area sends
personal data where the law does not allow it. So this reader is strict and talkative. It
reports *every* problem it finds, each with the file and line of the offending YAML node and a
sentence a reviewer can act on, and it builds nothing unless the whole catalogue is sound.

We compose the YAML into nodes (``yaml.compose`` with ``SafeLoader``) instead of loading it
into plain values, because only the nodes remember where they were written.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import NamedTuple, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tellonce.domain.areas import Area, Nation
from tellonce.domain.catalogue import (
    ARTICLE_6_BASES,
    ARTICLE_9_CONDITIONS,
    AcknowledgementDeadline,
    Agreement,
    AreaAddress,
    Catalogue,
    Channel,
    DeadlineUnit,
    LawfulBasis,
    LegalGateway,
    Purpose,
    Recipient,
    RecipientKind,
    RoutingQuestion,
)
from tellonce.domain.events import EVENT_TYPES, field_paths

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DPV_CODE = re.compile(r"^dpv:[A-Z][A-Za-z0-9]*$")
_HTTP_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Postcode area (LS), district (LS6, SW1A), sector (LS6 2) or full postcode (LS6 2AB).
_POSTCODE_UNIT = re.compile(r"^[A-Z]{1,2}(?:\d[A-Z\d]?(?: \d(?:[A-Z]{2})?)?)?$")
_ACK_MAX_DAYS = 365
_CHANGE_OF_ADDRESS = "change-of-address"

_Choice = TypeVar("_Choice", bound=StrEnum)
_Parsed = TypeVar("_Parsed")


@dataclass(frozen=True)
class CatalogueProblem:
    """One thing wrong with the catalogue, where it is, in words a reviewer can act on."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def read_catalogue(path: Path) -> tuple[Catalogue | None, list[CatalogueProblem]]:
    """Read every ``*.yaml`` file in ``path`` (sorted by name), or the one file ``path`` names.

    Returns the catalogue and no problems, or ``None`` and every problem found.
    """
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    reader = _CatalogueReader()
    for file in files:
        reader.read_file(file)
    if not files:
        reader.problems.append(CatalogueProblem(path.name, 1, "no catalogue files (*.yaml) found"))
    return reader.finish()


# --- reading YAML nodes with their lines -------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file} line {self.line}"


@dataclass
class _Map:
    """A YAML mapping with string keys, remembering each key's node for line numbers."""

    node: MappingNode
    values: dict[str, Node]
    keys: dict[str, Node]


class _NodeReader:
    """Turns nodes of one file into plain values, recording a problem for each bad node."""

    def __init__(self, file: str, problems: list[CatalogueProblem]) -> None:
        self.file = file
        self.problems = problems
        self._constructor = SafeConstructor()

    def where(self, node: Node) -> _Where:
        return _Where(self.file, node.start_mark.line + 1)

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(CatalogueProblem(self.file, node.start_mark.line + 1, message))

    def scalar(self, node: Node) -> object:
        """The plain value of a scalar node; other nodes, and scalars with a tag or a value the
        safe constructor refuses (``!python/name``, ``2024-02-30``), come back as themselves, so
        the caller's type check reports them."""
        if not isinstance(node, ScalarNode):
            return node
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError):
            return node

    def mapping(
        self, node: Node, what: str, required: Iterable[str] = (), optional: Iterable[str] = ()
    ) -> _Map | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return None
        known = {*required, *optional}
        result = _Map(node, {}, {})
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            if not isinstance(key, str):
                self.problem(key_node, f"{what}: keys must be text")
            elif key in result.values:
                self.problem(key_node, f"{what}: key '{key}' is given twice")
            elif known and key not in known:
                self.problem(key_node, f"{what}: unknown key '{key}' (expected {_allowed(known)})")
            else:
                result.values[key], result.keys[key] = value_node, key_node
        for key in required:
            if key not in result.values:
                self.problem(node, f"{what}: required key '{key}' is missing")
        return result

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if isinstance(node, SequenceNode):
            return list(node.value)
        self.problem(node, f"{what} must be a list")
        return None

    def text(self, node: Node, what: str) -> str | None:
        value = self.scalar(node)
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(node, f"{what} must be non-empty text")
        return None

    def flag(self, node: Node, what: str) -> bool | None:
        value = self.scalar(node)
        if isinstance(value, bool):
            return value
        self.problem(node, f"{what} must be true or false")
        return None

    def number(self, node: Node, what: str, low: int, high: int) -> int | None:
        value = self.scalar(node)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.problem(node, f"{what} must be a whole number from {low} to {high}")
        return None

    def choice(self, node: Node, what: str, choices: type[_Choice]) -> _Choice | None:
        value = self.scalar(node)
        if isinstance(value, str) and value in {choice.value for choice in choices}:
            return choices(value)
        self.problem(node, f"{what} must be one of: {_allowed(c.value for c in choices)}")
        return None

    def slug(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not _SLUG.match(value):
            self.problem(node, f"{what} '{value}' must be a lowercase slug like 'leeds-libraries'")
            return None
        return value

    def url(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not _HTTP_URL.match(value):
            self.problem(node, f"{what} must be an http(s) web address, not '{value}'")
            return None
        return value


def _allowed(choices: Iterable[str]) -> str:
    return ", ".join(sorted(choices))


def _optional(fields: _Map, key: str) -> Node | None:
    node = fields.values.get(key)
    if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
        return None
    return node


# --- the catalogue as a whole -------------------------------------------------------------------


@dataclass
class _AgreementLink:
    """What the cross-file checks need to know about an agreement."""

    label: str
    recipient_id: str
    recipient_at: _Where
    consent_required: bool | None
    consent_at: _Where


@dataclass
class _CatalogueReader:
    problems: list[CatalogueProblem] = field(default_factory=list)
    recipients: dict[str, Recipient] = field(default_factory=dict)
    agreements: list[Agreement] = field(default_factory=list)
    recipient_ids: dict[str, _Where] = field(default_factory=dict)
    recipient_kinds: dict[str, RecipientKind] = field(default_factory=dict)
    agreement_ids: dict[str, _Where] = field(default_factory=dict)
    links: list[_AgreementLink] = field(default_factory=list)

    def read_file(self, file: Path) -> None:
        nodes = _NodeReader(file.name, self.problems)
        try:
            root = yaml.compose(file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else 1
            self.problems.append(CatalogueProblem(file.name, line, _syntax_message(error)))
            return
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as error:
            self.problems.append(CatalogueProblem(file.name, 1, f"not readable YAML: {error}"))
            return
        if root is None:
            return  # an empty file holds nothing, which is harmless
        top = nodes.mapping(root, "the file", optional=("recipients", "agreements"))
        if top is None:
            return
        for item in self._items(nodes, top, "recipients"):
            _read_recipient(self, nodes, item)
        for item in self._items(nodes, top, "agreements"):
            _read_agreement(self, nodes, item)

    @staticmethod
    def _items(nodes: _NodeReader, top: _Map, key: str) -> list[Node]:
        node = _optional(top, key)
        return (nodes.sequence(node, f"'{key}'") or []) if node is not None else []

    def claim_id(
        self, nodes: _NodeReader, fields: _Map, kind: str, seen: dict[str, _Where]
    ) -> str | None:
        """The record's id, if it is a slug that no earlier record of its kind has used."""
        node = _optional(fields, "id")
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

    def _check_link(self, link: _AgreementLink) -> None:
        kind = self.recipient_kinds.get(link.recipient_id)
        if link.recipient_id not in self.recipient_ids:
            self._add(link.recipient_at, f"{link.label}: no recipient has id '{link.recipient_id}'")
        elif kind is RecipientKind.PRIVATE and link.consent_required is False:
            self._add(
                link.consent_at,
                f"{link.label}: recipient '{link.recipient_id}' is a private organisation, "
                "so it may only receive data with consent (consent_required: true)",
            )

    def _add(self, where: _Where, message: str) -> None:
        self.problems.append(CatalogueProblem(where.file, where.line, message))


def _syntax_message(error: yaml.MarkedYAMLError) -> str:
    """PyYAML's own words, with the line where the unfinished construct began."""
    context, began, noticed = error.context or "", error.context_mark, error.problem_mark
    if context and began is not None and noticed is not None and began.line != noticed.line:
        context += f" (from line {began.line + 1})"
    parts = [part for part in (error.problem, context) if part]
    return "YAML syntax error: " + ("; ".join(parts) if parts else str(error))


def _label(kind: str, nodes: _NodeReader, node: Node) -> str:
    """How messages name a record: by its id as written, even when that id is faulty."""
    pairs = node.value if isinstance(node, MappingNode) else []
    for key_node, value_node in pairs:
        written = nodes.scalar(value_node) if nodes.scalar(key_node) == "id" else None
        if isinstance(written, str) and written.strip():
            return f"{kind} '{written.strip()}'"
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


class _Record:
    """The keys of one recipient or agreement, read with messages that name it."""

    def __init__(self, nodes: _NodeReader, fields: _Map, label: str) -> None:
        self.nodes = nodes
        self.fields = fields
        self.label = label

    def node(self, key: str) -> Node | None:
        return _optional(self.fields, key)

    def what(self, key: str) -> str:
        return f"{self.label}: '{key}'"

    def get(self, key: str, parse: Callable[[Node, str], _Parsed | None]) -> _Parsed | None:
        node = self.node(key)
        if node is None:
            if key in self.fields.values:  # written as null, but required
                self.nodes.problem(self.fields.values[key], f"{self.what(key)} must not be empty")
            return None
        return parse(node, self.what(key))

    def text(self, key: str) -> str | None:
        return self.get(key, self.nodes.text)

    def flag(self, key: str) -> bool | None:
        return self.get(key, self.nodes.flag)

    def choice(self, key: str, choices: type[_Choice]) -> _Choice | None:
        return self.get(key, lambda node, what: self.nodes.choice(node, what, choices))


# --- recipients ----------------------------------------------------------------------------------

_RECIPIENT_REQUIRED = ("id", "name", "controller", "kind", "area", "channel")


def _read_recipient(catalogue: _CatalogueReader, nodes: _NodeReader, node: Node) -> None:
    label = _label("recipient", nodes, node)
    fields = nodes.mapping(node, label, _RECIPIENT_REQUIRED, ("contact",))
    if fields is None:
        return
    before = len(nodes.problems)
    identifier = catalogue.claim_id(nodes, fields, "recipient", catalogue.recipient_ids)
    record = _Record(nodes, fields, label)
    kind = record.choice("kind", RecipientKind)
    if identifier is not None and kind is not None:
        catalogue.recipient_kinds[identifier] = kind
    name, controller = record.text("name"), record.text("controller")
    area = record.get("area", lambda area_node, what: _read_area(nodes, area_node, what))
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


def _read_contact(
    nodes: _NodeReader, node: Node, what: str
) -> tuple[str | None, str | None] | None:
    fields = nodes.mapping(node, what, optional=("email", "url"))
    if fields is None:
        return None
    email = url = None
    if (email_node := _optional(fields, "email")) is not None:
        email = nodes.text(email_node, f"{what} email")
        if email is not None and not _EMAIL.match(email):
            nodes.problem(email_node, f"{what} email '{email}' is not an email address")
    if (url_node := _optional(fields, "url")) is not None:
        url = nodes.url(url_node, f"{what} url")
    return email, url


def _read_area(nodes: _NodeReader, node: Node, what: str) -> Area | None:
    fields = nodes.mapping(node, what, optional=("nations", "include", "exclude"))
    if fields is None:
        return None
    nations = _read_codes(nodes, fields, "nations", what, _nation_problem)
    include = _read_codes(nodes, fields, "include", what, _postcode_problem)
    exclude = _read_codes(nodes, fields, "exclude", what, _postcode_problem)
    if nations is None or include is None or exclude is None:
        return None
    if not nations and not include:
        nodes.problem(node, f"{what} serves nowhere: list its 'nations' or 'include' postcodes")
        return None
    if not _excludes_make_sense(nodes, what, nations, include, exclude):
        return None
    return Area.build(
        nations=[code for code, _ in nations],
        include=[code for code, _ in include],
        exclude=[code for code, _ in exclude],
    )


_Code = tuple[str, Node]


def _read_codes(
    nodes: _NodeReader, fields: _Map, key: str, what: str, check: Callable[[str], str | None]
) -> list[_Code] | None:
    node = _optional(fields, key)
    if node is None:
        return []
    items = nodes.sequence(node, f"{what} {key}")
    if items is None:
        return None
    codes: list[_Code] = []
    for item in items:
        value = nodes.text(item, f"{what} {key} entries")
        problem = check(value) if value is not None else None
        if problem is not None:
            nodes.problem(item, f"{what} {key}: {problem}")
        elif value is not None and value in (code for code, _ in codes):
            nodes.problem(item, f"{what} {key}: '{value}' is listed twice")
        elif value is not None:
            codes.append((value, item))
    return codes if len(codes) == len(items) else None


def _excludes_make_sense(
    nodes: _NodeReader, what: str, nations: list[_Code], include: list[_Code], exclude: list[_Code]
) -> bool:
    included = {code for code, _ in include}
    ok = True
    for code, item in exclude:
        if code in included:
            nodes.problem(item, f"{what}: '{code}' is both included and excluded")
            ok = False
        elif not nations and not _containers(code) & included:
            nodes.problem(
                item,
                f"{what}: excluding '{code}' has no effect, as no included postcode unit "
                "contains it",
            )
            ok = False
    return ok


def _containers(code: str) -> set[str]:
    """The broader postcode units that contain ``code``: LS6 2AB is inside LS6 2, LS6 and LS."""
    outward, _, inward = code.partition(" ")
    letters = len(outward) - len(outward.lstrip(string.ascii_uppercase))
    found = {outward[:letters]}
    if inward:
        found.add(outward)
    if len(inward) == 3:
        found.add(f"{outward} {inward[0]}")
    found.discard(code)
    return found


def _nation_problem(value: str) -> str | None:
    if value in {nation.value for nation in Nation}:
        return None
    return f"'{value}' is not a nation (expected {_allowed(nation.value for nation in Nation)})"


def _postcode_problem(value: str) -> str | None:
    if _POSTCODE_UNIT.match(value):
        return None
    return (
        f"'{value}' is not a postcode unit: write an area (LS), district (LS6), "
        "sector (LS6 2) or full postcode (LS6 2AB) in capitals"
    )


# --- agreements ----------------------------------------------------------------------------------

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


def _read_agreement(catalogue: _CatalogueReader, nodes: _NodeReader, node: Node) -> None:
    label = _label("agreement", nodes, node)
    fields = nodes.mapping(node, label, _AGREEMENT_REQUIRED, _AGREEMENT_OPTIONAL)
    if fields is None:
        return
    before = len(nodes.problems)
    identifier = catalogue.claim_id(nodes, fields, "agreement", catalogue.agreement_ids)
    record = _Record(nodes, fields, label)
    recipient_id = record.get("recipient", nodes.slug)
    consent = record.flag("consent_required")
    if recipient_id is not None:
        catalogue.links.append(_link(record, recipient_id, consent))
    terms = _read_terms(record, consent)
    if len(nodes.problems) == before and identifier and recipient_id and terms is not None:
        agreement = Agreement(id=identifier, recipient_id=recipient_id, **terms._asdict())
        catalogue.agreements.append(agreement)


def _link(record: _Record, recipient_id: str, consent: bool | None) -> _AgreementLink:
    consent_node = record.fields.values.get("consent_required", record.fields.node)
    return _AgreementLink(
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


def _read_terms(record: _Record, consent: bool | None) -> _Terms | None:
    nodes = record.nodes
    title, retention = record.text("title"), record.text("retention")
    event_fields = record.get("fields", lambda node, _: _read_fields(nodes, node, record.label))
    purpose = record.get("purpose", partial(_read_purpose, nodes))
    basis = record.get("lawful_basis", partial(_read_basis, nodes))
    gateway = record.get("gateway", partial(_read_gateway, nodes))
    deadline = record.get("acknowledgement", partial(_read_deadline, nodes))
    area_address = _read_area_address(record, event_fields)
    questions = _read_questions(record)
    _check_lawfulness(record, consent, basis)
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


def _read_fields(nodes: _NodeReader, node: Node, label: str) -> dict[str, tuple[str, ...]] | None:
    mapping = nodes.mapping(node, f"{label}: 'fields'")
    if mapping is None:
        return None
    if not mapping.values:
        nodes.problem(node, f"{label}: 'fields' must name at least one life event")
        return None
    result: dict[str, tuple[str, ...]] = {}
    for event_type, paths_node in mapping.values.items():
        if event_type not in EVENT_TYPES:
            choices = "expected " + _allowed(str(known) for known in EVENT_TYPES)
            nodes.problem(
                mapping.keys[event_type], f"{label}: '{event_type}' is not a life event ({choices})"
            )
            continue
        paths = _read_paths(nodes, paths_node, label, event_type)
        if paths is not None:
            result[event_type] = paths
    return result if len(result) == len(mapping.values) else None


def _read_paths(
    nodes: _NodeReader, node: Node, label: str, event_type: str
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


def _read_purpose(nodes: _NodeReader, node: Node, what: str) -> Purpose | None:
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


def _read_basis(nodes: _NodeReader, node: Node, what: str) -> LawfulBasis | None:
    fields = nodes.mapping(node, what, required=("article_6",), optional=("article_9",))
    if fields is None:
        return None
    article_6_node = fields.values.get("article_6")
    article_6 = _letter(nodes, article_6_node, f"{what} article_6", ARTICLE_6_BASES, "a to f")
    article_9_node = _optional(fields, "article_9")
    article_9 = _letter(nodes, article_9_node, f"{what} article_9", ARTICLE_9_CONDITIONS, "a to j")
    if article_6 is None or (article_9_node is not None and article_9 is None):
        return None
    return LawfulBasis(article_6=article_6, article_9=article_9)


def _letter(
    nodes: _NodeReader, node: Node | None, what: str, letters: Container[str], span: str
) -> str | None:
    if node is None:
        return None
    value = nodes.scalar(node)
    if isinstance(value, str) and value in letters:
        return value
    article = "Article 6(1)" if "article_6" in what else "Article 9(2), or null"
    nodes.problem(node, f"{what} must be one of the letters {span} of UK GDPR {article}")
    return None


def _read_gateway(nodes: _NodeReader, node: Node, what: str) -> LegalGateway | None:
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


def _read_deadline(nodes: _NodeReader, node: Node, what: str) -> AcknowledgementDeadline | None:
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
    record: _Record, event_fields: dict[str, tuple[str, ...]] | None
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


def _read_questions(record: _Record) -> tuple[RoutingQuestion, ...] | None:
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
    record: _Record, node: Node, earlier: list[RoutingQuestion]
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
    applies_node = _optional(fields, "applies_when")
    applies_when = nodes.flag(applies_node, f"{what} applies_when") if applies_node else True
    if identifier is None or text is None or applies_when is None:
        return None
    return RoutingQuestion(id=identifier, text=text, applies_when=applies_when)


def _check_lawfulness(record: _Record, consent: bool | None, basis: LawfulBasis | None) -> None:
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
