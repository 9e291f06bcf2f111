from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.media.choices import MediaKind


class MediaUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MediaKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    upload = forms.FileField(
        label=_("Audio file"),
        help_text=_("WAV or MP3, at most 4 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".wav,.mp3,audio/wav,audio/mpeg"}),
    )


class MediaRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
