"""Group short numbers take part in the tenant's numbering plan."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from telephony.directory.validators import number_claimer
from tenants.models import Tenant


@number_claimer
def _group_short_numbers(tenant: Tenant, number: str, ignore: models.Model | None) -> str | None:
    from telephony.groups.models import HuntGroup

    taken = HuntGroup.objects.for_tenant(tenant).filter(short_number=number)
    if isinstance(ignore, HuntGroup):
        taken = taken.exclude(pk=ignore.pk)
    group = taken.first()
    if group is not None:
        return _("The group %(name)s already uses %(number)s.") % {"name": group.name, "number": number}
    return None
