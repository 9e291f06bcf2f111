"""Choice lists of the directory app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClassOfService(models.TextChoices):
    """What an extension may dial outside the company (emergency numbers always go out)."""

    INTERNAL = "internal", _("Internal calls only")
    NATIONAL = "national", _("National")
    INTERNATIONAL = "international", _("International")


class CallerIdMode(models.TextChoices):
    """The number shown to people called outside the company."""

    OWN = "own", _("The extension's own number")
    MAIN = "main", _("A main number of the company")
    WITHHELD = "withheld", _("Withheld")


class DestinationKind(models.TextChoices):
    """Where calls to a phone number (DID) go. Group, announcement and by time range: ``forwarding.NumberRoute`` rows."""

    NONE = "none", _("Not routed")
    EXTENSION = "extension", _("Extension")
    GROUP = "group", _("Group")
    ANNOUNCEMENT = "announcement", _("Announcement")
    SCHEDULE = "schedule", _("By time range")
