"""Choice lists of the media app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MediaKind(models.TextChoices):
    MUSIC_ON_HOLD = "moh", _("Music on hold")
    RING_TONE = "ringtone", _("Ring tone")
    ANNOUNCEMENT = "announcement", _("Announcement")
