"""Other projects' test vectors, copied in so a clone anywhere runs the suite (README.md)."""

from pathlib import Path

VECTORS = Path(__file__).resolve().parent
