"""Forms of the API key pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centrex.api.scopes import OPERATOR_SCOPE_CHOICES, TENANT_SCOPE_CHOICES, Scope


def _choices(values: list[str]) -> list[tuple[str, str]]:
    return [(value, f"{value}: {Scope(value).label}") for value in values]


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the key is for, e.g. CRM connector."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=())
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The key stops working at the end of this day (UTC). Leave empty for no expiry."),
    )

    scope_values: list[str] = TENANT_SCOPE_CHOICES

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["scopes"].choices = _choices(self.scope_values)  # type: ignore[attr-defined]

    def clean_expires_on(self) -> date | None:
        value = self.cleaned_data["expires_on"]
        if value is not None and value < timezone.now().date():
            raise forms.ValidationError(_("The date must not be in the past."))
        return value

    def expires_at(self) -> datetime | None:
        """The end of the chosen day, in UTC."""
        expires_on: date | None = self.cleaned_data["expires_on"]
        if expires_on is None:
            return None
        return datetime.combine(expires_on + timedelta(days=1), time.min, tzinfo=timezone.get_fixed_timezone(0))


class OperatorApiKeyForm(ApiKeyForm):
    scope_values = OPERATOR_SCOPE_CHOICES
