"""Reading a directory of catalogue files: each file's YAML, then the catalogue as a whole."""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import Node

from tellonce.adapters.catalogue_files.agreements import read_agreement
from tellonce.adapters.catalogue_files.building import CatalogueBuilder
from tellonce.adapters.catalogue_files.problems import CatalogueProblem
from tellonce.adapters.catalogue_files.recipients import read_recipient
from tellonce.adapters.catalogue_files.yaml_nodes import NodeMap, NodeReader, optional_node
from tellonce.domain.catalogue import Catalogue


def read_catalogue(path: Path) -> tuple[Catalogue | None, list[CatalogueProblem]]:
    """Read every ``*.yaml`` file in ``path`` (sorted by name), or the one file ``path`` names.

    Returns the catalogue and no problems, or ``None`` and every problem found.
    """
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    builder = CatalogueBuilder()
    for file in files:
        _read_file(builder, file)
    if not files:
        builder.problems.append(CatalogueProblem(path.name, 1, "no catalogue files (*.yaml) found"))
    catalogue, problems = builder.finish()
    if catalogue is not None and not catalogue.recipients and not catalogue.agreements:
        # Loading nothing would retire every agreement: surely a mistake (an empty file).
        empty = "the catalogue is empty: no recipients and no agreements"
        return None, [CatalogueProblem(files[0].name, 1, empty)]
    return catalogue, problems


def _read_file(builder: CatalogueBuilder, file: Path) -> None:
    nodes = NodeReader(file.name, builder.problems)
    try:
        raw = file.read_bytes()
    except OSError as error:
        builder.problems.append(CatalogueProblem(file.name, 1, f"not readable YAML: {error}"))
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start : error.start + 1].hex()
        message = f"not UTF-8 text: byte 0x{byte} cannot be read (save the file as UTF-8)"
        builder.problems.append(CatalogueProblem(file.name, line, message))
        return
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        builder.problems.append(CatalogueProblem(file.name, line, _syntax_message(error)))
        return
    except yaml.YAMLError as error:
        builder.problems.append(CatalogueProblem(file.name, 1, f"not readable YAML: {error}"))
        return
    if root is None:
        return  # an empty file holds nothing, which is harmless
    top = nodes.mapping(root, "the file", optional=("recipients", "agreements"))
    if top is None:
        return
    for item in _items(nodes, top, "recipients"):
        read_recipient(builder, nodes, item)
    for item in _items(nodes, top, "agreements"):
        read_agreement(builder, nodes, item)


def _items(nodes: NodeReader, top: NodeMap, key: str) -> list[Node]:
    node = optional_node(top, key)
    return (nodes.sequence(node, f"'{key}'") or []) if node is not None else []


def _syntax_message(error: yaml.MarkedYAMLError) -> str:
    """PyYAML's own words, with the line where the unfinished construct began."""
    context, began, noticed = error.context or "", error.context_mark, error.problem_mark
    if context and began is not None and noticed is not None and began.line != noticed.line:
        context += f" (from line {began.line + 1})"
    parts = [part for part in (error.problem, context) if part]
    return "YAML syntax error: " + ("; ".join(parts) if parts else str(error))
