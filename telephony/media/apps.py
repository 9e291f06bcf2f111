from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.media"
    label = "media"
    verbose_name = _("Media")

    def ready(self) -> None:
        from centrex import navigation

        navigation.register("media:list", _("Media"), "admin", 600)
