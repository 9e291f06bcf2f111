"""Portal pages of tenant admins: extensions with live registration state, devices, phone numbers, telephony settings.

A device's SIP password is shown once, in the answer to the POST that created or reset it;
it is never stored, so it cannot be shown again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from telephony.directory import selectors, services
from telephony.directory.models import Device, Extension, PhoneNumber
from telephony.directory.portal.forms import (
    CallOptionsForm,
    DeviceForm,
    ExtensionCreateForm,
    ExtensionForm,
    PhoneNumberRouteForm,
    TelephonySettingsForm,
)
from telephony.directory.presence import LineState, Presence
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors

PAGE_SIZE = 50


def _password_page(request: HttpRequest, device: Device, password: str, *, created: bool) -> HttpResponse:
    response = render(
        request,
        "directory/sip_password.html",
        {"device": device, "extension": device.extension, "password": password, "created": created},
    )
    # The password must not stay in any cache on the way back to the browser.
    response["Cache-Control"] = "no-store"
    return response


class ExtensionListView(TenantAdminRequiredMixin, ListView):
    """Extensions with their devices, where each device is registered from right now, and each extension's
    line state and presence ([DFN] §1.10), kept live over the WebSocket by ``directory/presence.js``."""

    template_name = "directory/extension_list.html"
    context_object_name = "extensions"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        extensions = selectors.extensions(self.tenant)
        query = self.request.GET.get("q", "").strip()
        if query:
            extensions = extensions.filter(number__startswith=query) | extensions.filter(display_name__icontains=query)
        return extensions

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        ids = [extension.pk for extension in page.object_list] if page is not None else []
        context["rows"] = selectors.extension_rows(self.tenant, selectors.extensions(self.tenant).filter(pk__in=ids))
        # Kept live by directory/presence.js from the tenant's presence.changed events (centrex.routing).
        context["events_path"] = "/ws/events/"
        context["line_states"] = LineState.choices
        context["presences"] = Presence.choices
        return context


class ExtensionCreateView(TenantAdminRequiredMixin, FormView):
    template_name = "directory/extension_form.html"
    form_class = ExtensionCreateForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "tenant": self.tenant}

    def form_valid(self, form: ExtensionCreateForm) -> HttpResponse:
        data = dict(form.cleaned_data)
        create_device = data.pop("create_device")
        try:
            with transaction.atomic():
                extension = services.check_create_extension(self.tenant, actor=self.request.user, **data)
                device_password = (
                    services.check_create_device(self.tenant, actor=self.request.user, extension=extension)
                    if create_device
                    else None
                )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Extension %(number)s was created.") % {"number": extension.number})
        if device_password is not None:
            return _password_page(self.request, *device_password, created=True)
        return redirect("directory:extension-detail", extension_id=extension.pk)


class ExtensionDetailView(TenantAdminRequiredMixin, TemplateView):
    """One extension: its settings (editable), its devices with registrations, adding a device."""

    template_name = "directory/extension_detail.html"

    def get_extension(self) -> Extension:
        return selectors.get_extension(self.tenant, self.kwargs["extension_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        extension = kwargs.pop("extension", None) or self.get_extension()
        kwargs.setdefault("form", ExtensionForm(tenant=self.tenant, initial=ExtensionForm.initial_from(extension)))
        kwargs.setdefault("options_form", CallOptionsForm(extension=extension, initial=CallOptionsForm.initial_from(extension)))
        row = selectors.extension_rows(self.tenant, selectors.extensions(self.tenant).filter(pk=extension.pk))[0]
        return super().get_context_data(extension=extension, row=row, **kwargs)

    def _save_call_options(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        """Call waiting, intercom, primary device, parallel ringing and the voicemail PIN, in one transaction."""
        form = CallOptionsForm(request.POST, extension=extension)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(extension=extension, options_form=form))
        data = dict(form.cleaned_data)
        pin, clear_pin = data.pop("voicemail_pin"), data.pop("clear_voicemail_pin")
        if data["primary_device"] is None:
            del data["primary_device"]  # an extension without devices has none to choose
        try:
            with transaction.atomic():
                services.check_update_call_options(self.tenant, actor=request.user, extension=extension, **data)
                if pin or clear_pin:
                    services.check_set_voicemail_pin(
                        self.tenant, actor=request.user, extension=extension, pin=None if clear_pin else pin
                    )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(extension=extension, options_form=form))
        messages.success(request, _("The call options were saved."))
        return redirect("directory:extension-detail", extension_id=extension.pk)

    def post(self, request: HttpRequest, extension_id: str) -> HttpResponse:
        extension = self.get_extension()
        action = request.POST.get("action")
        if action == "add_device":
            try:
                device, password = services.check_create_device(self.tenant, actor=request.user, extension=extension)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("directory:extension-detail", extension_id=extension.pk)
            return _password_page(request, device, password, created=True)
        if action == "call_options":
            return self._save_call_options(request, extension)
        form = ExtensionForm(request.POST, tenant=self.tenant)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(extension=extension, form=form))
        try:
            services.check_update_extension(self.tenant, actor=request.user, extension=extension, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(extension=extension, form=form))
        messages.success(request, _("The extension was saved."))
        return redirect("directory:extension-detail", extension_id=extension.pk)


class ExtensionDeleteView(TenantAdminRequiredMixin, TemplateView):
    template_name = "directory/extension_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        extension = selectors.get_extension(self.tenant, self.kwargs["extension_id"])
        return super().get_context_data(extension=extension, devices=selectors.devices(self.tenant, extension), **kwargs)

    def post(self, request: HttpRequest, extension_id: str) -> HttpResponse:
        extension = selectors.get_extension(self.tenant, extension_id)
        services.do_delete_extension(self.tenant, actor=request.user, extension=extension)
        messages.success(request, _("Extension %(number)s was deleted.") % {"number": extension.number})
        return redirect("directory:extension-list")


class DeviceDetailView(TenantAdminRequiredMixin, TemplateView):
    """One device: name, registrations allowed, active; reset its SIP password; delete it."""

    template_name = "directory/device_detail.html"

    def get_device(self) -> Device:
        return selectors.get_device(self.tenant, self.kwargs["device_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        device = self.get_device()
        kwargs.setdefault("form", DeviceForm(initial=DeviceForm.initial_from(device)))
        registrations = selectors.live_registrations(self.tenant).get(device.sip_username, [])
        return super().get_context_data(device=device, registrations=registrations, **kwargs)

    def post(self, request: HttpRequest, device_id: str) -> HttpResponse:
        device = self.get_device()
        action = request.POST.get("action")
        if action == "reset_password":
            password = services.check_reset_sip_password(self.tenant, actor=request.user, device=device)
            return _password_page(request, device, password, created=False)
        if action == "delete":
            services.do_delete_device(self.tenant, actor=request.user, device=device)
            messages.success(request, _("The device %(name)s was deleted.") % {"name": device.sip_username})
            return redirect("directory:extension-detail", extension_id=device.extension_id)
        form = DeviceForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.check_update_device(self.tenant, actor=request.user, device=device, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("The device was saved."))
        return redirect("directory:device-detail", device_id=device.pk)


class PhoneNumberListView(TenantAdminRequiredMixin, ListView):
    template_name = "directory/number_list.html"
    context_object_name = "numbers"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        return selectors.phone_numbers(self.tenant)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(settings=selectors.telephony_settings(self.tenant), **kwargs)


class PhoneNumberDetailView(TenantAdminRequiredMixin, FormView):
    """Where calls to one of the tenant's numbers go."""

    template_name = "directory/number_detail.html"
    form_class = PhoneNumberRouteForm

    def get_number(self) -> PhoneNumber:
        if not hasattr(self, "_number"):
            self._number = selectors.get_phone_number(self.tenant, self.kwargs["number_id"])
        return self._number

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "tenant": self.tenant}

    def get_initial(self) -> dict[str, Any]:
        number = self.get_number()
        return {
            "label": number.label,
            "destination_kind": number.destination_kind,
            "destination_extension": number.destination_extension_id,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(number=self.get_number(), **kwargs)

    def form_valid(self, form: PhoneNumberRouteForm) -> HttpResponse:
        try:
            services.check_route_phone_number(
                self.tenant, actor=self.request.user, phone_number=self.get_number(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The number %(number)s was saved.") % {"number": self.get_number()})
        return redirect("directory:number-list")


class TelephonySettingsView(TenantAdminRequiredMixin, FormView):
    """Access code ("0 to get out"), the limit of concurrent outside calls, the main number."""

    template_name = "directory/settings.html"
    form_class = TelephonySettingsForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "tenant": self.tenant}

    def get_initial(self) -> dict[str, Any]:
        row = selectors.telephony_settings(self.tenant)
        return {
            "access_code_required": row.access_code_required,
            "max_outside_calls": row.max_outside_calls,
            "main_number": row.main_number_id,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(settings=selectors.telephony_settings(self.tenant), **kwargs)

    def form_valid(self, form: TelephonySettingsForm) -> HttpResponse:
        try:
            services.check_update_telephony_settings(self.tenant, actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The telephony settings were saved."))
        return redirect("directory:settings")
