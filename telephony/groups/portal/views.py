"""Portal pages for hunt groups: list with summaries, editor, delete."""

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
from telephony.directory.models import Extension
from telephony.groups import selectors, services, summaries
from telephony.groups.models import HuntGroup
from telephony.groups.portal.forms import GroupForm
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors

OPTIONAL_REFERENCES = {"ring_tone", "no_answer_group", "no_answer_announcement", "no_answer_mailbox"}


def _group_input(data: dict[str, Any]) -> services.GroupInput:
    return services.GroupInput(**{key: (value or None) if key in OPTIONAL_REFERENCES else value for key, value in data.items()})


def _rows(groups: Any) -> list[dict[str, Any]]:
    rows = []
    for group in groups:
        members = list(group.members.all())
        rows.append(
            {
                "group": group,
                "members": members,
                "type": summaries.type_text(group),
                "no_answer": summaries.no_answer_text(group),
                "summary": summaries.group_summary(group, len(members)),
            }
        )
    return rows


class GroupListView(TenantAdminRequiredMixin, TemplateView):
    template_name = "groups/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(rows=_rows(selectors.groups(self.tenant)), **kwargs)


class GroupPrintView(TenantAdminRequiredMixin, View):
    """One group (``group_id``) or all groups as a PDF, in the portal's language."""

    def get(self, request: HttpRequest, group_id: str | None = None) -> HttpResponse:
        if group_id is None:
            groups, name = selectors.groups(self.tenant), _("groups")
        else:
            group = selectors.get_group(self.tenant, group_id)
            groups, name = [group], f"{_('group')}-{group.short_number}"
        return pdf_response(request, "groups/print.html", {"rows": _rows(groups), "tenant": self.tenant}, filename=name)


class _GroupFormView(TenantAdminRequiredMixin, FormView):
    template_name = "groups/form.html"
    form_class = GroupForm
    group: HuntGroup | None = None

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "tenant": self.tenant, "group": self.group}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        extensions = Extension.objects.for_tenant(self.tenant).order_by("number")
        return super().get_context_data(group=self.group, extensions=extensions, **kwargs)

    def save(self, data: services.GroupInput) -> HuntGroup:
        raise NotImplementedError

    def form_valid(self, form: GroupForm) -> HttpResponse:
        try:
            self.save(_group_input(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The group was saved."))
        return redirect("groups:list")


class GroupCreateView(_GroupFormView):
    def get_initial(self) -> dict[str, Any]:
        return {"strategy": "simultaneous", "no_answer_action": "hangup", "ring_count": 3, "cycles": 1}

    def save(self, data: services.GroupInput) -> HuntGroup:
        return services.check_create_group(self.tenant, actor=self.request.user, data=data)


class GroupEditView(_GroupFormView):
    def get_form_kwargs(self) -> dict[str, Any]:
        self.group = selectors.get_group(self.tenant, self.kwargs["group_id"])
        return super().get_form_kwargs()

    def get_initial(self) -> dict[str, Any]:
        return GroupForm.initial_for(selectors.get_group(self.tenant, self.kwargs["group_id"]))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.group = selectors.get_group(self.tenant, self.kwargs["group_id"])
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        group = selectors.get_group(self.tenant, self.kwargs["group_id"])
        if request.POST.get("action") == "delete":
            try:
                services.check_delete_group(self.tenant, actor=request.user, group=group)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("groups:edit", group_id=group.pk)
            messages.success(request, _("The group was deleted."))
            return redirect("groups:list")
        return super().post(request, *args, **kwargs)

    def save(self, data: services.GroupInput) -> HuntGroup:
        group = selectors.get_group(self.tenant, self.kwargs["group_id"])
        return services.check_update_group(self.tenant, actor=self.request.user, group=group, data=data)
