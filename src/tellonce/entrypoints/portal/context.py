"""What every portal page needs, wired once by ``install_portal``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from babel.support import Translations
from jinja2 import Environment

from tellonce.bootstrap import Hub
from tellonce.service_layer.ports.notifier import MessageInbox


@dataclass(frozen=True, slots=True)
class Portal:
    hub: Hub
    environments: Mapping[str, Environment]  # one per language, translations installed
    translations: Mapping[str, Translations]
    inbox: MessageInbox

    @property
    def secure_cookies(self) -> bool:
        return self.hub.settings.public_url.startswith("https://")

    @property
    def messages_by_email(self) -> bool:
        """With GOV.UK Notify, messages go by email and cannot be read back here."""
        return self.hub.settings.notify_api_key is not None

    @property
    def provider_origin(self) -> str | None:
        """The OpenID provider's origin (scheme, host and port), if citizens sign in there."""
        issuer = self.hub.settings.oidc_issuer
        if issuer is None:
            return None
        parts = urlsplit(issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def demo(self) -> bool:
        return self.hub.settings.allows_demo_sign_in

    def gettext(self, language: str) -> Callable[[str], str]:
        translations = self.translations[language]
        return translations.gettext
