"""The star-code editor: one code's digits."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.featurecodes.models import MAX_DIGITS


class StarCodeForm(forms.Form):
    digits = forms.CharField(
        label=_("Code"),
        max_length=MAX_DIGITS + 4,  # spaces are dropped by the service
        help_text=_("Starts with *, e.g. *78. It must not start another code or be started by one."),
    )
