"""Writes of hunt groups: create, change, delete; everything validated against the tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from centrex.events import DomainEvent, publish
from telephony.directory.models import Extension
from telephony.directory.validators import check_number_free
from telephony.groups.choices import NoAnswerAction, Strategy
from telephony.groups.models import (
    MAX_CYCLES,
    MAX_RING_COUNT,
    GroupMember,
    HuntGroup,
    short_number_validator,
    trunk_number_validator,
)
from telephony.media.choices import MediaKind
from telephony.media.models import MediaFile
from tenants import audit
from tenants.models import Tenant, User

Id = uuid.UUID | str


@dataclass
class GroupInput:
    """Everything a group is made of, as the portal form or the API gives it."""

    name: str
    short_number: str
    strategy: str = Strategy.SIMULTANEOUS
    ring_count: int = 3
    cycles: int = 1
    members: Sequence[Id] = ()
    ring_tone: Id | None = None
    no_answer_action: str = NoAnswerAction.HANGUP
    no_answer_group: Id | None = None
    no_answer_number: str = ""
    no_answer_announcement: Id | None = None
    no_answer_mailbox: Id | None = None  # a company mailbox (NoAnswerAction.VOICEMAIL)


def _state(group: HuntGroup) -> dict[str, object]:
    return {
        "name": group.name,
        "short_number": group.short_number,
        "strategy": group.strategy,
        "ring_count": group.ring_count,
        "cycles": group.cycles,
        "members": [str(pk) for pk in group.members.values_list("extension_id", flat=True)],
        "ring_tone": str(group.ring_tone_id) if group.ring_tone_id else None,
        "no_answer_action": group.no_answer_action,
        "no_answer_group": str(group.no_answer_group_id) if group.no_answer_group_id else None,
        "no_answer_number": group.no_answer_number,
        "no_answer_announcement": str(group.no_answer_announcement_id) if group.no_answer_announcement_id else None,
        "no_answer_mailbox": str(group.no_answer_mailbox_id) if group.no_answer_mailbox_id else None,
    }


def _tenant_media(tenant: Tenant, media_id: Id | None, kind: str, field: str, errors: dict[str, list[str]]) -> MediaFile | None:
    if not media_id:
        return None
    media = MediaFile.objects.for_tenant(tenant).filter(pk=media_id, kind=kind).first() if _is_uuid(media_id) else None
    if media is None:
        errors[field] = [_("Choose one of your own files of the right kind.")]
    return media


def _tenant_mailbox(tenant: Tenant, mailbox_id: Id | None, errors: dict[str, list[str]]) -> object:
    """A company mailbox of one of the tenant's numbers that takes calls (on, or greeting only)."""
    from telephony.voicemail.choices import MailboxState
    from telephony.voicemail.selectors import mailboxes

    mailbox = mailboxes(tenant).filter(pk=mailbox_id).first() if mailbox_id and _is_uuid(mailbox_id) else None
    if mailbox is None:
        errors["no_answer_mailbox"] = [_("Choose the voicemail of one of your numbers.")]
    elif mailbox.state == MailboxState.OFF:
        errors["no_answer_mailbox"] = [
            _("The voicemail of %(number)s is switched off. Switch it on first.") % {"number": mailbox.phone_number.number}
        ]
    return mailbox


