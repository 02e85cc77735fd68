"""The routing plan in plain English: why an organisation is told, and on what lawful basis.

The plan's own reasons ("the previous address is in the area served (nation england)") are
written for the API and the record; the preview says the same from the same data, for people:
"Your old address is in England", "Because it is their public task".
"""

from __future__ import annotations

from collections.abc import Mapping

from tellonce.domain.areas import Nation
from tellonce.domain.catalogue import LawfulBasis, Recipient, RecipientKind
from tellonce.domain.routing import AreaMatch, Route
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.routing_wording import wording

# (event type, which address) -> msgid; ``%(area)s`` is a nation or an area by name.
ADDRESS_IN: Mapping[tuple[str, str], str] = {
    ("change-of-address", "old"): N_("Your old address is in %(area)s"),
    ("change-of-address", "new"): N_("Your new address is in %(area)s"),
    ("change-of-name", "address"): N_("Your address is in %(area)s"),
    ("death", "address"): N_("Their address is in %(area)s"),
    ("birth", "address"): N_("The child's address is in %(area)s"),
    ("marriage", "address"): N_("Your address is in %(area)s"),
}
NATIONS: Mapping[Nation, str] = {
    Nation.ENGLAND: N_("England"),
    Nation.WALES: N_("Wales"),
    Nation.SCOTLAND: N_("Scotland"),
    Nation.NORTHERN_IRELAND: N_("Northern Ireland"),
}

# UK GDPR Article 6(1) and Article 9(2), as the citizen would say them.
ARTICLE_6: Mapping[str, str] = {
    "a": N_("Because you agree to it"),
    "b": N_("Because it is needed for a contract with you"),
    "c": N_("Because the law requires it"),
    "d": N_("Because it is needed to protect someone's life"),
    "e": N_("Because it is their public task"),
    "f": N_("Because it is in their legitimate interests"),
}
ARTICLE_9: Mapping[str, str] = {
    "a": N_("For sensitive details, such as about health, because you explicitly agree"),
    "b": N_(
        "For sensitive details, such as about health, because employment or social "
        "security law needs it"
    ),
    "c": N_(
        "For sensitive details, such as about health, to protect someone's life when "
        "they cannot agree"
    ),
    "d": N_(
        "For sensitive details, such as about health, because they are a not-for-profit "
        "body you belong to"
    ),
    "e": N_(
        "For sensitive details, such as about health, because the details were already made public"
    ),
    "f": N_(
        "For sensitive details, such as about health, because legal claims or a court need them"
    ),
    "g": N_(
        "For sensitive details, such as about health, for reasons of substantial public interest"
    ),
    "h": N_("For sensitive details, such as about health, for health or social care"),
    "i": N_("For sensitive details, such as about health, for public health"),
    "j": N_("For sensitive details, such as about health, for archiving, research or statistics"),
}


def lawful_basis_lines(basis: LawfulBasis, _: Gettext) -> list[str]:
    """What the basis means, then the article it is, for those who look it up."""
    lines = [_(ARTICLE_6[basis.article_6])]
    if basis.article_9:
        lines.append(_(ARTICLE_9[basis.article_9]))
    return [*lines, basis.describe()]


def why_it_applies(
    route: Route, event_type: str, answers: Mapping[str, bool], _: Gettext
) -> list[str]:
    """Why the agreement applies to this report, beyond its being about this life event."""
    reasons = []
    if route.area is not None:
        reasons.append(_area_reason(route, route.area, event_type, _))
    for question in route.agreement.questions:
        if question.id not in answers:
            continue
        yes = answers[question.id]
        worded = wording(event_type, question.id)
        if worded is not None:
            said = (
                _("You selected \u2018%(option)s\u2019")
                if yes
                else _("You did not select \u2018%(option)s\u2019")
            )
            reasons.append(said % {"option": worded.state(_)})
        else:
            said = (
                _("You answered yes to \u2018%(question)s\u2019")
                if yes
                else _("You answered no to \u2018%(question)s\u2019")
            )
            reasons.append(said % {"question": question.text})
    return reasons


def council_of(recipient: Recipient) -> str:
    """The council a local-authority service belongs to. The catalogue names each such service
    "<service>, <council>" ("Council Tax, Leeds City Council"); its controller may be an officer
    ("Electoral Registration Officer for Leeds"), so the name is the better source."""
    _service, _comma, council = recipient.name.rpartition(", ")
    return council or recipient.controller


def _area_reason(route: Route, area: AreaMatch, event_type: str, _: Gettext) -> str:
    if area.nation is not None:
        where = _(NATIONS[area.nation])
    elif route.recipient.kind is RecipientKind.LOCAL_AUTHORITY:
        where = _("the %(council)s area") % {"council": council_of(route.recipient)}
    else:
        where = _("the area %(organisation)s serves") % {"organisation": route.recipient.name}
    template = ADDRESS_IN.get((event_type, area.address), N_("The address is in %(area)s"))
    return _(template) % {"area": where}
