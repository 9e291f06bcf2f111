"""Operator pages: tenants (list, create, suspend/reactivate, tryout), licences, the whole audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from tenants import selectors, services
from tenants.models import Tenant
from tenants.portal.access import OperatorRequiredMixin
from tenants.portal.forms import LicenceForm, TenantCreateForm, add_service_errors

PAGE_SIZE = 50


class TenantListView(OperatorRequiredMixin, ListView):
    template_name = "portal/operator/tenant_list.html"
    context_object_name = "tenants"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        # Meta.ordering is not applied to aggregating queries, hence the explicit order.
        tenants = Tenant.objects.annotate(
            active_users=Count("membership", filter=Q(membership__is_active=True, membership__user__is_active=True))
        ).order_by("name", "pk")
        query = self.request.GET.get("q", "").strip()
        if query:
            tenants = tenants.filter(Q(name__icontains=query) | Q(slug__icontains=query) | Q(sip_domain__icontains=query))
        return tenants


class TenantCreateView(OperatorRequiredMixin, FormView):
    template_name = "portal/operator/tenant_create.html"
    form_class = TenantCreateForm

    def form_valid(self, form: TenantCreateForm) -> HttpResponse:
        try:
            tenant = services.check_create_tenant(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Tenant %(name)s was created.") % {"name": tenant.name})
        return redirect("operator:tenant-detail", tenant_id=tenant.pk)


class TenantDetailView(OperatorRequiredMixin, TemplateView):
    template_name = "portal/operator/tenant_detail.html"

    def get_tenant(self) -> Tenant:
        return get_object_or_404(Tenant, pk=self.kwargs["tenant_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tenant = self.get_tenant()
        kwargs.setdefault("licence_form", LicenceForm())
        return super().get_context_data(
            tenant=tenant,
            licences=selectors.licence_summary(tenant),
            memberships=selectors.memberships(tenant)[:200],
            **kwargs,
        )

    def post(self, request: HttpRequest, tenant_id: str) -> HttpResponse:
        tenant = self.get_tenant()
        action = request.POST.get("action")
        try:
            if action == "licence":
                form = LicenceForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(licence_form=form))
                try:
                    services.check_set_licence(tenant, actor=request.user, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                    return self.render_to_response(self.get_context_data(licence_form=form))
                messages.success(request, _("The licences were updated."))
            elif action == "suspend":
                services.do_suspend_tenant(tenant, actor=request.user)
                messages.success(request, _("The tenant was suspended."))
            elif action == "reactivate":
                services.do_reactivate_tenant(tenant, actor=request.user)
                messages.success(request, _("The tenant was reactivated."))
            elif action == "tryout":
                services.check_start_tryout(tenant, actor=request.user)
                messages.success(request, _("The tryout was started."))
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("operator:tenant-detail", tenant_id=tenant.pk)


class OperatorAuditLogView(OperatorRequiredMixin, ListView):
    template_name = "portal/audit_log.html"
    context_object_name = "entries"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        return selectors.audit_entries(None).select_related("actor")
