"""Portal pages of tenant admins for webhooks: list, create, detail (secret, edit, test, re-enable,
delete) and the delivery log."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from centrex.webhooks import selectors, services
from centrex.webhooks.models import WebhookEndpoint
from centrex.webhooks.portal.forms import EndpointChangeForm, EndpointForm
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors

PAGE_SIZE = 50


class EndpointListView(TenantAdminRequiredMixin, ListView):
    template_name = "webhooks/endpoint_list.html"
    context_object_name = "endpoints"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        return selectors.endpoints(self.tenant)


class EndpointCreateView(TenantAdminRequiredMixin, FormView):
    template_name = "webhooks/endpoint_create.html"
    form_class = EndpointForm

    def form_valid(self, form: EndpointForm) -> HttpResponse:
        try:
            endpoint = services.check_create_endpoint(self.tenant, actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The endpoint was added. Copy its secret to verify the signatures of deliveries."))
        return redirect("webhooks:endpoint-detail", endpoint.pk)


class EndpointDetailView(TenantAdminRequiredMixin, TemplateView):
    """One endpoint: its secret, settings and recent deliveries; every change is a POST with an ``action``."""

    template_name = "webhooks/endpoint_detail.html"
    RECENT = 10

    def get_endpoint(self) -> WebhookEndpoint:
        return selectors.get_endpoint(self.tenant, self.kwargs["endpoint_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        endpoint = kwargs.pop("endpoint", None) or self.get_endpoint()
        kwargs.setdefault(
            "form",
            EndpointChangeForm(
                initial={
                    "url": endpoint.url,
                    "description": endpoint.description,
                    "event_types": endpoint.event_types,
                    "is_active": endpoint.is_active,
                }
            ),
        )
        recent = selectors.deliveries(self.tenant, endpoint)[: self.RECENT]
        return super().get_context_data(endpoint=endpoint, deliveries=recent, **kwargs)

    def post(self, request: HttpRequest, endpoint_id: str) -> HttpResponse:
        endpoint = self.get_endpoint()
        action = request.POST.get("action")
        actor = request.user
        try:
            if action == "update":
                form = EndpointChangeForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(endpoint=endpoint, form=form))
                try:
                    services.check_update_endpoint(self.tenant, actor=actor, endpoint=endpoint, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                    return self.render_to_response(self.get_context_data(endpoint=endpoint, form=form))
                messages.success(request, _("The endpoint was saved."))
            elif action == "rotate":
                services.do_rotate_secret(self.tenant, actor=actor, endpoint=endpoint)
                messages.success(request, _("The endpoint has a new secret. Deliveries are signed with it from now on."))
            elif action == "test":
                services.do_send_test_event(self.tenant, actor=actor, endpoint=endpoint)
                messages.success(request, _("A test event was sent. Its result is in the delivery log."))
            elif action == "reenable":
                services.do_reenable_endpoint(self.tenant, actor=actor, endpoint=endpoint)
                messages.success(request, _("The endpoint is active again."))
            elif action == "delete":
                services.do_delete_endpoint(self.tenant, actor=actor, endpoint=endpoint)
                messages.success(request, _("The endpoint was deleted."))
                return redirect("webhooks:endpoint-list")
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("webhooks:endpoint-detail", endpoint.pk)


class DeliveryListView(TenantAdminRequiredMixin, ListView):
    template_name = "webhooks/delivery_list.html"
    context_object_name = "deliveries"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        self.endpoint = selectors.get_endpoint(self.tenant, self.kwargs["endpoint_id"])
        return selectors.deliveries(self.tenant, self.endpoint)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(endpoint=self.endpoint, **kwargs)


class DeliveryDetailView(TenantAdminRequiredMixin, TemplateView):
    template_name = "webhooks/delivery_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        endpoint = selectors.get_endpoint(self.tenant, self.kwargs["endpoint_id"])
        delivery = selectors.get_delivery(self.tenant, self.kwargs["delivery_id"])
        if delivery.endpoint_id != endpoint.pk:
            raise Http404
        payload_json = json.dumps(services.envelope(delivery.payload), indent=2, ensure_ascii=False)
        attempts = [{**attempt, "at": parse_datetime(attempt["at"])} for attempt in delivery.attempt_log]
        return super().get_context_data(
            endpoint=endpoint, delivery=delivery, attempts=attempts, payload_json=payload_json, **kwargs
        )
