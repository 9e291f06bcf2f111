from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.freeswitch"
    label = "freeswitch"
    verbose_name = _("FreeSWITCH")

    def ready(self) -> None:
        from centrex import navigation
        from telephony.freeswitch import receivers  # noqa: F401

        navigation.register("switch:node-list", _("Switch nodes"), "operator", 20)
        navigation.register("switch:trunk-list", _("Trunks"), "operator", 30)
        navigation.register("switch:number-pool", _("Phone numbers"), "operator", 40)
        navigation.register("switch:block-list", _("Block list"), "operator", 50)
