"""Use cases for a recipient's push endpoint and its Standard Webhooks signing secrets."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from tellonce.domain.catalogue import Channel
from tellonce.domain.errors import FieldProblem, InvalidInput, NotFound
from tellonce.service_layer.hub_actions import Actor, record_action
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.endpoints import DestinationCheck

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret


@dataclass(frozen=True, slots=True)
class EndpointSecret:
    secret: str  # shown once


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_secret(secret: str) -> str:
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as error:
        raise InvalidInput([FieldProblem(("secret",), "The secret is not valid base64")]) from error
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
        raise InvalidInput(
            [FieldProblem(("secret",), "The secret must be whsec_ and 24 to 64 bytes of base64")]
        )
    return secret


def _check_url(url: str, destinations: DestinationCheck) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput([FieldProblem(("url",), "The endpoint must be an http(s) URL")])
    refusal = destinations.refusal(url)
    if refusal is not None:
        raise InvalidInput([FieldProblem(("url",), f"This endpoint is refused: {refusal}")])
    return url


def set_endpoint(
    recipient_id: str,
    url: str,
    secret: str | None,
    *,
    uow: UnitOfWork,
    vault: Vault,
    clock: Clock,
    destinations: DestinationCheck,
    actor: Actor | None = None,
) -> EndpointSecret:
    """Point a recipient's pushes at ``url`` with a fresh (or imported) secret, replacing any
    earlier secrets at once. The URL is refused now by the sender's own policy (SSRF: loopback,
    private and cloud-metadata addresses, credentials in the URL, plain http in production),
    not only when the first push would be made; the sender checks again at every connection."""
    chosen = _check_secret(secret) if secret else new_secret()
    checked = _check_url(url, destinations)
    now = clock.now()
    with uow:
        if uow.endpoints.get(recipient_id) is None:
            raise NotFound(f"There is no recipient {recipient_id!r}")
        recipient = uow.catalogue.current().recipients.get(recipient_id)
        if recipient is not None and recipient.channel is Channel.PULL:
            raise InvalidInput(
                [
                    FieldProblem(
                        ("recipient",),
                        f"The catalogue says {recipient_id} receives by pull only: change its "
                        "channel to push or both and load the catalogue before setting an endpoint",
                    )
                ]
            )
        uow.endpoints.set(recipient_id, checked, now)
        uow.endpoints.retire_secrets(recipient_id, now)
        uow.endpoints.add_secret(
            recipient_id, vault.seal_secret(chosen.encode(), recipient_id.encode()), now
        )
        record_action(uow, actor, "endpoint-set", now, {"recipient": recipient_id})
        uow.commit()
    return EndpointSecret(chosen)


def rotate_secret(
    recipient_id: str,
    overlap: timedelta,
    *,
    uow: UnitOfWork,
    vault: Vault,
    clock: Clock,
    actor: Actor | None = None,
) -> EndpointSecret:
    """Start a rotation: both the old and the new secret sign until ``overlap`` has passed.

    A rotation during another's overlap keeps both promises (ADR 0086): secrets already
    retiring keep their own end (the first rotation's promise is never cut short), and the
    secret that was current signs for ``overlap`` more, beside the new one."""
    chosen = new_secret()
    now = clock.now()
    with uow:
        endpoint = uow.endpoints.get(recipient_id)
        if endpoint is None or endpoint.url is None:
            raise NotFound(f"Recipient {recipient_id!r} has no push endpoint")
        uow.endpoints.retire_current_secrets(recipient_id, now + overlap)
        uow.endpoints.add_secret(
            recipient_id, vault.seal_secret(chosen.encode(), recipient_id.encode()), now
        )
        record_action(uow, actor, "secret-rotated", now, {"recipient": recipient_id})
        uow.commit()
    return EndpointSecret(chosen)


def enable_endpoint(
    recipient_id: str, *, uow: UnitOfWork, clock: Clock, actor: Actor | None = None
) -> int:
    """Re-enable an endpoint disabled by 410 Gone (or by an operator); its waiting disclosures
    are sent again. With an ``actor``, a hub action in the same transaction."""
    now = clock.now()
    with uow:
        endpoint = uow.endpoints.get(recipient_id)
        if endpoint is None or endpoint.url is None:
            raise NotFound(f"Recipient {recipient_id!r} has no push endpoint")
        uow.endpoints.set_state(recipient_id, "enabled", now)
        released = uow.endpoints.release_disabled(recipient_id, now)
        record_action(uow, actor, "endpoint-enabled", now, {"recipient": recipient_id})
        uow.commit()
    return released
