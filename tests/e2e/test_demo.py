"""`tellonce demo` runs the whole journey and reports every disclosure's outcome."""

from __future__ import annotations

import pytest

from tellonce.entrypoints.cli import main
from tests.conftest import CATALOGUE_DIR


@pytest.mark.xdist_group("demo")
def test_the_demo_reaches_an_outcome_for_every_disclosure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--catalogue", str(CATALOGUE_DIR)]) == 0
    output = capsys.readouterr().out
    assert "0 short of an outcome" in output
    assert "no-record-found" in output and "not-applicable" in output
    assert "0 signatures failed verification" in output
    refused = int(output.split("the flaky receiver refused ")[1].split()[0])
    # Every push to the flaky receiver is refused three times, then accepted on a retry.
    assert refused >= 3 and refused % 3 == 0
    for event_type in ("change-of-address", "change-of-name", "birth", "death", "marriage"):
        assert event_type in output