def _is_uuid(value: Id) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _validate(tenant: Tenant, data: GroupInput, group: HuntGroup | None) -> tuple[list[Extension], dict[str, object]]:
    errors: dict[str, list[str]] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = [_("Give the group a name.")]
    short_number = str(data.short_number).strip()
    try:
        short_number_validator(short_number)
        check_number_free(tenant, short_number, ignore=group, field="short_number")
    except ValidationError as error:
        errors["short_number"] = (
            error.message_dict.get("short_number", error.messages) if hasattr(error, "error_dict") else error.messages
        )
    if data.strategy not in Strategy.values:
        errors["strategy"] = [_("Unknown distribution type.")]
    if not 1 <= int(data.ring_count) <= MAX_RING_COUNT:
        errors["ring_count"] = [_("The ring count is between 1 and %(max)s.") % {"max": MAX_RING_COUNT}]
    if not 1 <= int(data.cycles) <= MAX_CYCLES:
        errors["cycles"] = [_("The number of cycles is between 1 and %(max)s.") % {"max": MAX_CYCLES}]
    member_ids = [str(pk) for pk in data.members]
    members: list[Extension] = []
    if len(set(member_ids)) != len(member_ids):
        errors["members"] = [_("An extension can be a member only once.")]
    elif not member_ids:
        errors["members"] = [_("Choose at least one member.")]
    else:
        found = {
            str(ext.pk): ext for ext in Extension.objects.for_tenant(tenant).filter(pk__in=[m for m in member_ids if _is_uuid(m)])
        }
        if len(found) != len(member_ids):
            errors["members"] = [_("Members must be extensions of your company.")]
        else:
            members = [found[pk] for pk in member_ids]
    fields: dict[str, object] = {
        "name": name,
        "short_number": short_number,
        "strategy": data.strategy,
        "ring_count": int(data.ring_count),
        "cycles": int(data.cycles),
        "ring_tone": _tenant_media(tenant, data.ring_tone, MediaKind.RING_TONE, "ring_tone", errors),
        "no_answer_action": data.no_answer_action,
        "no_answer_group": None,
        "no_answer_number": "",
        "no_answer_announcement": None,
        "no_answer_mailbox": None,
    }
    action = data.no_answer_action
    if action == NoAnswerAction.GROUP:
        target = (
            HuntGroup.objects.for_tenant(tenant).filter(pk=data.no_answer_group).first()
            if data.no_answer_group and _is_uuid(data.no_answer_group)
            else None
        )
        if target is None:
            errors["no_answer_group"] = [_("Choose one of your groups.")]
        elif group is not None and target.pk == group.pk:
            errors["no_answer_group"] = [_("A group cannot divert to itself.")]
        fields["no_answer_group"] = target
    elif action == NoAnswerAction.NUMBER:
        number = "".join(str(data.no_answer_number).split())
        try:
            trunk_number_validator(number)
        except ValidationError as error:
            errors["no_answer_number"] = error.messages
        fields["no_answer_number"] = number
    elif action == NoAnswerAction.ANNOUNCEMENT:
        fields["no_answer_announcement"] = _tenant_media(
            tenant, data.no_answer_announcement, MediaKind.ANNOUNCEMENT, "no_answer_announcement", errors
        )
        if data.no_answer_announcement is None:
            errors["no_answer_announcement"] = [_("Choose an announcement.")]
    elif action == NoAnswerAction.VOICEMAIL:
        fields["no_answer_mailbox"] = _tenant_mailbox(tenant, data.no_answer_mailbox, errors)
    elif action != NoAnswerAction.HANGUP:
        errors["no_answer_action"] = [_("Unknown no-answer rule.")]
    if errors:
        raise ValidationError(errors)
    return members, fields


def _write_members(group: HuntGroup, members: list[Extension]) -> None:
    group.members.all().delete()
    GroupMember.objects.bulk_create(GroupMember(group=group, extension=ext, position=i) for i, ext in enumerate(members))


def _changed(group: HuntGroup, op: str) -> None:
    from telephony.freeswitch.sync import schedule_sync

    schedule_sync(str(group.tenant_id), dialplan=True)
    publish(DomainEvent(type="group", op=op, tenant=str(group.tenant_id), data={"id": str(group.pk), **_state(group)}))


@transaction.atomic
def check_create_group(tenant: Tenant, *, actor: User | None, data: GroupInput) -> HuntGroup:
    Tenant.objects.select_for_update().get(pk=tenant.pk)  # serialises numbering-plan checks
    members, fields = _validate(tenant, data, None)
    group = HuntGroup.objects.create(tenant=tenant, **fields)
    _write_members(group, members)
    audit.record(tenant=tenant, actor=actor, action="group.create", obj=group, after=_state(group))
    _changed(group, "created")
    return group


@transaction.atomic
def check_update_group(tenant: Tenant, *, actor: User | None, group: HuntGroup, data: GroupInput) -> HuntGroup:
    Tenant.objects.select_for_update().get(pk=tenant.pk)
    group = HuntGroup.objects.for_tenant(tenant).select_for_update().get(pk=group.pk)
    before = _state(group)
    members, fields = _validate(tenant, data, group)
    for name, value in fields.items():
        setattr(group, name, value)
    group.save()
    _write_members(group, members)
    audit.record(tenant=tenant, actor=actor, action="group.update", obj=group, before=before, after=_state(group))
    _changed(group, "updated")
    return group


@transaction.atomic
def check_delete_group(tenant: Tenant, *, actor: User | None, group: HuntGroup) -> None:
    group = HuntGroup.objects.for_tenant(tenant).select_for_update().get(pk=group.pk)
    before = _state(group)
    group_id = str(group.pk)
    from telephony.forwarding.models import NumberRoute

    # Routes kept from numbers that no longer route to groups or by time range do not hold the group.
    NumberRoute.objects.filter(target_group=group).exclude(phone_number__destination_kind__in=("group", "schedule")).delete()
    try:
        with transaction.atomic():
            group.delete()
    except ProtectedError as exc:
        if any(isinstance(obj, NumberRoute) for obj in exc.protected_objects):
            raise ValidationError(_("Numbers send calls to this group; route them otherwise first.")) from exc
        raise ValidationError(_("Another group diverts to this group; change that group first.")) from exc
    audit.record(tenant=tenant, actor=actor, action="group.delete", obj=group, before=before)
    from telephony.freeswitch.sync import schedule_sync

    schedule_sync(str(tenant.pk), dialplan=True)
    publish(DomainEvent(type="group", op="deleted", tenant=str(tenant.pk), data={"id": group_id}))
