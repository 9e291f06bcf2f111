"""Forms of an extension's forwarding page: a new profile, a rule, DND."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.forwarding.choices import NO_ANSWER_SECONDS, PROFILE_SLOTS, ForwardCondition, ForwardTarget
from telephony.forwarding.models import ForwardingProfile


class ProfileForm(forms.Form):
    slot = forms.TypedChoiceField(label=_("Profile number"), choices=[(s, str(s)) for s in PROFILE_SLOTS], coerce=int)
    name = forms.CharField(label=_("Name"), max_length=50)
    colour = forms.CharField(
        label=_("Colour"), max_length=7, required=False, widget=forms.TextInput(attrs={"type": "color", "value": "#1e88e5"})
    )


class RuleForm(forms.Form):
    profile = forms.ChoiceField(label=_("Profile"))
    condition = forms.ChoiceField(label=_("Condition"), choices=ForwardCondition.choices)
    target = forms.ChoiceField(label=_("Target"), choices=ForwardTarget.choices)
    number = forms.CharField(
        label=_("Phone number or extension"),
        max_length=30,
        required=False,
        help_text=_("For the target 'Phone number': an extension, or a number such as 089 2343123 or +49 89 2343123."),
    )
    no_answer_seconds = forms.TypedChoiceField(
        label=_("No answer after"),
        choices=[(s, _("%(seconds)s seconds") % {"seconds": s}) for s in NO_ANSWER_SECONDS],
        coerce=int,
        empty_value=None,
        initial=20,
        required=False,
        help_text=_("Only for the condition 'No answer'."),
    )

    def __init__(self, *args: Any, profiles: Sequence[ForwardingProfile] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(str(p.pk), f"{p.slot} {p.name}") for p in profiles]
