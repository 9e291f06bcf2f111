"""Choice lists of forwarding profiles ([DFN] §1.9): the four conditions and the three targets."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ForwardCondition(models.TextChoices):
    """When a forwarding rule applies (exactly four, [DFN] §1.9)."""

    ALWAYS = "always", _("Always")
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no_answer", _("No answer")
    NOT_REGISTERED = "not_registered", _("Not registered")


class ForwardTarget(models.TextChoices):
    """Where a forwarded call goes (exactly three, [DFN] §1.9); a phone number can also be an extension."""

    VOICEMAIL = "voicemail", _("Voicemail")
    BUSY = "busy", _("Busy signal")
    NUMBER = "number", _("Phone number")


class SelectiveMatch(models.TextChoices):
    """Which callers a selective rule of a profile is about ([DFN] §1.9 "selektive Rufumleitung")."""

    ANONYMOUS = "anonymous", _("Anonymous callers")
    INTERNAL = "internal", _("All internal calls")
    EXTENSION = "extension", _("An extension")
    CONTACT = "contact", _("A contact")
    PREFIX = "prefix", _("A number or prefix")


# The no-answer timer may only be one of these ([DFN] §1.9).
NO_ANSWER_SECONDS = (5, 10, 15, 20)
# What a no-answer rule waits when none is given (star codes set no timer).
DEFAULT_NO_ANSWER_SECONDS = 20
# Profiles are numbered 0 to 9 (the star code *10n); the default profile has number 0.
PROFILE_SLOTS = range(10)
DEFAULT_SLOT = 0
MAX_PROFILES = len(PROFILE_SLOTS)
