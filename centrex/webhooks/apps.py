"""Webhooks: tenant endpoints receiving signed domain events."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "centrex.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from centrex import navigation
        from centrex.webhooks import events  # noqa: F401  (registers the event subscriber)

        navigation.register("webhooks:endpoint-list", _("Webhooks"), "admin", 700)
