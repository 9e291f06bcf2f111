"""Portal pages: where the company's numbers send calls ([VTX] §2.3) and the caller-ID rules ([VTX] §2.10)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from centrex.pdf import pdf_response
from telephony.forwarding import selectors, services
from telephony.forwarding.models import Slot
from telephony.forwarding.portal.routing_forms import CallerIdRuleForm, NumberRoutingForm, target_value
from telephony.forwarding.summaries import destination_text, number_routing_rows
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors


class NumberListView(TenantAdminRequiredMixin, TemplateView):
    template_name = "forwarding/numbers.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        numbers = [(number, destination_text(number)) for number in selectors.tenant_numbers(self.tenant)]
        return super().get_context_data(numbers=numbers, **kwargs)


class NumberRoutingView(TenantAdminRequiredMixin, FormView):
    """Choose where one number's calls go: a group, an announcement, or a target per time range."""

    template_name = "forwarding/number_form.html"
    form_class = NumberRoutingForm

    def number(self) -> Any:
        return selectors.get_number(self.tenant, self.kwargs["number_id"])

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "tenant": self.tenant, "ranges": list(selectors.time_ranges(self.tenant))}

    def get_initial(self) -> dict[str, Any]:
        number = self.number()
        routed_here = number.destination_kind in (services.NUMBER_GROUP, services.NUMBER_ANNOUNCEMENT, services.NUMBER_SCHEDULE)
        initial: dict[str, Any] = {"destination": number.destination_kind if routed_here else services.NUMBER_SCHEDULE}
        for route in selectors.number_routes(self.tenant, number):
            key = f"range_{route.time_range_id}" if route.slot == Slot.RANGE else route.slot
            initial[key] = target_value(route)
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        number = self.number()
        return super().get_context_data(number=number, rows=number_routing_rows(self.tenant, number), **kwargs)

    def form_valid(self, form: NumberRoutingForm) -> HttpResponse:
        try:
            services.check_route_number(
                self.tenant, actor=self.request.user, phone_number=self.number(), **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The number's routing was saved."))
        return redirect("forwarding:number-routing", number_id=self.kwargs["number_id"])


class NumberPrintView(TenantAdminRequiredMixin, View):
    """One number's configuration as a PDF: every case with its days and periods, targets, groups and members."""

    def get(self, request: HttpRequest, number_id: str) -> HttpResponse:
        number = selectors.get_number(self.tenant, number_id)
        context = {
            "tenant": self.tenant,
            "number": number,
            "destination": destination_text(number),
            "rows": number_routing_rows(self.tenant, number),
            "holidays": selectors.holidays(self.tenant),
        }
        return pdf_response(request, "forwarding/number_print.html", context, filename=str(number.number))


class CallerIdView(TenantAdminRequiredMixin, FormView):
    """The caller-ID rules, a form to add one, and what every extension presents."""

    template_name = "forwarding/caller_id.html"
    form_class = CallerIdRuleForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "tenant": self.tenant}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            rules=selectors.caller_id_rules(self.tenant), summary=selectors.caller_id_summary(self.tenant), **kwargs
        )

    def form_valid(self, form: CallerIdRuleForm) -> HttpResponse:
        try:
            services.check_save_caller_id_rule(
                self.tenant,
                actor=self.request.user,
                presented_number=form.cleaned_data["presented_number"],
                numbers=form.cleaned_data["numbers"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The caller-ID rule was saved."))
        return redirect("forwarding:caller-id")


class CallerIdRuleDeleteView(TenantAdminRequiredMixin, View):
    def post(self, request: HttpRequest, rule_id: str) -> HttpResponse:
        rule = selectors.get_caller_id_rule(self.tenant, rule_id)
        services.do_delete_caller_id_rule(self.tenant, actor=request.user, rule=rule)
        messages.success(request, _("The caller-ID rule was deleted."))
        return redirect("forwarding:caller-id")


class CallerIdPrintView(TenantAdminRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "tenant": self.tenant,
            "rules": selectors.caller_id_rules(self.tenant),
            "summary": selectors.caller_id_summary(self.tenant),
        }
        return pdf_response(request, "forwarding/caller_id_print.html", context, filename=_("caller-id"))
