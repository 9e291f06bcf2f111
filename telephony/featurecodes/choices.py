"""The kinds of star code a tenant has ([DFN] §3.1), and what a forwarding code points at."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StarCodeKind(models.TextChoices):
    ACTIVATE_PROFILE = "activate_profile", _("Activate forwarding profile 0-9")
    FORWARD_ALWAYS = "forward_always", _("Forward always")
    FORWARD_NO_ANSWER = "forward_no_answer", _("Forward on no answer")
    FORWARD_BUSY = "forward_busy", _("Forward on busy")
    FORWARD_NOT_REGISTERED = "forward_not_registered", _("Forward if not registered")
    CANCEL_ALWAYS = "cancel_always", _("Cancel forward always")
    CANCEL_NO_ANSWER = "cancel_no_answer", _("Cancel forward on no answer")
    CANCEL_BUSY = "cancel_busy", _("Cancel forward on busy")
    CANCEL_NOT_REGISTERED = "cancel_not_registered", _("Cancel forward if not registered")
    VOICEMAIL_TARGET = "voicemail_target", _("Voicemail as forwarding target")
    INTERCOM = "intercom", _("Intercom")
    DND_ON = "dnd_on", _("Do not disturb on")
    DND_OFF = "dnd_off", _("Do not disturb off")
    DND_TOGGLE = "dnd_toggle", _("Do not disturb on/off")


class TargetKind(models.TextChoices):
    NUMBER = "number", _("Phone number")
    EXTENSION = "extension", _("Extension")
    VOICEMAIL = "voicemail", _("Voicemail")


# The codes every tenant starts with. [DFN] §3.1 fixes the forwarding, voicemail and intercom
# codes; it names no DND codes, so ours avoid every prefix of the others (*7x is free).
DEFAULT_DIGITS: dict[str, str] = {
    StarCodeKind.ACTIVATE_PROFILE: "*10",
    StarCodeKind.FORWARD_ALWAYS: "*11",
    StarCodeKind.FORWARD_NO_ANSWER: "*12",
    StarCodeKind.FORWARD_BUSY: "*13",
    StarCodeKind.FORWARD_NOT_REGISTERED: "*14",
    StarCodeKind.CANCEL_ALWAYS: "**11",
    StarCodeKind.CANCEL_NO_ANSWER: "**12",
    StarCodeKind.CANCEL_BUSY: "**13",
    StarCodeKind.CANCEL_NOT_REGISTERED: "**14",
    StarCodeKind.VOICEMAIL_TARGET: "*791",
    StarCodeKind.INTERCOM: "*80",
    StarCodeKind.DND_ON: "*78",
    StarCodeKind.DND_OFF: "*79",
    StarCodeKind.DND_TOGGLE: "*76",
}

# Codes dialled with something after them: a profile slot, a forwarding target, an extension.
ARGUMENT_KINDS = frozenset(
    {
        StarCodeKind.ACTIVATE_PROFILE,
        StarCodeKind.FORWARD_ALWAYS,
        StarCodeKind.FORWARD_NO_ANSWER,
        StarCodeKind.FORWARD_BUSY,
        StarCodeKind.FORWARD_NOT_REGISTERED,
        StarCodeKind.INTERCOM,
    }
)
# Not dialled on its own but after a forwarding code (``*11*791``): it is not part of the
# numbering plan, only of the forwarding codes' targets.
SUFFIX_KINDS = frozenset({StarCodeKind.VOICEMAIL_TARGET})
