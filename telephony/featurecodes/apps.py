from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "telephony.featurecodes"
    label = "featurecodes"
    verbose_name = _("Star codes")

    def ready(self) -> None:
        from centrex import navigation
        from telephony.featurecodes import receivers, validators  # noqa: F401 - default codes, numbering-plan claimer

        # Every user dials them; the admin changes them from the same page.
        navigation.register("featurecodes:list", _("Star codes"), "member", 120)
