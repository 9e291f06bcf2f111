"""API key pages: tenant admins manage their tenant's keys, operators the operator keys.

The token is shown once, in the response to the creating POST, and never stored in clear.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView

from centrex.api import selectors, services
from centrex.api.portal.forms import ApiKeyForm, OperatorApiKeyForm
from tenants.models import Tenant, User
from tenants.portal.access import OperatorRequiredMixin, TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors

PAGE_SIZE = 50


class _KeyPages:
    """What differs between the tenant and the operator pages: whose keys, which URLs."""

    operator = False
    request: HttpRequest

    def key_tenant(self) -> Tenant | None:
        return None if self.operator else self.tenant  # type: ignore[attr-defined]

    def actor(self) -> User:
        # The access mixins have let only logged-in users through.
        return cast(User, self.request.user)

    def url(self, name: str) -> str:
        return f"apikeys:{'operator-' if self.operator else ''}{name}"


class _KeyListView(_KeyPages, ListView):
    template_name = "apikeys/list.html"
    context_object_name = "keys"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        return selectors.api_keys(self.key_tenant())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            create_url=self.url("create"), revoke_url_name=self.url("revoke"), operator=self.operator, **kwargs
        )


class _KeyCreateView(_KeyPages, FormView):
    template_name = "apikeys/create.html"
    form_class = ApiKeyForm

    def form_valid(self, form: ApiKeyForm) -> HttpResponse:
        try:
            key, token = services.check_create_api_key(
                self.key_tenant(),
                actor=self.actor(),
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        # Rendered, not redirected: the token must not travel through the session or a URL.
        return render(self.request, "apikeys/created.html", {"key": key, "token": token, "list_url": self.url("list")})


class _KeyRevokeView(_KeyPages, View):
    def post(self, request: HttpRequest, key_id: str) -> HttpResponse:
        key = selectors.get_api_key(self.key_tenant(), key_id)
        services.do_revoke_api_key(self.key_tenant(), actor=self.actor(), key=key)
        messages.success(request, _("The key %(name)s was revoked.") % {"name": key.name})
        return redirect(self.url("list"))


class ApiKeyListView(TenantAdminRequiredMixin, _KeyListView):
    pass


class ApiKeyCreateView(TenantAdminRequiredMixin, _KeyCreateView):
    pass


class ApiKeyRevokeView(TenantAdminRequiredMixin, _KeyRevokeView):
    pass


class OperatorApiKeyListView(OperatorRequiredMixin, _KeyListView):
    operator = True


class OperatorApiKeyCreateView(OperatorRequiredMixin, _KeyCreateView):
    operator = True
    form_class = OperatorApiKeyForm


class OperatorApiKeyRevokeView(OperatorRequiredMixin, _KeyRevokeView):
    operator = True
