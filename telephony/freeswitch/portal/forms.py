"""Operator forms: switch nodes, trunks, the number pool. They parse input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.freeswitch.choices import Transport
from telephony.freeswitch.models import SwitchNode, Trunk
from tenants.models import Tenant


class NodeCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=63, help_text=_("Lower-case letters, digits and '-', e.g. fs-1."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    esl_host = forms.CharField(
        label=_("ESL address"), help_text=_("A private address: the event socket must never face the internet.")
    )
    esl_port = forms.IntegerField(label=_("ESL port"), min_value=1, max_value=65535, initial=8021)
    esl_password = forms.CharField(
        label=_("ESL password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("At least 16 characters, not ClueCon. Leave empty to have one generated."),
    )
    allowed_addresses = forms.CharField(
        label=_("Allowed source addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Addresses or networks (CIDR) the node calls the control plane from, one per line. Empty: the ESL address."),
    )


class NodeEditForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    esl_host = forms.CharField(label=_("ESL address"))
    esl_port = forms.IntegerField(label=_("ESL port"), min_value=1, max_value=65535)
    esl_password = forms.CharField(
        label=_("New ESL password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to keep the current password."),
    )
    allowed_addresses = forms.CharField(
        label=_("Allowed source addresses"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Addresses or networks (CIDR), one per line."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    @classmethod
    def initial_from(cls, node: SwitchNode) -> dict[str, Any]:
        return {
            "description": node.description,
            "esl_host": node.esl_host,
            "esl_port": node.esl_port,
            "allowed_addresses": "\n".join(node.allowed_addresses),
            "is_active": node.is_active,
        }


class TrunkForm(forms.Form):
    proxy = forms.CharField(label=_("Proxy host"), max_length=253)
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=5060)
    transport = forms.ChoiceField(label=_("Transport"), choices=Transport.choices)
    realm = forms.CharField(label=_("Realm"), max_length=253, required=False)
    username = forms.CharField(label=_("User name"), max_length=128, required=False)
    # Write-only: render_value=False so the stored password is never sent back to the browser.
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Never shown again. Leave empty to keep the stored password."),
    )
    register = forms.BooleanField(label=_("Register"), required=False)
    priority = forms.IntegerField(
        label=_("Priority"), min_value=0, max_value=1000, initial=10, help_text=_("Lower numbers are tried first.")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def initial_from(cls, trunk: Trunk) -> dict[str, Any]:
        fields = ["proxy", "port", "transport", "realm", "username", "register", "priority", "is_active"]
        return {field: getattr(trunk, field) for field in fields}


class TrunkCreateForm(TrunkForm):
    name = forms.CharField(label=_("Name"), max_length=63, help_text=_("Lower-case letters, digits and '-'; names the gateway."))

    field_order = ["name"]


class NumberAddForm(forms.Form):
    number = forms.CharField(
        label=_("Number"), max_length=32, help_text=_("International (+49 30 1234567) or national for the country.")
    )
    country = forms.CharField(
        label=_("Country code"), max_length=2, required=False, help_text=_("For national input; default: the tenant's country.")
    )
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    tenant = forms.ModelChoiceField(
        label=_("Assign to tenant"), queryset=Tenant.objects.all(), required=False, empty_label=_("Keep in the pool")
    )


class NumberAssignForm(forms.Form):
    tenant = forms.ModelChoiceField(
        label=_("Tenant"), queryset=Tenant.objects.all(), required=False, empty_label=_("Not assigned (pool)")
    )
