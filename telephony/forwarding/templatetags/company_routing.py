"""``{% access_code_reminder %}``: the "0 to get out" reminder ([VTX] §9 item 26) on routing-related pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def access_code_reminder(context: dict[str, Any]) -> str:
    """The reminder when the current tenant requires the access code for outside numbers, else nothing."""
    from telephony.directory.models import TelephonySettings

    tenant = context.get("current_tenant") or getattr(context.get("view"), "tenant", None)
    if tenant is None:
        return ""
    row = TelephonySettings.objects.filter(tenant=tenant).only("access_code_required").first()
    return render_to_string("directory/access_code_reminder.html", {"telephony_settings": row})
