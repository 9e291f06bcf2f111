"""The generated sentences that describe a group, in the active language ([VTX] §2.4)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from telephony.groups import strategies
from telephony.groups.choices import NoAnswerAction, Strategy
from telephony.groups.models import HuntGroup


def duration_text(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes and not rest:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    if minutes:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}


def strategy_sentence(strategy: str, ring_count: int, cycles: int) -> str:
    rings = ngettext("%(count)d time", "%(count)d times", ring_count) % {"count": ring_count}
    turns = ngettext("%(count)d cycle", "%(count)d cycles", cycles) % {"count": cycles}
    if strategy == Strategy.CYCLIC:
        return _(
            "The members' phones ring %(rings)s in turn for %(cycles)s before the no-answer rules apply. "
            "Each cycle starts with the member after the one who answered the last call."
        ) % {"rings": rings, "cycles": turns}
    if strategy == Strategy.HIERARCHICAL:
        return _(
            "The first available member in the list rings %(rings)s; if that member is unavailable or does not answer, "
            "the call passes to the next member, then the no-answer rules apply."
        ) % {"rings": rings}
    if strategy == Strategy.SIMULTANEOUS:
        return _("All members' phones ring at the same time %(rings)s, then the no-answer rules apply.") % {"rings": rings}
    if strategy == Strategy.LEAST_ACTIVE:
        return _("The member who has been idle longest rings %(rings)s, then the next one; then the no-answer rules apply.") % {
            "rings": rings
        }
    return _(
        "The members' phones ring %(rings)s one at a time in random order for %(cycles)s before the no-answer rules apply."
    ) % {
        "rings": rings,
        "cycles": turns,
    }


def no_answer_text(group: HuntGroup) -> str:
    if group.no_answer_action == NoAnswerAction.GROUP and group.no_answer_group is not None:
        return _("Divert to the group %(name)s (%(number)s)") % {
            "name": group.no_answer_group.name,
            "number": group.no_answer_group.short_number,
        }
    if group.no_answer_action == NoAnswerAction.NUMBER:
        return _("Divert to %(number)s") % {"number": group.no_answer_number}
    if group.no_answer_action == NoAnswerAction.ANNOUNCEMENT and group.no_answer_announcement is not None:
        return _("Play the announcement %(name)s") % {"name": group.no_answer_announcement.name}
    if group.no_answer_action == NoAnswerAction.VOICEMAIL and group.no_answer_mailbox is not None:
        return _("Voicemail of %(number)s") % {"number": group.no_answer_mailbox.phone_number.number}
    return _("End the call")


def group_summary(group: HuntGroup, member_count: int) -> str:
    total = strategies.total_seconds(group.strategy, member_count, ring_count=group.ring_count, cycles=group.cycles)
    sentence = strategy_sentence(group.strategy, group.ring_count, group.cycles)
    if not member_count:
        return sentence
    return (
        sentence
        + " "
        + _("If no member answers within %(duration)s, the no-answer rules apply.") % {"duration": duration_text(total)}
    )


def type_text(group: HuntGroup) -> str:
    rings = ngettext("%(count)d ring", "%(count)d rings", group.ring_count) % {"count": group.ring_count}
    if group.strategy in {Strategy.CYCLIC, Strategy.RANDOM}:
        cycles = ngettext("%(count)d cycle", "%(count)d cycles", group.cycles) % {"count": group.cycles}
        return f"{group.get_strategy_display()} ({rings}, {cycles})"
    return f"{group.get_strategy_display()} ({rings})"
