"""What the catalogue reader reports, and where in the files it found it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueProblem:
    """One thing wrong with the catalogue, where it is, in words a reviewer can act on."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Where:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file} line {self.line}"
