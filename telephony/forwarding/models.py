"""Time ranges (week days + 1 to 3 periods) and holidays of a tenant, in its time zone."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from telephony.forwarding import schedule
from telephony.forwarding.choices import NO_ANSWER_SECONDS, ForwardCondition, ForwardTarget, SelectiveMatch
from tenants.models import TenantOwned, TimeStamped


class TimeRange(TenantOwned):
    """A named set of opening times, e.g. the default "Office hours" (which cannot be deleted)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default range"), default=False, editable=False)
    weekdays = models.JSONField(_("week days"), default=list, help_text=_("0 = Monday ... 6 = Sunday"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("time range")
        verbose_name_plural = _("time ranges")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="timerange_tenant_name_unique"),
            models.UniqueConstraint(fields=["tenant"], condition=Q(is_default=True), name="timerange_tenant_one_default"),
        ]

    def __str__(self) -> str:
        return self.name

    def as_spec(self) -> schedule.Range:
        return schedule.Range(
            id=str(self.pk),
            name=self.name,
            weekdays=frozenset(self.weekdays),
            periods=tuple(schedule.Period(p.start_minute, p.end_minute) for p in self.periods.all()),
        )


class TimePeriod(TimeStamped):
    """One period of a time range, in minutes of the local day (end exclusive, 1440 = 24:00)."""

    id = models.BigAutoField(primary_key=True)
    time_range = models.ForeignKey(TimeRange, on_delete=models.CASCADE, related_name="periods", verbose_name=_("time range"))
    start_minute = models.PositiveSmallIntegerField(_("from"), validators=[MaxValueValidator(schedule.MINUTES_PER_DAY - 1)])
    end_minute = models.PositiveSmallIntegerField(_("to"), validators=[MaxValueValidator(schedule.MINUTES_PER_DAY)])

    class Meta:
        ordering = ["start_minute"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.CheckConstraint(condition=Q(start_minute__lt=models.F("end_minute")), name="timeperiod_start_before_end")
        ]

    def __str__(self) -> str:
        return f"{schedule.format_minute(self.start_minute)}-{schedule.format_minute(self.end_minute)}"


