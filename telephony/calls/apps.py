from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.calls"
    label = "calls"
    verbose_name = _("Calls")

    def ready(self) -> None:
        from centrex import navigation
        from centrex.webhooks.event_types import register

        register("call.recorded", _("A call record was stored (after the call)"))

        navigation.register("calls:my-records", _("My calls"), "member", 20)
        navigation.register("calls:records", _("Call records"), "admin", 50)
