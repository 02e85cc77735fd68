"""Staff for the console's and administration's tests: added as the CLI adds them, signed in
through the demo sign-in page."""

from __future__ import annotations

import sqlalchemy as sa

from tellonce.adapters.database.schema import disclosures, log_entries
from tellonce.bootstrap import Hub
from tellonce.service_layer.staff import add_staff
from tests.support.portal import Portal


def add(hub: Hub, email: str, role: str, recipient: str | None = None) -> None:
    add_staff(
        email,
        email.split("@", maxsplit=1)[0].title(),
        role,
        recipient,
        uow=hub.console_uow(),
        clock=hub.clock,
    )


def staff_sign_in(browser: Portal, email: str) -> None:
    browser.get("/staff/sign-in")
    response = browser.post("/staff/sign-in", {"email": email, "next": "/console"})
    assert response.status_code == 303, response.text


def disclosures_by_recipient(hub: Hub) -> dict[str, list[str]]:
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(disclosures.c.recipient_id, disclosures.c.id)).all()
    found: dict[str, list[str]] = {}
    for recipient_id, disclosure_id in rows:
        found.setdefault(recipient_id, []).append(str(disclosure_id))
    return found


def hub_actions(hub: Hub) -> list[bytes]:
    with hub.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(log_entries.c.entry)
                .where(log_entries.c.kind == "hub-action")
                .order_by(log_entries.c.id)
            ).scalars()
        )
