"""The admin's page of one extension's forwarding profiles, their rules and DND ([DFN] §1.9, §1.10)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from telephony.directory.models import Extension
from telephony.forwarding import selectors, services
from telephony.forwarding.choices import ForwardCondition
from telephony.forwarding.portal.profile_forms import ProfileForm, RuleForm, SelectiveRuleForm
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors


class ExtensionForwardingView(TenantAdminRequiredMixin, TemplateView):
    """Profiles with their rules; forms to create, activate and delete profiles, set and clear rules, DND."""

    template_name = "forwarding/extension_forwarding.html"

    def get_extension(self) -> Extension:
        extension = Extension.objects.for_tenant(self.tenant).filter(pk=self.kwargs["extension_id"]).first()
        if extension is None:
            raise Http404
        return extension

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        extension = self.get_extension()
        profiles = selectors.extension_profiles(self.tenant, extension)
        kwargs.setdefault("profile_form", ProfileForm(initial={"slot": _free_slot(profiles)}))
        active = next((str(p.pk) for p in profiles if p.is_active), None)
        kwargs.setdefault("rule_form", RuleForm(profiles=profiles, initial={"profile": active}))
        kwargs.setdefault("selective_form", self._selective_form(extension, profiles))
        return super().get_context_data(
            extension=extension,
            profiles=profiles,
            selective_rules=selectors.selective_rules(self.tenant, extension),
            conditions=ForwardCondition.choices,
            dnd=selectors.dnd_enabled(self.tenant, extension),
            **kwargs,
        )

    def post(self, request: HttpRequest, extension_id: str) -> HttpResponse:
        extension = self.get_extension()
        action = request.POST.get("action", "")
        handler = {
            "create": self._create,
            "activate": self._activate,
            "delete": self._delete,
            "set_rule": self._set_rule,
            "clear_rule": self._clear_rule,
            "set_selective": self._set_selective,
            "delete_selective": self._delete_selective,
            "dnd": self._dnd,
        }.get(action)
        if handler is None:
            messages.error(request, _("Unknown action."))
            return redirect("forwarding:extension-forwarding", extension_id=extension.pk)
        return handler(request, extension)

    def _done(self, extension: Extension, message: str) -> HttpResponse:
        messages.success(self.request, message)
        return redirect("forwarding:extension-forwarding", extension_id=extension.pk)

    def _profile(self, request: HttpRequest, extension: Extension) -> Any:
        return selectors.get_profile(self.tenant, request.POST.get("profile", ""), extension=extension)

    def _create(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.check_create_profile(self.tenant, actor=request.user, extension=extension, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self._done(extension, _("The profile was created."))
        return self.render_to_response(self.get_context_data(profile_form=form), status=400)

    def _activate(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        profile = self._profile(request, extension)
        services.check_activate_profile(self.tenant, actor=request.user, extension=extension, slot=profile.slot)
        return self._done(extension, _("Profile %(name)s is active.") % {"name": profile.name})

    def _delete(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        profile = self._profile(request, extension)
        try:
            services.check_delete_profile(self.tenant, actor=request.user, profile=profile)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("forwarding:extension-forwarding", extension_id=extension.pk)
        return self._done(extension, _("The profile was deleted."))

    def _set_rule(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        form = RuleForm(request.POST, profiles=selectors.extension_profiles(self.tenant, extension))
        if form.is_valid():
            data = form.cleaned_data
            profile = selectors.get_profile(self.tenant, data["profile"], extension=extension)
            try:
                services.check_set_rule(
                    self.tenant,
                    actor=request.user,
                    profile=profile,
                    condition=data["condition"],
                    target=data["target"],
                    number=data["number"],
                    no_answer_seconds=data["no_answer_seconds"] if data["condition"] == ForwardCondition.NO_ANSWER else None,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self._done(extension, _("The rule was saved."))
        return self.render_to_response(self.get_context_data(rule_form=form), status=400)

    def _clear_rule(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        profile = self._profile(request, extension)
        try:
            condition = request.POST.get("condition", "")
            services.check_clear_rule(self.tenant, actor=request.user, profile=profile, condition=condition)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("forwarding:extension-forwarding", extension_id=extension.pk)
        return self._done(extension, _("The rule was removed."))

    def _selective_form(self, extension: Extension, profiles: list[Any], data: Any = None) -> SelectiveRuleForm:
        others = Extension.objects.for_tenant(self.tenant).exclude(pk=extension.pk).order_by("number")
        return SelectiveRuleForm(
            data,
            profiles=profiles,
            extensions=list(others),
            contacts=list(selectors.selectable_contacts(self.tenant, extension, viewer=self.request.user)),
        )

    def _set_selective(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        form = self._selective_form(extension, selectors.extension_profiles(self.tenant, extension), request.POST)
        if form.is_valid():
            data = form.cleaned_data
            profile = selectors.get_profile(self.tenant, data["profile"], extension=extension)
            allow = data["allow"]
            try:
                services.check_set_selective_rule(
                    self.tenant,
                    actor=request.user,
                    profile=profile,
                    selection=services.CallerSelection(
                        match=data["match"],
                        extension=data["extension"] or None,
                        contact=data["contact"] or None,
                        prefix=data["prefix"],
                    ),
                    allow=allow,
                    condition="" if allow else data["condition"],
                    target="" if allow else data["target"],
                    number="" if allow else data["number"],
                    no_answer_seconds=data["no_answer_seconds"]
                    if not allow and data["condition"] == ForwardCondition.NO_ANSWER
                    else None,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self._done(extension, _("The selective rule was saved."))
        return self.render_to_response(self.get_context_data(selective_form=form), status=400)

    def _delete_selective(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        rule = selectors.get_selective_rule(self.tenant, request.POST.get("rule", ""), extension=extension)
        services.check_delete_selective_rule(self.tenant, actor=request.user, rule=rule)
        return self._done(extension, _("The selective rule was removed."))

    def _dnd(self, request: HttpRequest, extension: Extension) -> HttpResponse:
        on = request.POST.get("dnd") == "on"
        services.check_set_dnd(self.tenant, actor=request.user, extension=extension, on=on)
        return self._done(extension, _("Do not disturb is on.") if on else _("Do not disturb is off."))


def _free_slot(profiles: list[Any]) -> int | None:
    taken = {profile.slot for profile in profiles}
    return next((slot for slot in range(10) if slot not in taken), None)
