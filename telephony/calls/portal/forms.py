"""The filter form of the call record pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.calls.choices import CallDirection
from telephony.directory.models import Extension
from tenants.models import Tenant


class CallRecordFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    extension = forms.ModelChoiceField(label=_("Extension"), queryset=Extension.objects.none(), required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=[("", _("All")), *CallDirection.choices], required=False)

    def __init__(self, *args: Any, tenant: Tenant, with_extension: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_extension:
            extension_field = self.fields["extension"]
            assert isinstance(extension_field, forms.ModelChoiceField)
            extension_field.queryset = Extension.objects.for_tenant(tenant).order_by("number")
        else:
            del self.fields["extension"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned
