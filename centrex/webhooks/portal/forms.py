"""Portal forms of the webhooks app. They only parse input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from centrex.webhooks import event_types


class EndpointForm(forms.Form):
    # A plain text field: the service checks the URL and gives the one clear message.
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        help_text=_("Where the events are sent with an HTTPS POST, such as https://crm.example.com/centrex/events."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), choices=event_types.choices, widget=forms.CheckboxSelectMultiple
    )


class EndpointChangeForm(EndpointForm):
    is_active = forms.BooleanField(label=pgettext_lazy("webhook endpoint", "Active"), required=False)
