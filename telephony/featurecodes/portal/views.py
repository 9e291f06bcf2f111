"""Portal pages of the star codes: the tenant's table (every member), one code's editor and back to the defaults (admins)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from telephony.featurecodes import grammar, selectors, services
from telephony.featurecodes.choices import DEFAULT_DIGITS, StarCodeKind
from telephony.featurecodes.models import StarCode
from telephony.featurecodes.portal.forms import StarCodeForm
from tenants.choices import Role
from tenants.portal.access import MemberRequiredMixin, TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors


def _rows(codes: list[StarCode]) -> list[dict[str, Any]]:
    table = {code.kind: code.digits for code in codes}
    return [
        {
            "code": code,
            "label": StarCodeKind(code.kind).label,
            "usage": grammar.usage(code.kind, table),
            "default": DEFAULT_DIGITS[code.kind],
        }
        for code in codes
    ]


class StarCodeListView(MemberRequiredMixin, TemplateView):
    """The table every user dials from; the tenant admin also gets the links to change it."""

    template_name = "featurecodes/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        editable = self.membership.role == Role.ADMIN
        return super().get_context_data(rows=_rows(selectors.star_codes(self.tenant)), editable=editable, **kwargs)


class StarCodeEditView(TenantAdminRequiredMixin, FormView):
    template_name = "featurecodes/form.html"
    form_class = StarCodeForm

    def get_initial(self) -> dict[str, Any]:
        return {"digits": selectors.get_star_code(self.tenant, self.kwargs["code_id"]).digits}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        code = selectors.get_star_code(self.tenant, self.kwargs["code_id"])
        return super().get_context_data(
            code=code, label=StarCodeKind(code.kind).label, default=DEFAULT_DIGITS[code.kind], **kwargs
        )

    def form_valid(self, form: StarCodeForm) -> HttpResponse:
        code = selectors.get_star_code(self.tenant, self.kwargs["code_id"])
        try:
            services.check_update_star_code(self.tenant, actor=self.request.user, code=code, digits=form.cleaned_data["digits"])
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The star code was saved."))
        return redirect("featurecodes:list")


class StarCodeResetView(TenantAdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        services.check_reset_star_codes(self.tenant, actor=request.user)
        messages.success(request, _("All star codes are back to their defaults."))
        return redirect("featurecodes:list")
