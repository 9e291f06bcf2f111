from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from centrex import navigation

        navigation.register("contacts:directory", _("Company directory"), "admin", 500)
        navigation.register("contacts:mine", _("Contacts"), "member", 100)
