from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.forwarding"
    label = "forwarding"
    verbose_name = _("Time ranges and forwarding")

    def ready(self) -> None:
        from centrex import navigation
        from telephony.forwarding import receivers  # noqa: F401 - connects the signal receivers

        navigation.register("forwarding:schedule", _("Time ranges"), "admin", 400)
        navigation.register("forwarding:numbers", _("Number routing"), "admin", 410)
        navigation.register("forwarding:caller-id", _("Caller ID"), "admin", 420)
