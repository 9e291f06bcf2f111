"""Portal pages of tenant admins (users, licences, audit log) and the start page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from tenants import selectors, services
from tenants.choices import Role
from tenants.models import Membership
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import RoleForm, UserInviteForm, add_service_errors

PAGE_SIZE = 50


class HomeView(LoginRequiredMixin, View):
    """Send everyone to their own start page."""

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_staff:
            return redirect("operator:tenant-list")
        membership = getattr(request.user, "membership", None)
        if membership is not None and membership.role == Role.ADMIN:
            return redirect("portal:user-list")
        return redirect("portal:me")


class MeView(LoginRequiredMixin, TemplateView):
    """Everyone's own account page, operators included (they have no tenant)."""

    template_name = "portal/me.html"


class UserListView(TenantAdminRequiredMixin, ListView):
    template_name = "portal/user_list.html"
    context_object_name = "memberships"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        return selectors.memberships(self.tenant)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(licences=selectors.licence_summary(self.tenant), **kwargs)


class UserInviteView(TenantAdminRequiredMixin, FormView):
    template_name = "portal/user_invite.html"
    form_class = UserInviteForm

    def form_valid(self, form: UserInviteForm) -> HttpResponse:
        try:
            membership = services.check_invite_user(self.tenant, actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(email)s was invited by e-mail.") % {"email": membership.user.email})
        return redirect("portal:user-list")


class UserDetailView(TenantAdminRequiredMixin, TemplateView):
    """One user: role, active state and invitation; every change is a POST with an ``action``."""

    template_name = "portal/user_detail.html"

    def get_member(self) -> Membership:
        return selectors.get_membership(self.tenant, self.kwargs["membership_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        member = self.get_member()
        kwargs.setdefault("role_form", RoleForm(initial={"role": member.role}))
        return super().get_context_data(member=member, **kwargs)

    def post(self, request: HttpRequest, membership_id: str) -> HttpResponse:
        member = self.get_member()
        action = request.POST.get("action")
        try:
            if action == "role":
                form = RoleForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(role_form=form))
                services.check_change_role(self.tenant, actor=request.user, membership=member, role=form.cleaned_data["role"])
                messages.success(request, _("The role was changed."))
            elif action in {"activate", "deactivate"}:
                services.check_set_user_active(self.tenant, actor=request.user, membership=member, active=action == "activate")
                messages.success(
                    request, _("The user was activated.") if action == "activate" else _("The user was deactivated.")
                )
            elif action == "reinvite":
                services.check_resend_invitation(self.tenant, actor=request.user, membership=member)
                messages.success(request, _("The invitation was sent again."))
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect(reverse("portal:user-detail", args=[member.pk]))


class LicenceView(TenantAdminRequiredMixin, TemplateView):
    template_name = "portal/licences.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(licences=selectors.licence_summary(self.tenant), **kwargs)


class AuditLogView(TenantAdminRequiredMixin, ListView):
    template_name = "portal/audit_log.html"
    context_object_name = "entries"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        return selectors.audit_entries(self.tenant).select_related("actor")
