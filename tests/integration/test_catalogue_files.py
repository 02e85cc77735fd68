"""Reading the catalogue from YAML files: every problem, with its file, line and a plain message.

Each test writes a small catalogue into a temporary directory, usually the valid one below with
one line changed, and checks exactly which problems come back and where.
"""

from __future__ import annotations

from pathlib import Path

from tellonce.adapters.catalogue_files import CatalogueProblem, read_catalogue
from tellonce.domain.catalogue import (
    AcknowledgementDeadline,
    AreaAddress,
    Channel,
    DeadlineUnit,
    RecipientKind,
    RoutingQuestion,
)

RECIPIENTS = """\
recipients:
  - id: leeds-libraries
    name: Leeds Libraries
    controller: Leeds City Council
    kind: local-authority
    area:
      include: [LS6, "LS27 0"]
      exclude: ["LS6 9"]
    contact: {url: "https://www.leeds.gov.uk", email: libraries@example.org}
    channel: pull
"""
# Line numbers below refer to this text:
#  1 agreements:            5 fields:                      9 consent_required   13 questions:
#  2   - id:                6   change-of-address: [...]  10 retention          14   - {id: ...}
#  3     recipient:         7 purpose:                    11 acknowledgement
#  4     title:             8 lawful_basis:               12 area_address
AGREEMENTS = """\
agreements:
  - id: leeds-library-membership
    recipient: leeds-libraries
    title: Update a library membership
    fields:
      change-of-address: [person.name, previous_address, new_address]
    purpose: {dpv: "dpv:AccountManagement", description: Keeps membership details right.}
    lawful_basis: {article_6: a}
    consent_required: true
    retention: Until the membership is closed.
    acknowledgement: {within: 30, unit: calendar-days}
    area_address: old
    questions:
      - {id: library-member, text: "Is the person a member of Leeds Libraries?"}
"""

