"""Where the checkout's files are, whatever directory the tests run from."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = ROOT / "catalogue"
