"""Portal pages of the company voicemail: one page per number ([VTX] §2.8)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from telephony.forwarding.selectors import get_number, tenant_numbers
from telephony.voicemail import selectors, services
from telephony.voicemail.choices import MailboxState
from telephony.voicemail.models import CompanyMailbox
from telephony.voicemail.portal.forms import GreetingForm, MailboxForm
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors


def status_text(mailbox: CompanyMailbox) -> str:
    """The status sentence of [VTX] §2.8 ("Votre annonce de messagerie est ACTIVE. Enregistrement des messages ACTIF.")."""
    greeting = _("ACTIVE") if mailbox.state != MailboxState.OFF else _("INACTIVE")
    recording = _("ACTIVE") if mailbox.state == MailboxState.ON else _("INACTIVE")
    return _("Your voicemail greeting is %(greeting)s. Message recording %(recording)s.") % {
        "greeting": greeting,
        "recording": recording,
    }


class MailboxListView(TenantAdminRequiredMixin, TemplateView):
    """Every number of the company with its voicemail state; each links to its mailbox page."""

    template_name = "voicemail/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        states = {str(m.phone_number_id): m for m in selectors.mailboxes(self.tenant)}
        rows = [(number, states.get(str(number.pk))) for number in tenant_numbers(self.tenant)]
        return super().get_context_data(rows=rows, **kwargs)


class MailboxView(TenantAdminRequiredMixin, TemplateView):
    """ "Boîte vocale pour le numéro …": state, access password, greeting, language, e-mail."""

    template_name = "voicemail/mailbox.html"

    def mailbox(self) -> CompanyMailbox:
        number = get_number(self.tenant, self.kwargs["number_id"])
        # Every number includes its voicemail: the first visit creates it, switched off.
        return services.ensure_mailbox(self.tenant, actor=self.request.user, phone_number=number)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        mailbox = kwargs.pop("mailbox", None) or self.mailbox()
        kwargs.setdefault(
            "form",
            MailboxForm(initial={"state": mailbox.state, "language": mailbox.language, "email": mailbox.email}),
        )
        kwargs.setdefault("greeting_form", GreetingForm())
        numbers = list(tenant_numbers(self.tenant))
        return super().get_context_data(
            mailbox=mailbox, number=mailbox.phone_number, numbers=numbers, status=status_text(mailbox), **kwargs
        )

    def post(self, request: HttpRequest, number_id: str) -> HttpResponse:
        mailbox = self.mailbox()
        action = request.POST.get("action", "save")
        if action == "delete_greeting":
            try:
                services.check_delete_greeting(self.tenant, actor=request.user, mailbox=mailbox)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The greeting was deleted; callers hear the default greeting."))
            return redirect("voicemail:mailbox", number_id=number_id)
        if action == "greeting":
            greeting_form = GreetingForm(request.POST, request.FILES)
            if greeting_form.is_valid():
                try:
                    services.check_set_greeting(
                        self.tenant, actor=request.user, mailbox=mailbox, upload=greeting_form.cleaned_data["greeting"]
                    )
                except ValidationError as error:
                    add_service_errors(greeting_form, error)
                else:
                    messages.success(request, _("The greeting was saved."))
                    return redirect("voicemail:mailbox", number_id=number_id)
            return self.render_to_response(self.get_context_data(mailbox=mailbox, greeting_form=greeting_form), status=400)
        form = MailboxForm(request.POST)
        if form.is_valid():
            try:
                services.check_update_mailbox(self.tenant, actor=request.user, mailbox=mailbox, **form.service_arguments())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The voicemail was saved."))
                return redirect("voicemail:mailbox", number_id=number_id)
        return self.render_to_response(self.get_context_data(mailbox=mailbox, form=form), status=400)


class GreetingFileView(TenantAdminRequiredMixin, View):
    """The uploaded greeting for the page's player (converted WAV), or the original as a download."""

    def get(self, request: HttpRequest, number_id: str) -> FileResponse:
        number = get_number(self.tenant, number_id)
        mailbox = selectors.mailbox_for_number(self.tenant, number.pk)
        if mailbox is None or not mailbox.has_greeting:
            raise Http404
        if request.GET.get("download"):
            return FileResponse(mailbox.greeting_original.open("rb"), as_attachment=True, filename=mailbox.greeting_name)
        return FileResponse(mailbox.greeting_converted.open("rb"), content_type="audio/wav")