class Holiday(TenantOwned):
    """A public holiday or a vacation: closed all day, from ``start_date`` to ``end_date`` inclusive."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.CharField(_("label"), max_length=100)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))

    class Meta:
        ordering = ["start_date", "label"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays and vacations")
        constraints = [
            models.CheckConstraint(condition=Q(start_date__lte=models.F("end_date")), name="holiday_start_not_after_end")
        ]

    def __str__(self) -> str:
        return self.label

    def as_spec(self) -> schedule.Holiday:
        return schedule.Holiday(self.label, self.start_date, self.end_date)


class Slot(models.TextChoices):
    """Which state of the schedule a number route applies to ([VTX] §2.3)."""

    ALWAYS = "always", _("Always")
    RANGE = "range", _("During a time range")
    HOLIDAY = "holiday", _("On holidays")
    OUTSIDE = "outside", _("Outside the time ranges")


class TargetKind(models.TextChoices):
    """Where a routed number sends the call (the values of ``telephony.calls.routing.TargetKind``)."""

    EXTENSION = "extension", _("Extension")
    GROUP = "group", _("Group")
    ANNOUNCEMENT = "announcement", _("Announcement")
    # The company voicemail of the routed number itself ([VTX] §2.3, §2.8: it "counts as a group").
    VOICEMAIL = "voicemail", _("Voicemail of this number")
    HANGUP = "hangup", _("End the call")


class NumberRoute(TenantOwned):
    """Where a phone number's calls go always (a group or an announcement) or in one state of the schedule.

    A number routed "by time range" has one row per time range of the tenant, one for holidays
    and one for outside hours. A time range used here cannot be deleted (PROTECT): the company
    first chooses where that range's calls go instead.
    """

    id = models.BigAutoField(primary_key=True)
    phone_number = models.ForeignKey(
        "directory.PhoneNumber", on_delete=models.CASCADE, related_name="routes", verbose_name=_("number")
    )
    slot = models.CharField(_("when"), max_length=16, choices=Slot.choices)
    time_range = models.ForeignKey(
        TimeRange, null=True, blank=True, on_delete=models.PROTECT, related_name="number_routes", verbose_name=_("time range")
    )
    target_kind = models.CharField(_("target"), max_length=16, choices=TargetKind.choices)
    # A deleted extension takes its routes with it (the number then falls back to "not routed" in that state).
    target_extension = models.ForeignKey(
        "directory.Extension", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("extension")
    )
    target_group = models.ForeignKey(
        "groups.HuntGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("group")
    )
    target_announcement = models.ForeignKey(
        "media.MediaFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("announcement")
    )

    class Meta:
        ordering = ["phone_number", "slot", "time_range__position"]
        verbose_name = _("number route")
        verbose_name_plural = _("number routes")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_number", "time_range"], condition=Q(slot="range"), name="numberroute_number_range_unique"
            ),
            models.UniqueConstraint(
                fields=["phone_number", "slot"], condition=~Q(slot="range"), name="numberroute_number_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(slot="range", time_range__isnull=False) | (~Q(slot="range") & Q(time_range__isnull=True)),
                name="numberroute_range_iff_slot_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone_number}: {self.slot}"


class CallerIdRule(TenantOwned):
    """Calls out from extensions whose own number is in ``numbers`` present ``presented_number`` ([VTX] §2.10)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    presented_number = models.ForeignKey(
        "directory.PhoneNumber", on_delete=models.CASCADE, related_name="+", verbose_name=_("number presented")
    )
    numbers = models.ManyToManyField("directory.PhoneNumber", related_name="caller_id_rules", verbose_name=_("for the numbers"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("caller-ID rule")
        verbose_name_plural = _("caller-ID rules")

    def __str__(self) -> str:
        return str(self.presented_number)


# --- forwarding profiles and personal settings ([DFN] §1.9, §1.10) -----------------------------
class ForwardingProfile(TenantOwned):
    """A set of forwarding rules of one extension for one situation ("Urlaub"); one is active at a time.

    Every extension has its default profile (number 0), made with the extension; it cannot be
    deleted. Profiles are numbered 0 to 9, the number a phone dials after ``*10`` to activate it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    extension = models.ForeignKey(
        "directory.Extension", on_delete=models.CASCADE, related_name="forwarding_profiles", verbose_name=_("extension")
    )
    slot = models.PositiveSmallIntegerField(_("profile number"), validators=[MaxValueValidator(9)])
    name = models.CharField(_("name"), max_length=50)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Give the colour as #rrggbb."))],
    )
    is_default = models.BooleanField(_("default profile"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=False, editable=False)

    class Meta:
        ordering = ["extension__number", "slot"]
        verbose_name = _("forwarding profile")
        verbose_name_plural = _("forwarding profiles")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "extension", "slot"], name="fwdprofile_tenant_extension_slot_unique"),
            models.UniqueConstraint(
                fields=["tenant", "extension"], condition=Q(is_active=True), name="fwdprofile_tenant_extension_one_active"
            ),
            models.UniqueConstraint(
                fields=["tenant", "extension"], condition=Q(is_default=True), name="fwdprofile_tenant_extension_one_default"
            ),
            models.CheckConstraint(condition=Q(slot__lte=9), name="fwdprofile_slot_0_to_9"),
        ]

    def __str__(self) -> str:
        return f"{self.slot} {self.name}"


class ForwardingRule(TenantOwned):
    """One condition of a profile and where it sends the call; at most one rule per condition."""

    id = models.BigAutoField(primary_key=True)
    profile = models.ForeignKey(ForwardingProfile, on_delete=models.CASCADE, related_name="rules", verbose_name=_("profile"))
    condition = models.CharField(_("condition"), max_length=16, choices=ForwardCondition.choices)
    target = models.CharField(_("target"), max_length=16, choices=ForwardTarget.choices)
    # An extension number of the tenant, or an outside number in E.164; empty for the other targets.
    number = models.CharField(_("number"), max_length=20, blank=True)
    no_answer_seconds = models.PositiveSmallIntegerField(
        _("no answer after (seconds)"), null=True, blank=True, choices=[(s, str(s)) for s in NO_ANSWER_SECONDS]
    )

    class Meta:
        ordering = ["profile", "condition"]
        verbose_name = _("forwarding rule")
        verbose_name_plural = _("forwarding rules")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "profile", "condition"], name="fwdrule_tenant_profile_condition_unique"),
            models.CheckConstraint(
                condition=(Q(condition="no_answer") & Q(no_answer_seconds__in=NO_ANSWER_SECONDS))
                | (~Q(condition="no_answer") & Q(no_answer_seconds__isnull=True)),
                name="fwdrule_timer_only_for_no_answer",
            ),
            models.CheckConstraint(
                condition=(Q(target="number") & ~Q(number="")) | (~Q(target="number") & Q(number="")),
                name="fwdrule_number_iff_target_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.condition} -> {self.number or self.target}"


class SelectiveRule(TenantOwned):
    """A rule of a (non-default) profile for some callers only ([DFN] §1.9 "selektive Rufumleitung").

    Matches anonymous callers, all internal calls, one extension, a contact (any of its numbers)
    or a number prefix (E.164, up to a full number). Either ``allow`` (the caller gets through:
    the extension rings as if the profile had no rules) or one condition with its target, like
    an ordinary rule; one caller selection can have a rule per condition. ``match_key`` names the
    caller selection (``prefix:+4989``, ``extension:<id>`` ...), so the database keeps one row per
    selection and condition.
    """

    id = models.BigAutoField(primary_key=True)
    profile = models.ForeignKey(
        ForwardingProfile, on_delete=models.CASCADE, related_name="selective_rules", verbose_name=_("profile")
    )
    match = models.CharField(_("callers"), max_length=16, choices=SelectiveMatch.choices)
    match_key = models.CharField(max_length=64, editable=False)
    match_extension = models.ForeignKey(
        "directory.Extension", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("extension")
    )
    match_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    # E.164 form: "+" and 1 to 15 digits ("+49", "+4989", "+4989999998101").
    match_prefix = models.CharField(
        _("number or prefix"), max_length=16, blank=True, validators=[RegexValidator(r"^\+[1-9][0-9]{0,14}$")]
    )
    allow = models.BooleanField(_("always let through"), default=False)
    # Empty for an "allow" rule.
    condition = models.CharField(_("condition"), max_length=16, blank=True, choices=ForwardCondition.choices)
    target = models.CharField(_("target"), max_length=16, blank=True, choices=ForwardTarget.choices)
    number = models.CharField(_("number"), max_length=20, blank=True)
    no_answer_seconds = models.PositiveSmallIntegerField(
        _("no answer after (seconds)"), null=True, blank=True, choices=[(s, str(s)) for s in NO_ANSWER_SECONDS]
    )

    class Meta:
        ordering = ["profile", "match", "match_key", "condition"]
        verbose_name = _("selective forwarding rule")
        verbose_name_plural = _("selective forwarding rules")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "profile", "match_key", "condition"], name="fwdselective_tenant_profile_key_condition_unique"
            ),
            models.CheckConstraint(
                condition=(Q(allow=True) & Q(condition="") & Q(target="") & Q(number="") & Q(no_answer_seconds__isnull=True))
                | (Q(allow=False) & ~Q(condition="") & ~Q(target="")),
                name="fwdselective_allow_xor_forward",
            ),
            models.CheckConstraint(
                condition=(Q(condition="no_answer") & Q(no_answer_seconds__in=NO_ANSWER_SECONDS))
                | (~Q(condition="no_answer") & Q(no_answer_seconds__isnull=True)),
                name="fwdselective_timer_only_for_no_answer",
            ),
            models.CheckConstraint(
                condition=(Q(target="number") & ~Q(number="")) | (~Q(target="number") & Q(number="")),
                name="fwdselective_number_iff_target_number",
            ),
            models.CheckConstraint(
                condition=(Q(match="extension") & Q(match_extension__isnull=False))
                | (~Q(match="extension") & Q(match_extension__isnull=True)),
                name="fwdselective_extension_iff_match_extension",
            ),
            models.CheckConstraint(
                condition=(Q(match="contact") & Q(match_contact__isnull=False))
                | (~Q(match="contact") & Q(match_contact__isnull=True)),
                name="fwdselective_contact_iff_match_contact",
            ),
            models.CheckConstraint(
                condition=(Q(match="prefix") & ~Q(match_prefix="")) | (~Q(match="prefix") & Q(match_prefix="")),
                name="fwdselective_prefix_iff_match_prefix",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.match_key}: {'allow' if self.allow else f'{self.condition} -> {self.number or self.target}'}"


class PersonalSettings(TenantOwned):
    """An extension's own call options; for now global do-not-disturb ([DFN] §1.10)."""

    id = models.BigAutoField(primary_key=True)
    extension = models.OneToOneField(
        "directory.Extension", on_delete=models.CASCADE, related_name="personal_settings", verbose_name=_("extension")
    )
    dnd = models.BooleanField(
        _("do not disturb (global)"),
        default=False,
        help_text=_("Calls are handled by the forwarding settings instead of ringing any device."),
    )

    class Meta:
        ordering = ["extension__number"]
        verbose_name = _("personal settings")
        verbose_name_plural = _("personal settings")

    def __str__(self) -> str:
        return str(self.extension_id)
