from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.voicemail"
    label = "voicemail"
    verbose_name = _("Company voicemail")

    def ready(self) -> None:
        from centrex import navigation

        navigation.register("voicemail:list", _("Voicemail"), "admin", 560)
