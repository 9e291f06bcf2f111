"""Portal forms of the directory. They parse input and offer the tenant's own choices; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.directory.choices import CallerIdMode, ClassOfService, DestinationKind
from telephony.directory.models import Device, Extension, PhoneNumber
from tenants.choices import Language
from tenants.models import Tenant, User


def _choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class ExtensionForm(forms.Form):
    number = forms.CharField(label=_("Extension number"), max_length=6, help_text=_("2 to 6 digits, not starting with 0."))
    display_name = forms.CharField(label=_("Display name"), max_length=100)
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False, empty_label=_("No user"))
    caller_id_mode = forms.ChoiceField(label=_("Caller ID for outside calls"), choices=CallerIdMode.choices)
    outbound_number = forms.ModelChoiceField(
        label=_("Presented main number"),
        queryset=PhoneNumber.objects.none(),
        required=False,
        empty_label=_("The company's main number"),
        help_text=_("Used when the caller ID is a main number."),
    )
    class_of_service = forms.ChoiceField(
        label=_("Outgoing calls"), choices=ClassOfService.choices, initial=ClassOfService.NATIONAL
    )
    allow_premium = forms.BooleanField(label=_("Premium-rate numbers allowed"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("Company default")), *Language.choices], required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "user").queryset = User.objects.filter(
            membership__tenant=tenant, membership__is_active=True, is_active=True
        ).order_by("full_name", "email")
        _choice(self, "outbound_number").queryset = PhoneNumber.objects.for_tenant(tenant)

    @classmethod
    def initial_from(cls, extension: Extension) -> dict[str, Any]:
        return {
            "number": extension.number,
            "display_name": extension.display_name,
            "user": extension.user_id,
            "caller_id_mode": extension.caller_id_mode,
            "outbound_number": extension.outbound_number_id,
            "class_of_service": extension.class_of_service,
            "allow_premium": extension.allow_premium,
            "language": extension.language,
        }


class ExtensionCreateForm(ExtensionForm):
    create_device = forms.BooleanField(
        label=_("Create a device (SIP account) now"),
        required=False,
        initial=True,
        help_text=_("Its password is shown once on the next page."),
    )


class DeviceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False, help_text=_("e.g. Desk phone, Softphone"))
    max_registrations = forms.IntegerField(label=_("Maximum registrations"), min_value=1, max_value=10, initial=1)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    is_primary = forms.BooleanField(
        label=_("Primary device"),
        required=False,
        help_text=_("Intercom calls and queue calls reach the extension on this device only."),
    )
    intercom = forms.BooleanField(
        label=_("Intercom device"),
        required=False,
        help_text=_("Answers intercom calls (*80) at once when it is the primary device."),
    )
    dnd = forms.BooleanField(
        label=_("Do not disturb on this device"),
        required=False,
        help_text=_("This device does not ring; the extension's other devices do. Needs the mobility option."),
    )

    @classmethod
    def initial_from(cls, device: Device) -> dict[str, Any]:
        return {
            "name": device.name,
            "max_registrations": device.max_registrations,
            "is_active": device.is_active,
            "is_primary": device.is_primary,
            "intercom": device.intercom,
            "dnd": device.dnd,
        }


class CallOptionsForm(forms.Form):
    """An extension's call options and voicemail PIN ([DFN] §1.8), as the tenant admin sets them."""

    call_waiting = forms.BooleanField(
        label=_("Call waiting"),
        required=False,
        help_text=_("A further call during a call rings (with a short tone) instead of busy."),
    )
    intercom = forms.BooleanField(
        label=_("Intercom"),
        required=False,
        help_text=_("Callers may dial *80 and this extension to be put straight through to its primary device."),
    )
    primary_device = forms.ModelChoiceField(label=_("Primary device"), queryset=Device.objects.none(), required=False)
    parallel_ring_target = forms.CharField(
        label=_("Parallel ringing"),
        max_length=30,
        required=False,
        help_text=_("An extension or an outside number that rings together with this extension; empty for none."),
    )
    voicemail_pin = forms.CharField(
        label=_("New voicemail PIN"),
        max_length=30,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("4 to 10 digits, not one digit repeated, not the extension number. Empty keeps the PIN."),
    )
    clear_voicemail_pin = forms.BooleanField(label=_("Remove the voicemail PIN"), required=False)

    def __init__(self, *args: Any, extension: Extension, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        devices = _choice(self, "primary_device")
        devices.queryset = Device.objects.for_tenant(extension.tenant).filter(extension=extension)
        devices.empty_label = None

    @classmethod
    def initial_from(cls, extension: Extension) -> dict[str, Any]:
        primary = next((device.pk for device in extension.devices.all() if device.is_primary), None)
        parallel = (
            extension.parallel_ring_extension.number if extension.parallel_ring_extension else extension.parallel_ring_number
        )
        return {
            "call_waiting": extension.call_waiting,
            "intercom": extension.intercom,
            "primary_device": primary,
            "parallel_ring_target": parallel,
        }


class PhoneNumberRouteForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100, required=False, help_text=_("e.g. Reception"))
    # Groups, announcements and routing by time range are set on the number routing page (telephony.forwarding).
    destination_kind = forms.ChoiceField(
        label=_("Calls go to"),
        choices=[
            (DestinationKind.NONE.value, DestinationKind.NONE.label),
            (DestinationKind.EXTENSION.value, DestinationKind.EXTENSION.label),
        ],
    )
    destination_extension = forms.ModelChoiceField(label=_("Extension"), queryset=Extension.objects.none(), required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "destination_extension").queryset = Extension.objects.for_tenant(tenant)


class TelephonySettingsForm(forms.Form):
    access_code_required = forms.BooleanField(
        label=_("Dial 0 for outside calls"),
        required=False,
        help_text=_("Rule for all numbers of the company: every call to a number outside the company starts with 0."),
    )
    max_outside_calls = forms.IntegerField(label=_("Concurrent outside calls"), min_value=0, max_value=1000)
    main_number = forms.ModelChoiceField(
        label=_("Main number"), queryset=PhoneNumber.objects.none(), required=False, empty_label=_("No main number")
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "main_number").queryset = PhoneNumber.objects.for_tenant(tenant)
