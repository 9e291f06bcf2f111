from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.directory"
    label = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from centrex import navigation
        from centrex.webhooks import event_types
        from telephony.directory import receivers  # noqa: F401 - connects the signal receivers

        navigation.register("directory:extension-list", _("Extensions"), "admin", 20)
        navigation.register("directory:number-list", _("Phone numbers"), "admin", 30)
        navigation.register("directory:settings", _("Telephony"), "admin", 40)
        event_types.register("extension.created", _("An extension was created"))
        event_types.register("extension.updated", _("An extension or its devices changed"))
        event_types.register("extension.deleted", _("An extension was deleted"))
