"""What the layout needs to draw the brand (ADR 0094): GOV.UK's, or an organisation's."""

from __future__ import annotations

from dataclasses import dataclass

from tellonce.config import Brand, Settings


@dataclass(frozen=True, slots=True)
class BrandView:
    govuk: bool
    service_name: str | None  # None: the service's own (translated) name
    organisation: str
    logo: str | None
    homepage_url: str
    footer_links: tuple[tuple[str, str], ...]

    @property
    def stylesheet(self) -> str:
        # The organisation's is GOV.UK Frontend compiled with its Sass settings at install.
        return (
            "/assets/govuk-frontend.min.css"
            if self.govuk
            else "/assets/govuk-frontend-brand.min.css"
        )


def brand_of(settings: Settings) -> BrandView:
    return BrandView(
        govuk=settings.brand is Brand.GOVUK,
        service_name=settings.brand_service_name,
        organisation=settings.brand_organisation,
        logo=settings.brand_logo,
        homepage_url=settings.brand_homepage_url,
        footer_links=tuple(settings.parsed_footer_links()),
    )
