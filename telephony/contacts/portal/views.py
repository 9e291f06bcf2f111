"""Portal pages: the company directory (admins) and a user's contacts (everyone)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from telephony.contacts import importers, selectors, services
from telephony.contacts.portal.forms import ContactForm, ImportForm
from tenants.portal.access import MemberRequiredMixin, TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors


class DirectoryView(TenantAdminRequiredMixin, TemplateView):
    """Internal contacts (extensions) and the external company directory, apart; add and import."""

    template_name = "contacts/directory.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", ContactForm())
        kwargs.setdefault("import_form", ImportForm())
        return super().get_context_data(
            internal=selectors.internal_contacts(self.tenant), external=selectors.directory(self.tenant), **kwargs
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "import":
            import_form = ImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                upload = import_form.cleaned_data["upload"]
                data = upload.read(importers.MAX_BYTES + 1)
                try:
                    vcard = upload.name.lower().endswith((".vcf", ".vcard")) or data.lstrip().upper().startswith(b"BEGIN:VCARD")
                    rows = importers.parse_vcard(data) if vcard else importers.parse_csv(data)
                except ValidationError as error:
                    add_service_errors(import_form, error)
                    return self.render_to_response(self.get_context_data(import_form=import_form))
                result = services.import_contacts(self.tenant, actor=request.user, rows=rows, label=_("entry"))
                messages.success(request, _("%(count)s contacts were imported.") % {"count": result.created})
                for error in result.errors[:20]:
                    messages.error(request, error)
                return redirect("contacts:directory")
            return self.render_to_response(self.get_context_data(import_form=import_form))
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                services.check_create_contact(self.tenant, actor=request.user, data=form.to_input(), is_global=True)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The contact was added."))
                return redirect("contacts:directory")
        return self.render_to_response(self.get_context_data(form=form))


class ContactEditView(MemberRequiredMixin, TemplateView):
    """Edit or delete one contact: admins their directory entries, users their own private ones."""

    template_name = "contacts/edit.html"

    def get_contact(self) -> Any:
        contact = selectors.get_visible_contact(self.tenant, self.request.user, self.kwargs["contact_id"])
        return contact

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contact = self.get_contact()
        editable = services.can_change(self.tenant, self.request.user, contact)
        kwargs.setdefault("form", ContactForm(initial=ContactForm.initial_for(contact), with_short_number=contact.is_global))
        return super().get_context_data(contact=contact, editable=editable, **kwargs)

    def post(self, request: HttpRequest, contact_id: str) -> HttpResponse:
        contact = self.get_contact()
        if not services.can_change(self.tenant, request.user, contact):
            messages.error(request, _("Global contacts can be changed only by an admin."))
            return redirect("contacts:edit", contact_id=contact.pk)
        back = "contacts:directory" if contact.is_global else "contacts:mine"
        if request.POST.get("action") == "delete":
            services.check_delete_contact(self.tenant, actor=request.user, contact=contact)
            messages.success(request, _("The contact was deleted."))
            return redirect(back)
        form = ContactForm(request.POST, with_short_number=contact.is_global)
        if form.is_valid():
            try:
                services.check_update_contact(self.tenant, actor=request.user, contact=contact, data=form.to_input())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The contact was saved."))
                return redirect(back)
        return self.render_to_response(self.get_context_data(form=form))


class MyContactsView(MemberRequiredMixin, TemplateView):
    """A user's contacts: the company directory (read-only) and their private contacts."""

    template_name = "contacts/mine.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contacts = list(selectors.visible_contacts(self.tenant, self.request.user))
        kwargs.setdefault("form", ContactForm(with_short_number=False))
        return super().get_context_data(
            global_contacts=[c for c in contacts if c.is_global],
            private_contacts=[c for c in contacts if not c.is_global],
            internal=selectors.internal_contacts(self.tenant),
            **kwargs,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ContactForm(request.POST, with_short_number=False)
        if form.is_valid():
            try:
                services.check_create_contact(self.tenant, actor=request.user, data=form.to_input(), is_global=False)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The contact was added."))
                return redirect("contacts:mine")
        return self.render_to_response(self.get_context_data(form=form))
