"""Portal forms of the tenants app. They only parse input; the services validate and write."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.choices import Feature, Language, Role

TIME_ZONES = sorted(zoneinfo.available_timezones())


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their field, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class TenantCreateForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    slug = forms.SlugField(label=_("Short name"), max_length=63, help_text=_("Lower-case letters, digits and hyphens."))
    sip_domain = forms.CharField(
        label=_("SIP domain"), max_length=253, required=False, help_text=_("Leave empty for <short name>.<platform domain>.")
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(tz, tz) for tz in TIME_ZONES], initial="Europe/Berlin")
    language = forms.ChoiceField(label=_("Default language"), choices=Language.choices, initial=Language.EN)
    country = forms.CharField(label=_("Country code"), max_length=2, initial="DE")
    tryout = forms.BooleanField(label=_("Start in the 14-day tryout"), required=False, initial=True)
    user_licences = forms.IntegerField(
        label=_("User licences bought"),
        min_value=0,
        max_value=100000,
        initial=0,
        required=False,
        help_text=_("Leave at 0 for a tryout."),
    )
    admin_email = forms.EmailField(label=_("First admin's e-mail address"), required=False)
    admin_name = forms.CharField(label=_("First admin's name"), max_length=200, required=False)

    def clean_user_licences(self) -> int:
        return self.cleaned_data.get("user_licences") or 0


class LicenceForm(forms.Form):
    feature = forms.ChoiceField(label=_("Licence"), choices=Feature.choices)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=100000)


class UserInviteForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.USER)
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("Company default")), *Language.choices], required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
