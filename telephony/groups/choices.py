"""Choice lists of hunt groups ([VTX] §2.4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Strategy(models.TextChoices):
    CYCLIC = "cyclic", _("Cyclic")
    HIERARCHICAL = "hierarchical", _("Hierarchical")
    SIMULTANEOUS = "simultaneous", _("Simultaneous")
    LEAST_ACTIVE = "least_active", _("Least active")
    RANDOM = "random", _("Random")


class NoAnswerAction(models.TextChoices):
    GROUP = "group", _("Divert to a group")
    NUMBER = "number", _("Divert to a number")
    ANNOUNCEMENT = "announcement", _("Divert to an announcement")
    # A number's company voicemail "counts as a group" ([VTX] §2.4, §2.8).
    VOICEMAIL = "voicemail", _("Divert to the voicemail of a number")
    HANGUP = "hangup", _("End the call")
