"""What each star code does: one handler per kind, registered by decorator.

Every handler calls the forwarding service that the portal and the REST API call
(``telephony.forwarding.services``), for the extension whose device dialled the code and in
that extension's user's name. Star codes change only the default profile ([DFN] §3.1: setting a
rule by star code activates the default profile; the service does that). A service that refuses
the input raises ``ValidationError``; the caller of ``apply`` turns that into the error answer.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from telephony.directory.models import Extension
from telephony.featurecodes.choices import StarCodeKind, TargetKind
from telephony.featurecodes.grammar import FeatureRequest
from telephony.forwarding import services
from telephony.forwarding.choices import DEFAULT_NO_ANSWER_SECONDS, ForwardCondition, ForwardTarget
from telephony.forwarding.models import PersonalSettings
from tenants.models import Tenant, User

Handler = Callable[[Tenant, Extension, FeatureRequest], None]
_handlers: dict[str, Handler] = {}

# [DFN] §1.9 offers 5, 10, 15 or 20 seconds for "no answer"; a star code cannot say which, so
# the longest is used (about four rings before the call is forwarded).
NO_ANSWER_SECONDS = DEFAULT_NO_ANSWER_SECONDS

_SET_CONDITIONS = {
    StarCodeKind.FORWARD_ALWAYS: ForwardCondition.ALWAYS,
    StarCodeKind.FORWARD_NO_ANSWER: ForwardCondition.NO_ANSWER,
    StarCodeKind.FORWARD_BUSY: ForwardCondition.BUSY,
    StarCodeKind.FORWARD_NOT_REGISTERED: ForwardCondition.NOT_REGISTERED,
}
_CANCEL_CONDITIONS = {
    StarCodeKind.CANCEL_ALWAYS: ForwardCondition.ALWAYS,
    StarCodeKind.CANCEL_NO_ANSWER: ForwardCondition.NO_ANSWER,
    StarCodeKind.CANCEL_BUSY: ForwardCondition.BUSY,
    StarCodeKind.CANCEL_NOT_REGISTERED: ForwardCondition.NOT_REGISTERED,
}


class FeatureUnavailable(Exception):
    """A code that can be read but whose function the platform does not offer (yet)."""

    def __init__(self, kind: str) -> None:
        super().__init__(_("The star code function %(kind)s is not available.") % {"kind": kind})
        self.kind = kind


def handles(*kinds: StarCodeKind) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for kind in kinds:
            _handlers[kind] = handler
        return handler

    return register


def apply(tenant: Tenant, extension: Extension, request: FeatureRequest) -> None:
    """Carry out ``request`` for ``extension``; ``ValidationError`` or ``FeatureUnavailable`` when it cannot be."""
    handler = _handlers.get(request.kind)
    if handler is None:
        raise FeatureUnavailable(request.kind)
    handler(tenant, extension, request)


def _actor(extension: Extension) -> User | None:
    """Whom the audit log names: the extension's user (the code proves the device, the device the user)."""
    return extension.user


@handles(StarCodeKind.ACTIVATE_PROFILE)
def handle_activate_profile(tenant: Tenant, extension: Extension, request: FeatureRequest) -> None:
    assert request.slot is not None
    services.check_activate_profile(tenant, actor=_actor(extension), extension=extension, slot=request.slot)


@handles(*_SET_CONDITIONS)
def handle_set_forward(tenant: Tenant, extension: Extension, request: FeatureRequest) -> None:
    condition = _SET_CONDITIONS[request.kind]
    if request.target_kind == TargetKind.VOICEMAIL:
        target, number = ForwardTarget.VOICEMAIL, ""
    else:
        # An extension is a "phone number" target too ([DFN] §1.9); numbers come as E.164.
        target, number = ForwardTarget.NUMBER, request.target
    services.check_set_default_forward(
        tenant,
        actor=_actor(extension),
        extension=extension,
        condition=condition,
        target=target,
        number=number,
        no_answer_seconds=NO_ANSWER_SECONDS if condition == ForwardCondition.NO_ANSWER else None,
    )


@handles(*_CANCEL_CONDITIONS)
def handle_cancel_forward(tenant: Tenant, extension: Extension, request: FeatureRequest) -> None:
    condition = _CANCEL_CONDITIONS[request.kind]
    services.check_clear_default_forward(tenant, actor=_actor(extension), extension=extension, condition=condition)


@handles(StarCodeKind.DND_ON, StarCodeKind.DND_OFF)
def handle_dnd(tenant: Tenant, extension: Extension, request: FeatureRequest) -> None:
    services.check_set_dnd(tenant, actor=_actor(extension), extension=extension, on=request.kind == StarCodeKind.DND_ON)


@handles(StarCodeKind.DND_TOGGLE)
def handle_dnd_toggle(tenant: Tenant, extension: Extension, request: FeatureRequest) -> None:
    # Locked until the transaction the code runs in ends, so two toggles in a row flip twice.
    current = (
        PersonalSettings.objects.for_tenant(tenant).select_for_update().filter(extension=extension).values_list("dnd", flat=True)
    )
    services.check_set_dnd(tenant, actor=_actor(extension), extension=extension, on=not bool(current.first()))
