"""Choice lists of the company voicemail ([VTX] §2.8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailboxState(models.TextChoices):
    """Exactly the three states of [VTX] §2.8."""

    ON = "on", _("On: greeting, then message recording")
    GREETING_ONLY = "greeting_only", _("Greeting only: no message recording")
    OFF = "off", _("Off")


class MailboxLanguage(models.TextChoices):
    """The languages of the voicemail prompts (the stock FreeSWITCH phrases exist in these)."""

    EN = "en", _("English")
    DE = "de", _("German")
    FR = "fr", _("French")
