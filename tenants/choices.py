"""Choice lists of the tenants app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TenantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TRYOUT = "tryout", _("Tryout")
    EXPIRED = "expired", _("Expired")


class Language(models.TextChoices):
    EN = "en", _("English")
    DE = "de", _("German")
    FR = "fr", _("French")


class Role(models.TextChoices):
    ADMIN = "admin", _("Tenant admin")
    USER = "user", _("End user")


class Feature(models.TextChoices):
    """Licensed features: floating user licences plus named add-ons."""

    USERS = "users", _("User licences")
    MOBILITY = "mobility", _("Mobility option")
    FAX = "fax", _("Fax")
    QUEUES = "queues", _("Queues")
    CONFERENCES = "conferences", _("Conferences")
    CALL_ASSIST = "call_assist", _("PBX Call Assist")

    @classmethod
    def addons(cls) -> list["Feature"]:
        return [feature for feature in cls if feature != cls.USERS]
