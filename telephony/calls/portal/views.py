"""Call record pages: tenant admins see the tenant's calls, every user their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import ListView

from telephony.calls import selectors
from telephony.calls.models import CallRecord
from telephony.calls.portal.forms import CallRecordFilterForm
from tenants.models import Tenant
from tenants.portal.access import MemberRequiredMixin, TenantAdminRequiredMixin

PAGE_SIZE = 50


class _CallRecordList(ListView):
    tenant: Tenant  # set by the access mixin
    template_name = "calls/record_list.html"
    context_object_name = "records"
    paginate_by = PAGE_SIZE
    with_extension = False
    all_calls = False

    def base_queryset(self) -> QuerySet[CallRecord]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[CallRecord]:
        self.filter_form = CallRecordFilterForm(self.request.GET or None, tenant=self.tenant, with_extension=self.with_extension)
        records = self.base_queryset()
        if self.filter_form.is_bound and self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            extension = data.get("extension")
            records = selectors.filter_call_records(
                records,
                self.tenant,
                since=data.get("since"),
                until=data.get("until"),
                extension_id=extension.pk if extension else None,
                direction=data.get("direction") or "",
            )
        elif self.filter_form.is_bound:
            # A filter that cannot be applied shows its errors and no calls, rather than all of them.
            records = records.none()
        return records

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["all_calls"] = self.all_calls
        context["time_zone"] = self.tenant.time_zone
        return context


class MyCallRecordListView(MemberRequiredMixin, _CallRecordList):
    """The calls the signed-in user took part in."""

    def base_queryset(self) -> QuerySet[CallRecord]:
        return selectors.own_call_records(self.tenant, self.membership.user)


class TenantCallRecordListView(TenantAdminRequiredMixin, _CallRecordList):
    """Every call of the tenant, filterable by extension."""

    with_extension = True
    all_calls = True

    def base_queryset(self) -> QuerySet[CallRecord]:
        return selectors.call_records(self.tenant)
