from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants")

    def ready(self) -> None:
        from centrex import navigation
        from tenants.portal import access  # noqa: F401 - connects the login receiver that opens the admin pages

        navigation.register("operator:tenant-list", _("Tenants"), "operator", 10)
        navigation.register("operator:audit-log", _("Audit log"), "operator", 900)
        navigation.register("portal:user-list", _("Users"), "admin", 10)
        navigation.register("portal:licences", _("Licences"), "admin", 800)
        navigation.register("portal:audit-log", _("Audit log"), "admin", 900)
