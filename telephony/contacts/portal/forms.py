from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.contacts.choices import NumberKind
from telephony.contacts.models import Contact
from telephony.contacts.services import ContactInput


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    short_number = forms.CharField(
        label=_("Short number"), max_length=6, required=False, help_text=_("Dialled as ## + short number.")
    )

    def __init__(self, *args: Any, with_short_number: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NumberKind:
            self.fields[f"number_{kind.value}"] = forms.CharField(label=kind.label, max_length=30, required=False)
        if not with_short_number:
            del self.fields["short_number"]

    def to_input(self) -> ContactInput:
        data = self.cleaned_data
        return ContactInput(
            name=data["name"],
            company=data.get("company", ""),
            email=data.get("email", ""),
            short_number=data.get("short_number", ""),
            numbers=[(kind.value, data[f"number_{kind.value}"]) for kind in NumberKind if data.get(f"number_{kind.value}")],
        )

    @staticmethod
    def initial_for(contact: Contact) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": contact.name,
            "company": contact.company,
            "email": contact.email,
            "short_number": contact.short_number,
        }
        for number in contact.numbers.all():
            initial.setdefault(f"number_{number.kind}", number.number)
        return initial


class ImportForm(forms.Form):
    upload = forms.FileField(
        label=_("CSV or vCard file"),
        help_text=_("CSV with a header row (name, company, email, short_number, work, mobile, home, fax, other) or a .vcf file."),
    )
