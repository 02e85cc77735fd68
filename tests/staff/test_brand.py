"""The brand (ADR 0094): GOV.UK's header, crown and copyright only when configured; otherwise
the organisation's name, logo, footer links and the stylesheet built from its Sass settings."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.config import Brand
from tellonce.entrypoints.asgi import create_app

HTML = {"accept": "text/html"}


def _page(hub: Hub, path: str, **settings: object) -> str:
    branded = Hub(
        settings=hub.settings.model_copy(update=settings),
        engine=hub.engine,
        vault=hub.vault,
        clock=hub.clock,
    )
    with TestClient(create_app(branded)) as client:
        response = client.get(path, headers=HTML)
    assert response.status_code == 200
    return response.text


def test_an_organisation_brand_has_no_crown_and_its_own_name_logo_and_links(hub: Hub) -> None:
    for path in ("/", "/register", "/staff/sign-in"):
        page = _page(
            hub,
            path,
            brand_organisation="Tref County Council",
            brand_service_name="Tell Tref once",
            brand_logo="/static/brand/demo-council-logo.svg",
            brand_footer_links="Contact us|https://tref.example/contact;Help|/help",
        )
        assert "govuk-header__logotype" not in page
        assert "Crown copyright" not in page
        assert "favicon" not in page
        assert "govuk-generic-header" in page
        assert "Tref County Council" in page
        assert "Tell Tref once" in page
        assert 'src="/static/brand/demo-council-logo.svg"' in page
        assert (
            '<a class="govuk-footer__link" href="https://tref.example/contact">Contact us</a>'
            in page
        )
        assert "/assets/govuk-frontend-brand.min.css" in page


def test_the_govuk_brand_only_when_configured(hub: Hub) -> None:
    page = _page(hub, "/", brand=Brand.GOVUK)
    assert "govuk-header__logotype" in page
    assert "Crown copyright" in page
    assert "/assets/govuk-frontend.min.css" in page
    assert "Tell government once" in page
