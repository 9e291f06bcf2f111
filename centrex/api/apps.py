"""The REST API platform: base viewsets, API keys, throttling, errors, OpenAPI."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "centrex.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from centrex import navigation
        from centrex.api import schema  # noqa: F401  (registers the OpenAPI extension)

        navigation.register("apikeys:list", _("API keys"), "admin", 850)
        navigation.register("apikeys:operator-list", _("API keys"), "operator", 850)
