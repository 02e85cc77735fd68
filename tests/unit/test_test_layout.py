"""The tests' own layout (tests/README.md): a test module imports shared helpers from
``tests/support`` and fixtures come from conftest files, never from another test module."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_test_module_imports_from_another_test_module_or_a_conftest() -> None:
    wrong = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests."):
                last = (node.module or "").rsplit(".", 1)[-1]
                if last.startswith("test_") or last == "conftest":
                    wrong.append(f"{path.relative_to(TESTS)}: from {node.module}")
    assert not wrong, "\n".join(wrong)
