"""Forms of an extension's forwarding page: a new profile, a rule, DND."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.forwarding.choices import NO_ANSWER_SECONDS, PROFILE_SLOTS, ForwardCondition, ForwardTarget, SelectiveMatch
from telephony.forwarding.models import ForwardingProfile


class ProfileForm(forms.Form):
    slot = forms.TypedChoiceField(label=_("Profile number"), choices=[(s, str(s)) for s in PROFILE_SLOTS], coerce=int)
    name = forms.CharField(label=_("Name"), max_length=50)
    colour = forms.CharField(
        label=_("Colour"), max_length=7, required=False, widget=forms.TextInput(attrs={"type": "color", "value": "#1e88e5"})
    )


def _number_field() -> forms.CharField:
    """Where a rule's target 'Phone number' goes (the rules and the selective rules ask it alike)."""
    return forms.CharField(
        label=_("Phone number or extension"),
        max_length=30,
        required=False,
        help_text=_("For the target 'Phone number': an extension, or a number such as 089 2343123 or +49 89 2343123."),
    )


def _no_answer_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("No answer after"),
        choices=[(s, _("%(seconds)s seconds") % {"seconds": s}) for s in NO_ANSWER_SECONDS],
        coerce=int,
        empty_value=None,
        initial=20,
        required=False,
        help_text=_("Only for the condition 'No answer'."),
    )


class RuleForm(forms.Form):
    profile = forms.ChoiceField(label=_("Profile"))
    condition = forms.ChoiceField(label=_("Condition"), choices=ForwardCondition.choices)
    target = forms.ChoiceField(label=_("Target"), choices=ForwardTarget.choices)
    number = _number_field()
    no_answer_seconds = _no_answer_field()

    def __init__(self, *args: Any, profiles: Sequence[ForwardingProfile] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(str(p.pk), f"{p.slot} {p.name}") for p in profiles]


class SelectiveRuleForm(forms.Form):
    """A rule of a (non-default) profile for some callers: who, then "let through" or a condition and target."""

    profile = forms.ChoiceField(label=_("Profile"), help_text=_("Not the default profile."))
    match = forms.ChoiceField(label=_("Callers"), choices=SelectiveMatch.choices)
    extension = forms.ChoiceField(label=_("Extension"), required=False, help_text=_("For the callers 'An extension'."))
    contact = forms.ChoiceField(label=_("Contact"), required=False, help_text=_("For the callers 'A contact'."))
    prefix = forms.CharField(
        label=_("Number or prefix"),
        max_length=30,
        required=False,
        help_text=_("For the callers 'A number or prefix': e.g. +49, +4989 or a whole number; the longest match wins."),
    )
    allow = forms.BooleanField(
        label=_("Always let these callers through"),
        required=False,
        help_text=_("The extension rings; condition and target are not used."),
    )
    condition = forms.ChoiceField(label=_("Condition"), choices=[("", "---"), *ForwardCondition.choices], required=False)
    target = forms.ChoiceField(label=_("Target"), choices=[("", "---"), *ForwardTarget.choices], required=False)
    number = _number_field()
    no_answer_seconds = _no_answer_field()

    def __init__(
        self,
        *args: Any,
        profiles: Sequence[ForwardingProfile] = (),
        extensions: Sequence[Any] = (),
        contacts: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(str(p.pk), f"{p.slot} {p.name}") for p in profiles if not p.is_default]
        self.fields["extension"].choices = [("", "---")] + [(str(e.pk), f"{e.number} {e.display_name}") for e in extensions]
        self.fields["contact"].choices = [("", "---")] + [(str(c.pk), c.name) for c in contacts]
