from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.groups"
    label = "groups"
    verbose_name = _("Hunt groups")

    def ready(self) -> None:
        from centrex import navigation
        from telephony.groups import receivers, validators  # noqa: F401 - registers the short-number claimer, event subscriber

        navigation.register("monitor:index", _("Activity monitor"), "admin", 5)
        navigation.register("groups:list", _("Groups"), "admin", 300)
