"""Forms of the number-routing editor and the caller-ID rules: one choice per case, values "kind:id"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.forwarding.models import TargetKind
from telephony.forwarding.services import NUMBER_ANNOUNCEMENT, NUMBER_GROUP, NUMBER_SCHEDULE, RouteTarget
from telephony.media.choices import MediaKind
from tenants.models import Tenant

DESTINATIONS = [
    (NUMBER_GROUP, _("A group")),
    (NUMBER_ANNOUNCEMENT, _("An announcement")),
    (NUMBER_SCHEDULE, _("By time range")),
]


def target_choices(tenant: Tenant) -> list[tuple[str, Any]]:
    """Every target of the tenant, grouped: groups, extensions, announcements, end the call."""
    from telephony.directory.models import Extension
    from telephony.groups.models import HuntGroup
    from telephony.media.models import MediaFile

    groups = [(f"group:{g.pk}", f"{g.short_number} {g.name}") for g in HuntGroup.objects.for_tenant(tenant)]
    extensions = [
        (f"extension:{e.pk}", f"{e.number} {e.display_name}") for e in Extension.objects.for_tenant(tenant).order_by("number")
    ]
    announcements = [("announcement:", _("Default announcement (tones)"))] + [
        (f"announcement:{m.pk}", m.name) for m in MediaFile.objects.for_tenant(tenant).filter(kind=MediaKind.ANNOUNCEMENT)
    ]
    return [
        ("", "---------"),
        (_("Groups"), groups),
        (_("Extensions"), extensions),
        (_("Announcements"), announcements),
        # The routed number's own company voicemail ([VTX] §2.3: it counts as a group).
        ("voicemail:", _("Voicemail of this number")),
        ("hangup:", _("End the call")),
    ]


def parse_target(value: str) -> RouteTarget | None:
    kind, _sep, ref = (value or "").partition(":")
    if not kind:
        return None
    return RouteTarget(
        kind=kind,
        extension=ref if kind == TargetKind.EXTENSION else None,
        group=ref if kind == TargetKind.GROUP else None,
        announcement=ref or None if kind == TargetKind.ANNOUNCEMENT else None,
    )


def target_value(route: Any) -> str:
    ref = route.target_extension_id or route.target_group_id or route.target_announcement_id or ""
    return f"{route.target_kind}:{ref}"


class NumberRoutingForm(forms.Form):
    destination = forms.ChoiceField(label=_("Calls go to"), choices=DESTINATIONS)

    def __init__(self, *args: Any, tenant: Tenant, ranges: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = target_choices(tenant)
        self.ranges = ranges
        self.fields["always"] = forms.ChoiceField(
            label=_("Group or announcement"),
            choices=choices,
            required=False,
            help_text=_("When calls go to a group or an announcement."),
        )
        for time_range in ranges:
            self.fields[f"range_{time_range.pk}"] = forms.ChoiceField(
                label=_("During %(name)s") % {"name": time_range.name}, choices=choices, required=False
            )
        self.fields["holiday"] = forms.ChoiceField(label=_("On holidays"), choices=choices, required=False)
        self.fields["outside"] = forms.ChoiceField(label=_("Outside the time ranges"), choices=choices, required=False)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        destination = data["destination"]
        if destination != NUMBER_SCHEDULE:
            return {"destination": destination, "always": parse_target(data.get("always", ""))}
        return {
            "destination": destination,
            "ranges": {
                str(r.pk): target for r in self.ranges if (target := parse_target(data.get(f"range_{r.pk}", ""))) is not None
            },
            "holiday": parse_target(data.get("holiday", "")),
            "outside": parse_target(data.get("outside", "")),
        }


class CallerIdRuleForm(forms.Form):
    presented_number = forms.ChoiceField(label=_("Number presented"))
    numbers = forms.MultipleChoiceField(
        label=_("For extensions whose own number is"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        from telephony.directory.models import PhoneNumber

        super().__init__(*args, **kwargs)
        numbers = [
            (str(n.pk), f"{n.number} {n.label}".strip()) for n in PhoneNumber.objects.for_tenant(tenant).order_by("number")
        ]
        self.fields["presented_number"].choices = numbers
        self.fields["numbers"].choices = numbers
