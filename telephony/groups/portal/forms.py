"""The group editor: fields, members in ring order, no-answer rule."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from telephony.directory.models import Extension
from telephony.groups.choices import NoAnswerAction, Strategy
from telephony.groups.models import MAX_CYCLES, MAX_RING_COUNT, HuntGroup
from telephony.media.choices import MediaKind
from telephony.media.models import MediaFile
from tenants.models import Tenant


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    short_number = forms.CharField(label=_("Short number"), max_length=3, help_text=_("Between 200 and 999, e.g. 273."))
    strategy = forms.ChoiceField(label=_("Distribution of calls"), choices=Strategy.choices)
    ring_count = forms.IntegerField(
        label=_("Ring count"), min_value=1, max_value=MAX_RING_COUNT, initial=3, help_text=_("1 ring = 5 seconds")
    )
    cycles = forms.IntegerField(
        label=_("Cycles"),
        min_value=1,
        max_value=MAX_CYCLES,
        initial=1,
        help_text=_("Used by the cyclic and random distributions."),
    )
    members = forms.CharField(
        label=_("Members in ring order"),
        help_text=_("Extension numbers separated by commas, e.g. 101, 102, 105."),
        widget=forms.TextInput(attrs={"size": 60}),
    )
    ring_tone = forms.ChoiceField(label=_("Ring tone"), required=False)
    no_answer_action = forms.ChoiceField(label=_("If nobody answers"), choices=NoAnswerAction.choices, widget=forms.RadioSelect)
    no_answer_group = forms.ChoiceField(label=_("Divert to group"), required=False)
    no_answer_number = forms.CharField(
        label=_("Divert to number"), required=False, max_length=30, help_text=_("Must start with 0.")
    )
    no_answer_announcement = forms.ChoiceField(label=_("Announcement"), required=False)
    no_answer_mailbox = forms.ChoiceField(label=_("Voicemail"), required=False)

    def __init__(self, *args: Any, tenant: Tenant, group: HuntGroup | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        media = MediaFile.objects.for_tenant(tenant)
        self.fields["ring_tone"].choices = [("", _("Default ring tone"))] + [
            (str(m.pk), m.name) for m in media if m.kind == MediaKind.RING_TONE
        ]
        self.fields["no_answer_announcement"].choices = [("", "—")] + [
            (str(m.pk), m.name) for m in media if m.kind == MediaKind.ANNOUNCEMENT
        ]
        others = HuntGroup.objects.for_tenant(tenant).exclude(pk=group.pk if group else None)
        self.fields["no_answer_group"].choices = [("", "—")] + [(str(g.pk), f"{g.short_number} {g.name}") for g in others]
        from telephony.voicemail.selectors import mailboxes

        # The main number's voicemail "counts as a group" ([VTX] §2.4); one that is off is refused with a reason.
        self.fields["no_answer_mailbox"].choices = [("", "—")] + [
            (str(m.pk), _("Voicemail of %(number)s") % {"number": m.phone_number.number}) for m in mailboxes(tenant)
        ]

    def clean_members(self) -> list[str]:
        numbers = [part for part in re.split(r"[\s,;]+", self.cleaned_data["members"]) if part]
        by_number = dict(Extension.objects.for_tenant(self.tenant).filter(number__in=numbers).values_list("number", "pk"))
        unknown = [number for number in numbers if number not in by_number]
        if unknown:
            raise forms.ValidationError(
                _("These are not extensions of your company: %(numbers)s") % {"numbers": ", ".join(unknown)}
            )
        return [str(by_number[number]) for number in numbers]

    @staticmethod
    def initial_for(group: HuntGroup) -> dict[str, Any]:
        return {
            "name": group.name,
            "short_number": group.short_number,
            "strategy": group.strategy,
            "ring_count": group.ring_count,
            "cycles": group.cycles,
            "members": ", ".join(member.extension.number for member in group.members.all()),
            "ring_tone": str(group.ring_tone_id or ""),
            "no_answer_action": group.no_answer_action,
            "no_answer_group": str(group.no_answer_group_id or ""),
            "no_answer_number": group.no_answer_number,
            "no_answer_announcement": str(group.no_answer_announcement_id or ""),
            "no_answer_mailbox": str(group.no_answer_mailbox_id or ""),
        }
