"""Ports have one home: every Protocol of the service layer lives in ``service_layer/ports/``
(issue 11), so a newcomer finds each port beside its values and the fakes in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import tellonce.service_layer

SERVICE_LAYER = Path(tellonce.service_layer.__file__).parent


def protocols_outside_ports(root: Path = SERVICE_LAYER) -> list[str]:
    found = []
    for module in sorted(root.rglob("*.py")):
        if "ports" in module.relative_to(root).parts:
            continue
        for node in ast.walk(ast.parse(module.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                (isinstance(base, ast.Name) and base.id == "Protocol")
                or (isinstance(base, ast.Attribute) and base.attr == "Protocol")
                for base in node.bases
            ):
                found.append(f"{module.relative_to(root)}: {node.name}")
    return found


def test_every_port_lives_in_the_ports_package() -> None:
    assert protocols_outside_ports() == []


def test_the_check_finds_a_protocol_outside_ports(tmp_path: Path) -> None:
    (tmp_path / "ports").mkdir()
    (tmp_path / "ports" / "reader.py").write_text("class Reader(Protocol): ...\n")
    (tmp_path / "use_case.py").write_text("class Sender(typing.Protocol): ...\nclass X: ...\n")
    assert protocols_outside_ports(tmp_path) == ["use_case.py: Sender"]
