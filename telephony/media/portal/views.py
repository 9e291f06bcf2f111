"""Portal pages for media: list by kind with players, upload, rename, delete, play/download."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from telephony.media import selectors, services
from telephony.media.choices import MediaKind
from telephony.media.portal.forms import MediaRenameForm, MediaUploadForm
from tenants.portal.access import TenantAdminRequiredMixin
from tenants.portal.forms import add_service_errors


class MediaListView(TenantAdminRequiredMixin, TemplateView):
    template_name = "media/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        files = list(selectors.media_files(self.tenant))
        sections = [
            {
                "kind": kind,
                "label": kind.label,
                "files": [media for media in files if media.kind == kind],
                "default_label": selectors.BUILTIN_LABELS[kind],
            }
            for kind in MediaKind
        ]
        return super().get_context_data(sections=sections, limit=settings.MEDIA_MAX_FILES_PER_KIND, **kwargs)


class MediaUploadView(TenantAdminRequiredMixin, FormView):
    template_name = "media/upload.html"
    form_class = MediaUploadForm

    def get_initial(self) -> dict[str, Any]:
        return {"kind": self.request.GET.get("kind", MediaKind.MUSIC_ON_HOLD)}

    def form_valid(self, form: MediaUploadForm) -> HttpResponse:
        try:
            media = services.check_upload_media(self.tenant, actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was uploaded.") % {"name": media.name})
        return redirect("media:list")


class MediaDetailView(TenantAdminRequiredMixin, TemplateView):
    template_name = "media/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        media = selectors.get_media_file(self.tenant, self.kwargs["media_id"])
        kwargs.setdefault("form", MediaRenameForm(initial={"name": media.name}))
        return super().get_context_data(media=media, **kwargs)

    def post(self, request: HttpRequest, media_id: str) -> HttpResponse:
        media = selectors.get_media_file(self.tenant, media_id)
        if request.POST.get("action") == "delete":
            try:
                services.check_delete_media(self.tenant, actor=request.user, media=media)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("media:detail", media_id=media.pk)
            messages.success(request, _("%(name)s was deleted.") % {"name": media.name})
            return redirect("media:list")
        form = MediaRenameForm(request.POST)
        if form.is_valid():
            try:
                services.check_rename_media(self.tenant, actor=request.user, media=media, name=form.cleaned_data["name"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The name was changed."))
                return redirect("media:detail", media_id=media.pk)
        return self.render_to_response(self.get_context_data(form=form))


class MediaFileView(TenantAdminRequiredMixin, View):
    """Streams the converted WAV for the player, or the original upload as a download."""

    def get(self, request: HttpRequest, media_id: str) -> FileResponse:
        media = selectors.get_media_file(self.tenant, media_id)
        if request.GET.get("download"):
            return FileResponse(media.original.open("rb"), as_attachment=True, filename=media.original_name)
        return FileResponse(media.converted.open("rb"), content_type="audio/wav")
