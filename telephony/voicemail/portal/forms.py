"""Forms of the company-voicemail page ([VTX] §2.8)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.voicemail.choices import MailboxLanguage, MailboxState


class MailboxForm(forms.Form):
    state = forms.ChoiceField(label=_("Voicemail"), choices=MailboxState.choices, widget=forms.RadioSelect)
    new_password = forms.CharField(
        label=_("Your new password (4 digits)"),
        required=False,
        max_length=4,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )
    password_confirmation = forms.CharField(
        label=_("Confirm the new password"),
        required=False,
        max_length=4,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=MailboxLanguage.choices)
    email = forms.EmailField(
        label=_("E-mail address"), required=False, help_text=_("Voice messages are also sent to this address.")
    )

    def service_arguments(self) -> dict[str, object]:
        data = self.cleaned_data
        new_password = data.get("new_password") or ""
        confirmation = data.get("password_confirmation") or ""
        return {
            "state": data["state"],
            "password": new_password if (new_password or confirmation) else None,
            "password_confirmation": confirmation if (new_password or confirmation) else None,
            "language": data["language"],
            "email": data.get("email") or "",
        }


class GreetingForm(forms.Form):
    greeting = forms.FileField(
        label=_("Greeting"),
        help_text=_("WAV or MP3, at most 4 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".wav,.mp3,audio/wav,audio/mpeg"}),
    )
