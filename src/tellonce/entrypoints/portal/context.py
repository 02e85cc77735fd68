"""What every portal page needs, wired once by ``install_portal``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from babel.support import Translations
from jinja2 import Environment

from tellonce.bootstrap import Hub
from tellonce.service_layer.notifications import MessageInbox


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
    def demo(self) -> bool:
        return self.hub.settings.allows_demo_sign_in

    def gettext(self, language: str) -> Callable[[str], str]:
        translations = self.translations[language]
        return translations.gettext
