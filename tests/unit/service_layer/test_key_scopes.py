"""API key scopes and environments (ADR 0089): what each key may do, and whose traffic it sees."""

from __future__ import annotations

import pytest

from tellonce.domain.errors import MissingScope, NotAuthenticated
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.identity import (
    RecipientCaller,
    authenticate_recipient,
    authenticate_registrar,
    create_recipient_key,
    create_registrar_key,
    revoke_recipient_key,
    visible_recipient,
)
from tellonce.service_layer.ports.vault import Vault
from tests.factories import small_catalogue
from tests.fakes import FakeClock, FakeDatabase


@pytest.fixture(autouse=True)
def _catalogue(database: FakeDatabase, clock: FakeClock) -> None:
    load_catalogue(small_catalogue(), uow=database.uow(), clock=clock)


def test_a_key_does_only_what_its_scopes_allow(database: FakeDatabase, clock: FakeClock) -> None:
    feed_only = create_recipient_key(
        "dwp", "live", None, uow=database.uow(), clock=clock, scopes=frozenset({"feed"})
    ).key
    caller = authenticate_recipient(feed_only, uow=database.uow(), scope="feed")
    assert caller == RecipientCaller("dwp", "live")
    with pytest.raises(MissingScope) as refused:
        authenticate_recipient(feed_only, uow=database.uow(), scope="acknowledge")
    assert refused.value.scope == "acknowledge"
    assert "acknowledge" in str(refused.value)


def test_a_key_issued_without_scopes_has_every_scope_of_its_kind(
    database: FakeDatabase, clock: FakeClock
) -> None:
    key = create_recipient_key("dwp", "test", None, uow=database.uow(), clock=clock).key
    for scope in ("feed", "acknowledge"):
        assert authenticate_recipient(key, uow=database.uow(), scope=scope).environment == "test"
    with pytest.raises(MissingScope):
        authenticate_registrar(key, uow=database.uow())


def test_unknown_or_foreign_scopes_are_refused_at_issue(
    database: FakeDatabase, clock: FakeClock
) -> None:
    for scopes in ({"registrar"}, {"admin"}, set()):
        with pytest.raises(ValueError, match="scopes"):
            create_recipient_key(
                "dwp", "live", None, uow=database.uow(), clock=clock, scopes=frozenset(scopes)
            )


def test_a_registrar_key_is_refused_by_scope_and_a_revoked_key_by_authentication(
    database: FakeDatabase, clock: FakeClock, vault: Vault
) -> None:
    registrar = create_registrar_key(
        "leeds", "live", None, uow_factory=database.uow, vault=vault, clock=clock
    ).key
    assert authenticate_registrar(registrar, uow=database.uow()) is not None
    with pytest.raises(MissingScope):
        authenticate_recipient(registrar, uow=database.uow(), scope="feed")
    issued = create_recipient_key("dwp", "live", None, uow=database.uow(), clock=clock)
    assert revoke_recipient_key(issued.prefix, uow=database.uow(), clock=clock)
    with pytest.raises(NotAuthenticated):
        authenticate_recipient(issued.key, uow=database.uow(), scope="feed")
    with pytest.raises(NotAuthenticated):
        authenticate_registrar(issued.key, uow=database.uow())


def test_a_key_sees_only_the_traffic_of_its_own_environment() -> None:
    assert visible_recipient(RecipientCaller("dwp", "test"), "test") == "dwp"
    assert visible_recipient(RecipientCaller("dwp", "live"), "live") == "dwp"
    assert visible_recipient(RecipientCaller("dwp", "test"), "live") is None
    assert visible_recipient(RecipientCaller("dwp", "live"), "test") is None
