"""Printable PDFs: a Django template rendered by weasyprint, in the active language."""

from __future__ import annotations

from typing import Any

import weasyprint
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

PRINT_CSS = "frontend/print.css"


def render_pdf(request: HttpRequest | None, template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, {"printed_at": timezone.now(), **context}, request=request)
    stylesheets = [weasyprint.CSS(filename=finders.find(PRINT_CSS))]
    return weasyprint.HTML(string=html, base_url=None).write_pdf(stylesheets=stylesheets)


def pdf_response(request: HttpRequest, template: str, context: dict[str, Any], *, filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(request, template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slugify(filename) or "printout"}.pdf"'
    return response
