"""`tellonce catalogue load` with a file holding every kind of mistake, one at a time: refused
with a plain message naming the file and the line, and the catalogue in the database exactly as
it was (versions and content)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from tellonce.adapters.database.schema import agreement_versions, recipients
from tellonce.bootstrap import Hub
from tellonce.entrypoints.cli import main
from tests.support.paths import CATALOGUE_DIR

# A sound file beside the demo catalogue; each case below breaks one thing in it.
SOUND = """\
recipients:
  - id: zz-libraries
    name: Leeds Libraries
    controller: Leeds City Council
    kind: local-authority
    area:
      include: [LS6, "LS27 0"]
    contact: {url: "https://www.leeds.gov.uk", email: libraries@example.org}
    channel: pull

agreements:
  - id: zz-library-membership
    recipient: zz-libraries
    title: Update a library membership
    fields:
      change-of-address: [person.name, previous_address, new_address]
    purpose: {dpv: "dpv:AccountManagement", description: Keeps membership details right.}
    lawful_basis: {article_6: a}
    consent_required: true
    retention: Until the membership is closed.
    acknowledgement: {within: 30, unit: calendar-days}
"""


def broken(old: str, new: str) -> str:
    assert old in SOUND, old
    return SOUND.replace(old, new, 1)


# (case, file contents, the line, words the message must hold)
CASES: list[tuple[str, str | bytes, int, str]] = [
    (
        "syntax error",
        broken("    title: Update", "    title: [Update"),
        15,  # where PyYAML notices; the message adds "from line 14"
        "YAML syntax error",
    ),
    (
        "unknown key",
        broken("    channel: pull", "    channel: pull\n    colour: blue"),
        10,
        "colour",
    ),
    ("missing required field", broken("    controller: Leeds City Council\n", ""), 2, "controller"),
    ("wrong type", broken("{within: 30,", "{within: thirty,"), 21, "within"),
    (
        "duplicate recipient id",
        broken("id: zz-libraries", "id: dwp-benefits-and-pensions"),
        2,
        "dwp-benefits-and-pensions",
    ),
    (
        "agreement naming an unknown recipient",
        broken("recipient: zz-libraries", "recipient: zz-nobody"),
        13,
        "zz-nobody",
    ),
    (
        "agreement naming an unknown field",
        broken("[person.name, previous_address", "[person.shoe_size, previous_address"),
        16,
        "person.shoe_size",
    ),
    ("invalid lawful basis", broken("{article_6: a}", "{article_6: z}"), 18, "article_6"),
    (
        "bad URL",
        broken('url: "https://www.leeds.gov.uk"', "url: www.leeds.gov.uk"),
        8,
        "www.leeds.gov.uk",
    ),
    (
        "bad area",
        broken('include: [LS6, "LS27 0"]', 'include: [LS6, "not a postcode"]'),
        7,
        "not a postcode",
    ),
    (
        "duplicated key in a mapping",
        broken(
            "    kind: local-authority", "    kind: local-authority\n    kind: central-government"
        ),
        6,
        "kind",
    ),
    ("empty file", "", 1, "empty"),
    ("only a comment", "# nothing yet\n", 1, "empty"),
    (
        "non-UTF-8 bytes",
        SOUND.encode().replace(b"Leeds Libraries", b"Leeds Libr\xe6ries"),
        3,
        "UTF-8",
    ),
    ("a list at the top", "- recipients\n", 1, "mapping"),
    ("a tab for indentation", broken("    kind: local", "\tkind: local"), 5, "YAML syntax error"),
]


def snapshot(hub: Hub) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with hub.engine.connect() as connection:
        versions = connection.execute(
            sa.select(agreement_versions).order_by(
                agreement_versions.c.agreement_id, agreement_versions.c.version
            )
        ).all()
        rows = connection.execute(sa.select(recipients).order_by(recipients.c.id)).all()
    return [tuple(r) for r in versions], [tuple(r) for r in rows]


@pytest.fixture
def loaded(cli_env: Hub, tmp_path: Path) -> Path:
    copy = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, copy)
    assert main(["catalogue", "load", str(copy)], clock=cli_env.clock) == 0
    return copy


def test_the_sound_file_loads(cli_env: Hub, loaded: Path) -> None:
    (loaded / "zz-libraries.yaml").write_text(SOUND, encoding="utf-8")
    assert main(["catalogue", "load", str(loaded)], clock=cli_env.clock) == 0
    assert any(row[0] == "zz-libraries" for row in snapshot(cli_env)[1])


@pytest.mark.parametrize(("case", "text", "line", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_broken_file_is_refused_with_its_line_and_nothing_changes(
    cli_env: Hub,
    loaded: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    text: str | bytes,
    line: int,
    words: str,
) -> None:
    before = snapshot(cli_env)
    capsys.readouterr()
    if case in {"empty file", "only a comment"}:
        for old in loaded.glob("*.yaml"):  # the whole catalogue is this one file
            old.unlink()
    file = loaded / "zz-libraries.yaml"
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")

    assert main(["catalogue", "load", str(loaded)], clock=cli_env.clock) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors, case
    ours = [e for e in errors if e.startswith(f"zz-libraries.yaml:{line}: ")]
    assert ours, errors
    assert any(words in e for e in ours), errors
    assert all("Traceback" not in e for e in errors)
    assert snapshot(cli_env) == before