BY_LAW = """\
agreements:
  - id: leeds-electoral-register
    recipient: leeds-libraries
    title: Keep the electoral register up to date
    fields:
      death: [deceased.name, deceased.address]
    purpose: {dpv: "dpv:LegalCompliance", description: Keep the register accurate.}
    lawful_basis: {article_6: c}
    gateway:
      citation: SI 2001/341 reg. 23
      source: "https://www.legislation.gov.uk/uksi/2001/341/regulation/23"
      verified: true
    consent_required: false
    retention: 12 months.
    acknowledgement: {within: 10, unit: working-days}
"""


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def problems(directory: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    catalogue, found = read_catalogue(write(directory, files))
    assert catalogue is None
    assert found, "expected problems"
    return [(problem.file, problem.line, problem.message) for problem in found]


def agreement_problems(tmp_path: Path, old: str, new: str, text: str = AGREEMENTS) -> list[str]:
    """Problems in b.yaml after replacing one line of a valid agreement file."""
    assert old in text
    found = problems(tmp_path, {"a.yaml": RECIPIENTS, "b.yaml": text.replace(old, new)})
    assert all(file == "b.yaml" for file, _, _ in found)
    return [f"{line}: {message}" for _, line, message in found]


def recipient_problems(tmp_path: Path, old: str, new: str) -> list[str]:
    assert old in RECIPIENTS
    found = problems(tmp_path, {"a.yaml": RECIPIENTS.replace(old, new)})
    return [f"{line}: {message}" for _, line, message in found]


# --- a sound catalogue --------------------------------------------------------------------------


def test_a_sound_catalogue_builds_the_domain_values(tmp_path: Path) -> None:
    catalogue, found = read_catalogue(write(tmp_path, {"a.yaml": RECIPIENTS, "b.yaml": AGREEMENTS}))

    assert found == []
    assert catalogue is not None
    recipient = catalogue.recipient("leeds-libraries")
    assert recipient.kind is RecipientKind.LOCAL_AUTHORITY
    assert recipient.channel is Channel.PULL
    assert recipient.contact_url == "https://www.leeds.gov.uk"
    assert recipient.contact_email == "libraries@example.org"
    assert recipient.area.serves("LS6 2AB")
    assert recipient.area.serves("LS27 0AA")
    assert not recipient.area.serves("LS6 9ZZ")
    assert not recipient.area.serves("LS27 7AA")
    (agreement,) = catalogue.agreements
    assert agreement.recipient_id == "leeds-libraries"
    assert agreement.fields == {
        "change-of-address": ("person.name", "previous_address", "new_address")
    }
    assert agreement.purpose.dpv_code == "dpv:AccountManagement"
    assert agreement.lawful_basis.article_6 == "a"
    assert agreement.lawful_basis.article_9 is None
    assert agreement.gateway is None
    assert agreement.consent_required is True
    assert agreement.acknowledgement == AcknowledgementDeadline(30, DeadlineUnit.CALENDAR_DAYS)
    assert agreement.area_address is AreaAddress.OLD
    assert agreement.questions == (
        RoutingQuestion("library-member", "Is the person a member of Leeds Libraries?", True),
    )
    assert agreement.version == 1


def test_a_by_law_agreement_keeps_its_gateway_and_defaults(tmp_path: Path) -> None:
    catalogue, found = read_catalogue(write(tmp_path, {"a.yaml": RECIPIENTS, "b.yaml": BY_LAW}))

    assert found == []
    assert catalogue is not None
    (agreement,) = catalogue.agreements
    assert agreement.gateway is not None
    assert agreement.gateway.citation == "SI 2001/341 reg. 23"
    assert agreement.gateway.verified is True
    assert agreement.by_law
    assert agreement.area_address is AreaAddress.EITHER
    assert agreement.questions == ()


def test_a_single_file_can_be_read_and_an_empty_file_is_harmless(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": RECIPIENTS + AGREEMENTS, "empty.yaml": ""})

    catalogue, found = read_catalogue(tmp_path / "a.yaml")
    assert found == []
    assert catalogue is not None
    assert len(catalogue.agreements) == 1
    catalogue, found = read_catalogue(tmp_path)
    assert found == []


def test_yaml_anchors_can_share_one_area_between_recipients(tmp_path: Path) -> None:
    text = RECIPIENTS.replace("    area:\n", "    area: &leeds\n") + (
        "  - id: leeds-council-tax\n"
        "    name: Council Tax\n"
        "    controller: Leeds City Council\n"
        "    kind: local-authority\n"
        "    area: *leeds\n"
        "    channel: push\n"
    )
    catalogue, found = read_catalogue(write(tmp_path, {"a.yaml": text}))

    assert found == []
    assert catalogue is not None
    assert (
        catalogue.recipient("leeds-council-tax").area == catalogue.recipient("leeds-libraries").area
    )


# --- files and syntax ---------------------------------------------------------------------------


def test_a_yaml_syntax_error_is_a_problem_with_its_line(tmp_path: Path) -> None:
    broken = AGREEMENTS.replace(
        "lawful_basis: {article_6: a}", "lawful_basis: {article_6: a\n    oops: ["
    )
    found = problems(tmp_path, {"a.yaml": RECIPIENTS, "b.yaml": broken})

    assert len(found) == 1
    file, line, message = found[0]
    assert (file, line) == ("b.yaml", 9)
    assert message.startswith("YAML syntax error: ")
    assert "(from line 8)" in message


def test_a_directory_without_catalogue_files_is_a_problem(tmp_path: Path) -> None:
    assert read_catalogue(tmp_path) == (
        None,
        [CatalogueProblem(tmp_path.name, 1, "no catalogue files (*.yaml) found")],
    )


def test_the_top_level_must_be_a_mapping_of_known_lists(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "a.yaml": "- just a list\n",
            "b.yaml": "recipients: {id: x}\nagencies: []\n",
        },
    )

    assert found == [
        ("a.yaml", 1, "the file must be a mapping of keys to values"),
        ("b.yaml", 1, "'recipients' must be a list"),
        ("b.yaml", 2, "the file: unknown key 'agencies' (expected agreements, recipients)"),
    ]


# --- keys and types -----------------------------------------------------------------------------


def test_missing_and_unknown_keys_are_reported_where_they_belong(tmp_path: Path) -> None:
    text = RECIPIENTS.replace("    name: Leeds Libraries\n", "").replace(
        "    channel: pull\n", "    channel: pull\n    colour: red\n"
    )
    found = problems(tmp_path, {"a.yaml": text})

    assert found == [
        ("a.yaml", 2, "recipient 'leeds-libraries': required key 'name' is missing"),
        (
            "a.yaml",
            10,
            "recipient 'leeds-libraries': unknown key 'colour' "
            "(expected area, channel, contact, controller, id, kind, name)",
        ),
    ]


def test_a_key_given_twice_is_a_problem(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path, "    retention: Until", "    title: Again\n    retention: Until"
    ) == ["10: agreement 'leeds-library-membership': key 'title' is given twice"]


def test_values_of_the_wrong_type_are_reported(tmp_path: Path) -> None:
    text = (
        AGREEMENTS.replace("title: Update a library membership", "title: ''")
        .replace("consent_required: true", "consent_required: sometimes")
        .replace("within: 30", "within: thirty")
        .replace("fields:\n", "fields: [change-of-address]\n")
        .replace("      change-of-address: [person.name, previous_address, new_address]\n", "")
    )
    found = problems(tmp_path, {"a.yaml": RECIPIENTS, "b.yaml": text})

    label = "agreement 'leeds-library-membership'"
    assert [(line, message) for _, line, message in found] == [
        (4, f"{label}: 'title' must be non-empty text"),
        (5, f"{label}: 'fields' must be a mapping of keys to values"),
        (8, f"{label}: 'consent_required' must be true or false"),
        (10, f"{label}: 'acknowledgement' within must be a whole number from 1 to 365"),
    ]


def test_a_required_value_left_empty_is_reported(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path, "    retention: Until the membership is closed.", "    retention:"
    ) == ["10: agreement 'leeds-library-membership': 'retention' must not be empty"]


# --- ids ----------------------------------------------------------------------------------------


def test_ids_must_be_slugs(tmp_path: Path) -> None:
    assert recipient_problems(tmp_path, "id: leeds-libraries", "id: Leeds_Libraries") == [
        "2: recipient id 'Leeds_Libraries' must be a lowercase slug like 'leeds-libraries'"
    ]


def test_ids_must_be_unique_across_files(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {"a.yaml": RECIPIENTS, "b.yaml": AGREEMENTS, "c.yaml": RECIPIENTS + AGREEMENTS},
    )

    assert found == [
        ("c.yaml", 2, "recipient id 'leeds-libraries' is already used at a.yaml line 2"),
        (
            "c.yaml",
            12,
            "agreement id 'leeds-library-membership' is already used at b.yaml line 2",
        ),
    ]


def test_an_agreement_must_name_a_known_recipient(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path, "recipient: leeds-libraries", "recipient: leeds-library"
    ) == ["3: agreement 'leeds-library-membership': no recipient has id 'leeds-library'"]


# --- enumerations -------------------------------------------------------------------------------


def test_enumerated_values_must_be_known(tmp_path: Path) -> None:
    text = RECIPIENTS.replace("kind: local-authority", "kind: council").replace(
        "channel: pull", "channel: fax"
    )
    found = problems(tmp_path, {"a.yaml": text, "b.yaml": AGREEMENTS.replace("old", "older")})

    assert found == [
        (
            "a.yaml",
            5,
            "recipient 'leeds-libraries': 'kind' must be one of: "
            "central-government, devolved, local-authority, nhs, private",
        ),
        ("a.yaml", 10, "recipient 'leeds-libraries': 'channel' must be one of: both, pull, push"),
        (
            "b.yaml",
            12,
            "agreement 'leeds-library-membership': 'area_address' must be one of: either, new, old",
        ),
    ]


def test_the_acknowledgement_unit_and_range_are_checked(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path,
        "{within: 30, unit: calendar-days}",
        "{within: 366, unit: fortnights}",
    ) == [
        "11: agreement 'leeds-library-membership': 'acknowledgement' within must be a whole "
        "number from 1 to 365",
        "11: agreement 'leeds-library-membership': 'acknowledgement' unit must be one of: "
        "calendar-days, working-days",
    ]


def test_a_purpose_needs_a_dpv_code(tmp_path: Path) -> None:
    assert agreement_problems(tmp_path, '"dpv:AccountManagement"', "AccountManagement") == [
        "7: agreement 'leeds-library-membership': 'purpose' dpv 'AccountManagement' must be a "
        "W3C DPV code like 'dpv:ServiceProvision'"
    ]


# --- fields -------------------------------------------------------------------------------------


def test_fields_must_be_real_paths_of_the_event(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path,
        "[person.name, previous_address, new_address]",
        "[person.name, new_adress.postcode, person.name]",
    ) == [
        "6: agreement 'leeds-library-membership': field 'new_adress.postcode' is not part of "
        "a change-of-address report",
        "6: agreement 'leeds-library-membership': field 'person.name' is listed twice for "
        "change-of-address",
    ]


def test_event_types_must_be_known_and_list_fields(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path,
        "      change-of-address: [person.name, previous_address, new_address]\n",
        "      change-of-adress: [person.name]\n      death: []\n",
    ) == [
        "6: agreement 'leeds-library-membership': 'change-of-adress' is not a life event "
        "(expected birth, change-of-address, change-of-name, death, marriage)",
        # No word about area_address: with the event types in doubt, that would only mislead.
        "7: agreement 'leeds-library-membership': fields for death must list at least one field",
    ]


def test_fields_must_name_at_least_one_event(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path,
        "    fields:\n      change-of-address: [person.name, previous_address, new_address]\n",
        "    fields: {}\n",
    ) == [
        "5: agreement 'leeds-library-membership': 'fields' must name at least one life event",
    ]


def test_area_address_only_makes_sense_for_a_change_of_address(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path,
        "change-of-address: [person.name, previous_address, new_address]",
        "death: [deceased.name]",
    ) == [
        "12: agreement 'leeds-library-membership': 'area_address' only applies to "
        "change-of-address reports, which this agreement does not receive"
    ]


# --- lawful basis and gateways ------------------------------------------------------------------


def test_lawful_basis_letters_are_checked(tmp_path: Path) -> None:
    assert agreement_problems(tmp_path, "{article_6: a}", "{article_6: g, article_9: k}") == [
        "8: agreement 'leeds-library-membership': 'lawful_basis' article_6 must be one of the "
        "letters a to f of UK GDPR Article 6(1)",
        "8: agreement 'leeds-library-membership': 'lawful_basis' article_9 must be one of the "
        "letters a to j of UK GDPR Article 9(2), or null",
    ]


def test_a_consent_based_agreement_must_use_article_6_1_a(tmp_path: Path) -> None:
    assert agreement_problems(tmp_path, "{article_6: a}", "{article_6: e, article_9: h}") == [
        "8: agreement 'leeds-library-membership': a consent-based agreement must use UK GDPR "
        "Article 6(1)(a)"
    ]


def test_a_consent_based_agreement_does_not_cite_a_gateway(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path,
        "    consent_required: true\n",
        "    consent_required: true\n"
        "    gateway: {citation: x, source: 'https://example.org/x', verified: false}\n",
    ) == [
        "10: agreement 'leeds-library-membership': a consent-based agreement does not rely on "
        "a legal gateway; remove 'gateway' or set consent_required: false"
    ]


def test_a_by_law_agreement_needs_a_gateway_and_not_consent_as_its_basis(tmp_path: Path) -> None:
    assert agreement_problems(tmp_path, "consent_required: true", "consent_required: false") == [
        "2: agreement 'leeds-library-membership': an agreement without consent needs a "
        "'gateway' citing the law that allows the disclosure",
        "8: agreement 'leeds-library-membership': an agreement that does not ask for consent "
        "cannot use Article 6(1)(a) (consent) as its lawful basis",
    ]


def test_a_gateway_needs_a_web_source_and_all_its_keys(tmp_path: Path) -> None:
    text = BY_LAW.replace(
        '      source: "https://www.legislation.gov.uk/uksi/2001/341/regulation/23"\n'
        "      verified: true\n",
        "      source: legislation.gov.uk\n",
    )
    found = problems(tmp_path, {"a.yaml": RECIPIENTS, "b.yaml": text})

    label = "agreement 'leeds-electoral-register'"
    assert [(line, message) for _, line, message in found] == [
        (10, f"{label}: 'gateway': required key 'verified' is missing"),
        (11, f"{label}: 'gateway' source must be an http(s) web address, not 'legislation.gov.uk'"),
    ]


def test_private_recipients_may_only_receive_with_consent(tmp_path: Path) -> None:
    recipients = RECIPIENTS.replace("kind: local-authority", "kind: private")
    found = problems(tmp_path, {"a.yaml": recipients, "b.yaml": BY_LAW})

    assert found == [
        (
            "b.yaml",
            13,
            "agreement 'leeds-electoral-register': recipient 'leeds-libraries' is a private "
            "organisation, so it may only receive data with consent (consent_required: true)",
        )
    ]


# --- questions ----------------------------------------------------------------------------------


def test_question_ids_are_slugs_and_unique_within_an_agreement(tmp_path: Path) -> None:
    assert agreement_problems(
        tmp_path,
        '      - {id: library-member, text: "Is the person a member of Leeds Libraries?"}\n',
        '      - {id: library-member, text: "Member?"}\n'
        '      - {id: library-member, text: "Still a member?"}\n'
        '      - {id: Has_Card, text: "Card?", applies_when: perhaps}\n',
    ) == [
        "15: agreement 'leeds-library-membership': question id 'library-member' is used twice",
        "16: agreement 'leeds-library-membership': question id 'Has_Card' must be a lowercase "
        "slug like 'leeds-libraries'",
        "16: agreement 'leeds-library-membership': question applies_when must be true or false",
    ]


# --- areas --------------------------------------------------------------------------------------


def test_area_codes_must_be_postcode_units_and_nations(tmp_path: Path) -> None:
    found = recipient_problems(
        tmp_path,
        '      include: [LS6, "LS27 0"]\n',
        '      nations: [england, mercia]\n      include: [ls6, "LS27 0", LS27-0, "LS6 2AB"]\n',
    )

    label = "recipient 'leeds-libraries': 'area'"
    assert found == [
        f"7: {label} nations: 'mercia' is not a nation "
        "(expected england, northern-ireland, scotland, wales)",
        f"8: {label} include: 'ls6' is not a postcode unit: write an area (LS), district (LS6), "
        "sector (LS6 2) or full postcode (LS6 2AB) in capitals",
        f"8: {label} include: 'LS27-0' is not a postcode unit: write an area (LS), district "
        "(LS6), sector (LS6 2) or full postcode (LS6 2AB) in capitals",
    ]


def test_a_recipient_that_serves_nowhere_is_a_problem(tmp_path: Path) -> None:
    assert recipient_problems(
        tmp_path,
        '      include: [LS6, "LS27 0"]\n      exclude: ["LS6 9"]\n',
        "      nations: []\n      include: []\n",
    ) == [
        "7: recipient 'leeds-libraries': 'area' serves nowhere: list its 'nations' or "
        "'include' postcodes"
    ]


def test_an_exclude_must_narrow_an_include(tmp_path: Path) -> None:
    assert recipient_problems(
        tmp_path, '      exclude: ["LS6 9"]\n', '      exclude: ["LS29 6", "LS27 0", LS]\n'
    ) == [
        "8: recipient 'leeds-libraries': 'area': excluding 'LS29 6' has no effect, as no "
        "included postcode unit contains it",
        "8: recipient 'leeds-libraries': 'area': 'LS27 0' is both included and excluded",
        # A broader exclude never beats a narrower include, so it would do nothing.
        "8: recipient 'leeds-libraries': 'area': excluding 'LS' has no effect, as no included "
        "postcode unit contains it",
    ]


def test_an_exclude_may_narrow_a_nation(tmp_path: Path) -> None:
    text = RECIPIENTS.replace(
        '      include: [LS6, "LS27 0"]\n      exclude: ["LS6 9"]\n',
        "      nations: [england]\n      exclude: [LS29]\n",
    )
    catalogue, found = read_catalogue(write(tmp_path, {"a.yaml": text}))

    assert found == []
    assert catalogue is not None
    area = catalogue.recipient("leeds-libraries").area
    assert area.serves("LS6 2AB")
    assert not area.serves("LS29 9AA")


def test_contact_details_are_checked(tmp_path: Path) -> None:
    assert recipient_problems(
        tmp_path,
        'contact: {url: "https://www.leeds.gov.uk", email: libraries@example.org}',
        "contact: {url: www.leeds.gov.uk, email: libraries}",
    ) == [
        "9: recipient 'leeds-libraries': 'contact' email 'libraries' is not an email address",
        "9: recipient 'leeds-libraries': 'contact' url must be an http(s) web address, "
        "not 'www.leeds.gov.uk'",
    ]


# --- many problems at once ----------------------------------------------------------------------


def test_every_problem_in_every_file_is_reported_in_reading_order(tmp_path: Path) -> None:
    recipients = RECIPIENTS.replace("kind: local-authority", "kind: council")
    agreements = (
        AGREEMENTS.replace("recipient: leeds-libraries", "recipient: nobody")
        .replace("[person.name, previous_address, new_address]", "[person.shoe_size]")
        .replace("{within: 30,", "{within: 0,")
    )
    broken = "recipients:\n  - id: [unclosed\n"
    found = problems(tmp_path, {"c.yaml": broken, "a.yaml": recipients, "b.yaml": agreements})

    assert [(file, line) for file, line, _ in found] == [
        ("a.yaml", 5),
        ("b.yaml", 3),
        ("b.yaml", 6),
        ("b.yaml", 11),
        ("c.yaml", 3),
    ]
    assert found[1][2] == "agreement 'leeds-library-membership': no recipient has id 'nobody'"
    assert found[4][2].startswith("YAML syntax error:")


def test_unsafe_tags_and_unreadable_files_are_problems_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_bytes(b"\xff\xfe not utf-8")
    found = problems(
        tmp_path,
        {"a.yaml": RECIPIENTS.replace("name: Leeds Libraries", "name: !!python/name:os.system")},
    )

    assert [(file, line) for file, line, _ in found] == [("a.yaml", 3), ("c.yaml", 1)]
    assert found[0][2] == "recipient 'leeds-libraries': 'name' must be non-empty text"
    assert found[1][2].startswith("not UTF-8 text: byte 0xff")


def test_a_missing_path_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    catalogue, found = read_catalogue(tmp_path / "nowhere.yaml")

    assert catalogue is None
    assert [(p.file, p.line) for p in found] == [("nowhere.yaml", 1)]
    assert found[0].message.startswith("not readable YAML: ")
