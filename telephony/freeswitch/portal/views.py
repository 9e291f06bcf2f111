"""Operator pages of the switch: nodes, trunks, the phone-number pool, the SIP block list and a tenant's extensions.

Secrets generated here (a node's xml_curl secret, a generated ESL password) are shown once, in
the answer to the POST that made them; trunk passwords are write-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from telephony.directory import selectors as directory_selectors
from telephony.directory import services as directory_services
from telephony.freeswitch import services
from telephony.freeswitch.models import BlockedAddress, SwitchNode, Trunk
from telephony.freeswitch.portal.forms import (
    NodeCreateForm,
    NodeEditForm,
    NumberAddForm,
    NumberAssignForm,
    TrunkCreateForm,
    TrunkForm,
)
from tenants.models import Tenant
from tenants.portal.access import OperatorRequiredMixin
from tenants.portal.forms import add_service_errors

PAGE_SIZE = 50


def _secret_page(request: HttpRequest, node: SwitchNode, **secrets: str | None) -> HttpResponse:
    response = render(request, "switch/node_secrets.html", {"node": node, **secrets})
    response["Cache-Control"] = "no-store"
    return response


# --- nodes ----------------------------------------------------------------------------
class NodeListView(OperatorRequiredMixin, ListView):
    template_name = "switch/node_list.html"
    context_object_name = "nodes"
    queryset = SwitchNode.objects.all()


class NodeCreateView(OperatorRequiredMixin, FormView):
    template_name = "switch/node_form.html"
    form_class = NodeCreateForm

    def form_valid(self, form: NodeCreateForm) -> HttpResponse:
        try:
            node, credentials = services.check_create_node(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Node %(name)s was added.") % {"name": node.name})
        return _secret_page(
            self.request,
            node,
            xml_curl_username=credentials.xml_curl_username,
            xml_curl_secret=credentials.xml_curl_secret,
            esl_password=credentials.esl_password,
        )


class NodeDetailView(OperatorRequiredMixin, TemplateView):
    template_name = "switch/node_detail.html"

    def get_node(self) -> SwitchNode:
        return get_object_or_404(SwitchNode, pk=self.kwargs["node_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        node = self.get_node()
        kwargs.setdefault("form", NodeEditForm(initial=NodeEditForm.initial_from(node)))
        return super().get_context_data(node=node, **kwargs)

    def post(self, request: HttpRequest, node_id: str) -> HttpResponse:
        node = self.get_node()
        action = request.POST.get("action")
        if action == "rotate_secret":
            secret = services.do_rotate_node_secret(actor=request.user, node=node)
            return _secret_page(request, node, xml_curl_username=node.xml_curl_username, xml_curl_secret=secret)
        if action == "delete":
            services.do_delete_node(actor=request.user, node=node)
            messages.success(request, _("Node %(name)s was removed.") % {"name": node.name})
            return redirect("switch:node-list")
        form = NodeEditForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        changes = dict(form.cleaned_data)
        if not changes["esl_password"]:
            del changes["esl_password"]
        try:
            services.check_update_node(actor=request.user, node=node, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("The node was saved."))
        return redirect("switch:node-detail", node_id=node.pk)


# --- trunks ---------------------------------------------------------------------------
class TrunkListView(OperatorRequiredMixin, ListView):
    template_name = "switch/trunk_list.html"
    context_object_name = "trunks"
    queryset = Trunk.objects.all()


class TrunkCreateView(OperatorRequiredMixin, FormView):
    template_name = "switch/trunk_form.html"
    form_class = TrunkCreateForm

    def form_valid(self, form: TrunkCreateForm) -> HttpResponse:
        try:
            trunk = services.check_create_trunk(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Trunk %(name)s was added.") % {"name": trunk.name})
        return redirect("switch:trunk-list")


class TrunkDetailView(OperatorRequiredMixin, TemplateView):
    template_name = "switch/trunk_form.html"

    def get_trunk(self) -> Trunk:
        return get_object_or_404(Trunk, pk=self.kwargs["trunk_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        trunk = self.get_trunk()
        kwargs.setdefault("form", TrunkForm(initial=TrunkForm.initial_from(trunk)))
        return super().get_context_data(trunk=trunk, **kwargs)

    def post(self, request: HttpRequest, trunk_id: str) -> HttpResponse:
        trunk = self.get_trunk()
        if request.POST.get("action") == "delete":
            services.do_delete_trunk(actor=request.user, trunk=trunk)
            messages.success(request, _("Trunk %(name)s was removed.") % {"name": trunk.name})
            return redirect("switch:trunk-list")
        form = TrunkForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.check_update_trunk(actor=request.user, trunk=trunk, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("The trunk was saved."))
        return redirect("switch:trunk-list")


# --- phone-number pool ----------------------------------------------------------------
class NumberPoolView(OperatorRequiredMixin, ListView):
    template_name = "switch/number_pool.html"
    context_object_name = "numbers"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        numbers = directory_selectors.number_pool(unassigned_only=self.request.GET.get("free") == "1")
        query = self.request.GET.get("q", "").strip()
        if query:
            numbers = numbers.filter(number__contains=query.replace(" ", ""))
        return numbers


class NumberAddView(OperatorRequiredMixin, FormView):
    template_name = "switch/number_add.html"
    form_class = NumberAddForm

    def form_valid(self, form: NumberAddForm) -> HttpResponse:
        try:
            number = directory_services.check_add_phone_number(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(number)s was added to the pool.") % {"number": number})
        return redirect("switch:number-pool")


class NumberDetailView(OperatorRequiredMixin, TemplateView):
    template_name = "switch/number_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        number = directory_selectors.get_pool_number(self.kwargs["number_id"])
        kwargs.setdefault("form", NumberAssignForm(initial={"tenant": number.tenant_id}))
        return super().get_context_data(number=number, **kwargs)

    def post(self, request: HttpRequest, number_id: str) -> HttpResponse:
        number = directory_selectors.get_pool_number(number_id)
        try:
            if request.POST.get("action") == "delete":
                directory_services.do_delete_phone_number(actor=request.user, phone_number=number)
                messages.success(request, _("%(number)s was removed from the platform.") % {"number": number})
                return redirect("switch:number-pool")
            form = NumberAssignForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form))
            directory_services.check_assign_phone_number(
                actor=request.user, phone_number=number, tenant=form.cleaned_data["tenant"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("switch:number-detail", number_id=number.pk)
        messages.success(request, _("The number was saved."))
        return redirect("switch:number-pool")


# --- block list -----------------------------------------------------------------------
class BlockListView(OperatorRequiredMixin, ListView):
    template_name = "switch/block_list.html"
    context_object_name = "blocked"
    paginate_by = PAGE_SIZE
    queryset = BlockedAddress.objects.select_related("node")

    def post(self, request: HttpRequest) -> HttpResponse:
        blocked = get_object_or_404(BlockedAddress, pk=request.POST.get("blocked_id") or None)
        services.do_clear_blocked_address(actor=request.user, blocked=blocked)
        messages.success(request, _("%(address)s was removed from the block list.") % {"address": blocked.address})
        return redirect("switch:block-list")


# --- a tenant's extensions (read-only) ------------------------------------------------
class TenantExtensionsView(OperatorRequiredMixin, ListView):
    template_name = "switch/tenant_extensions.html"
    context_object_name = "extensions"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> Any:
        self.tenant = get_object_or_404(Tenant, pk=self.kwargs["tenant_id"])
        return directory_selectors.extensions(self.tenant)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ids = [extension.pk for extension in context["page_obj"].object_list]
        context["rows"] = directory_selectors.extension_rows(
            self.tenant, directory_selectors.extensions(self.tenant).filter(pk__in=ids)
        )
        context["tenant"] = self.tenant
        context["numbers"] = directory_selectors.phone_numbers(self.tenant)
        return context
