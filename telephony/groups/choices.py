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
    HANGUP = "hangup", _("End the call")
