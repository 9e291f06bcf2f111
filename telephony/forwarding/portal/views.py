"""Portal pages for time ranges and holidays."""

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
from telephony.forwarding import schedule, selectors, services
from telephony.forwarding.portal.forms import HolidayForm, TimeRangeForm
from telephony.forwarding.summaries import days_text, range_summary
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors


def _apply_errors(form: TimeRangeForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict") and "periods" in error.error_dict:
        form.add_error(None, error.error_dict.pop("periods"))
    add_service_errors(form, error)


class ScheduleView(TenantAdminRequiredMixin, TemplateView):
    template_name = "forwarding/schedule.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ranges = list(selectors.time_ranges(self.tenant))
        kwargs.setdefault("holiday_form", HolidayForm())
        return super().get_context_data(
            ranges=[(time_range, range_summary(time_range.as_spec())) for time_range in ranges],
            holidays=selectors.holidays(self.tenant),
            state=selectors.current_state(self.tenant),
            **kwargs,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        """Add a holiday or a vacation."""
        form = HolidayForm(request.POST)
        if form.is_valid():
            try:
                services.check_add_holiday(self.tenant, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The date was added."))
                return redirect("forwarding:schedule")
        return self.render_to_response(self.get_context_data(holiday_form=form))


class TimeRangeCreateView(TenantAdminRequiredMixin, FormView):
    template_name = "forwarding/range_form.html"
    form_class = TimeRangeForm

    def get_initial(self) -> dict[str, Any]:
        return TimeRangeForm.initial_for("", [0, 1, 2, 3, 4], [(8 * 60, 18 * 60)])

    def form_valid(self, form: TimeRangeForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            services.check_create_time_range(
                self.tenant, actor=self.request.user, name=data["name"], weekdays=data["weekdays"], periods=data["periods"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The time range was created."))
        return redirect("forwarding:schedule")


class TimeRangeEditView(TenantAdminRequiredMixin, FormView):
    template_name = "forwarding/range_form.html"
    form_class = TimeRangeForm

    def get_initial(self) -> dict[str, Any]:
        time_range = selectors.get_time_range(self.tenant, self.kwargs["range_id"])
        periods = [(p.start_minute, p.end_minute) for p in time_range.periods.all()]
        return TimeRangeForm.initial_for(time_range.name, time_range.weekdays, periods)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(time_range=selectors.get_time_range(self.tenant, self.kwargs["range_id"]), **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        time_range = selectors.get_time_range(self.tenant, self.kwargs["range_id"])
        if request.POST.get("action") == "delete":
            try:
                services.check_delete_time_range(self.tenant, actor=request.user, time_range=time_range)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("forwarding:range-edit", range_id=time_range.pk)
            messages.success(request, _("The time range was deleted."))
            return redirect("forwarding:schedule")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: TimeRangeForm) -> HttpResponse:
        data = form.cleaned_data
        time_range = selectors.get_time_range(self.tenant, self.kwargs["range_id"])
        try:
            services.check_update_time_range(
                self.tenant,
                actor=self.request.user,
                time_range=time_range,
                name=data["name"],
                weekdays=data["weekdays"],
                periods=data["periods"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The time range was saved."))
        return redirect("forwarding:schedule")


class TimeRangePrintView(TenantAdminRequiredMixin, View):
    def get(self, request: HttpRequest, range_id: str) -> HttpResponse:
        time_range = selectors.get_time_range(self.tenant, range_id)
        spec = time_range.as_spec()
        context = {
            "tenant": self.tenant,
            "time_range": time_range,
            "days": days_text(spec.weekdays),
            "periods": [(schedule.format_minute(p.start), schedule.format_minute(p.end)) for p in spec.periods],
            "holidays": selectors.holidays(self.tenant),
        }
        return pdf_response(request, "forwarding/print.html", context, filename=time_range.name)


class HolidayDeleteView(TenantAdminRequiredMixin, View):
    def post(self, request: HttpRequest, holiday_id: str) -> HttpResponse:
        holiday = selectors.get_holiday(self.tenant, holiday_id)
        services.do_delete_holiday(self.tenant, actor=request.user, holiday=holiday)
        messages.success(request, _("The date was removed."))
        return redirect("forwarding:schedule")
