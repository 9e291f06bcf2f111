"""The activity monitor's portal pages: the page, and the fragment the page re-fetches on live events.

Both are for the tenant's admins (other users get 403). They do not ask for, nor renew, the
re-authentication of the configuration pages (``TenantAdminRequiredMixin``): the monitor only
reads, it is meant to stay open on a screen, and the fragment is fetched on every switch event,
so it would otherwise either stop updating after ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` or keep
the configuration pages unlocked on an unattended screen. The VTX monitor, too, is shown before
the editor is opened ([VTX] §2.1).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from telephony.groups.monitor import activity_monitor
from tenants.choices import Role
from tenants.portal.access import MemberRequiredMixin

# Domain event types after which the monitor shows something else (``centrex.events.DomainEvent.type``):
# the switch's live state, and configuration that the monitor lists.
LIVE_EVENT_TYPES = ("registration", "call", "presence", "group", "extension", "phone_number", "timerange", "holiday")


def _epoch_ms(value: Any) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


@method_decorator(never_cache, name="dispatch")
class _MonitorView(MemberRequiredMixin, TemplateView):
    required_role = Role.ADMIN

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        monitor = activity_monitor(self.tenant)
        return super().get_context_data(
            monitor=monitor,
            now_ms=_epoch_ms(monitor.now),
            refresh_at_ms=_epoch_ms(monitor.refresh_at),
            **kwargs,
        )


class MonitorView(_MonitorView):
    """The whole page: the current state rendered by the server, kept live by ``groups/monitor.js``."""

    template_name = "groups/monitor.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            fragment_url=reverse("monitor:fragment"),
            events_path="/ws/events/",  # centrex.routing
            live_event_types=" ".join(LIVE_EVENT_TYPES),
            **kwargs,
        )


class MonitorFragmentView(_MonitorView):
    """Only the changing part of the page (HTML), which the page swaps in after a live event."""

    template_name = "groups/monitor_state.html"
