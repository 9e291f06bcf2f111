"""Tenants, users, memberships, licences and the audit log."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from datetime import datetime

import phonenumbers
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.choices import Feature, Language, Role, TenantStatus

sip_domain_validator = RegexValidator(
    regex=r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$",
    message=_("Enter a valid domain name in lower case, such as acme.sip.example.com."),
)

# The slug becomes the first label of the default SIP domain, so it must be a valid DNS label.
tenant_slug_validator = RegexValidator(
    regex=r"^(?!-)[a-z0-9-]{1,63}(?<!-)$",
    message=_("Use 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen."),
)


@functools.cache
def _time_zones() -> frozenset[str]:
    # available_timezones() scans the zoneinfo files on every call.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def validate_country(value: str) -> None:
    """An ISO 3166 country code that phone numbers can be parsed for (emergency numbers depend on it)."""
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(_("%(value)s is not a known two-letter country code."), params={"value": value})


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class TenantQuerySet(models.QuerySet):
    """The one place that restricts tenant-owned rows to a tenant."""

    def for_tenant(self, tenant: Tenant) -> TenantQuerySet:
        if self.model is Tenant:
            return self.filter(pk=tenant.pk)
        return self.filter(tenant=tenant)


class TenantOwned(TimeStamped):
    """Base of every tenant-owned model: a ``tenant`` key and the scoped manager."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, verbose_name=_("tenant"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Tenant(TimeStamped):
    """A customer company: one SIP domain, one numbering plan, its own users and licences."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.CharField(
        _("slug"),
        max_length=63,
        unique=True,
        validators=[tenant_slug_validator],
        error_messages={"unique": _("Another tenant already uses this short name.")},
    )
    sip_domain = models.CharField(
        _("SIP domain"),
        max_length=253,
        unique=True,
        validators=[sip_domain_validator],
        error_messages={"unique": _("Another tenant already uses this SIP domain.")},
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone])
    language = models.CharField(_("default language"), max_length=2, choices=Language.choices, default=Language.EN)
    country = models.CharField(
        _("country"), max_length=2, default="DE", validators=[validate_country], help_text=_("ISO country code of the location")
    )
    status = models.CharField(_("status"), max_length=16, choices=TenantStatus.choices, default=TenantStatus.TRYOUT)
    tryout_ends_at = models.DateTimeField(_("tryout ends"), null=True, blank=True)
    licences_purchased_at = models.DateTimeField(_("licences first bought"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return self.name

    def tryout_expired(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == TenantStatus.TRYOUT and self.tryout_ends_at is not None and self.tryout_ends_at <= now

    def effective_status(self, now: datetime | None = None) -> str:
        """The status calls are judged by: a tryout past its end is expired even before the sweep runs."""
        return TenantStatus.EXPIRED if self.tryout_expired(now) else self.status

    @property
    def can_place_calls(self) -> bool:
        return self.effective_status() in {TenantStatus.ACTIVE, TenantStatus.TRYOUT}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address. Operators are staff; others have a membership."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    is_staff = models.BooleanField(_("operator"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_operator(self) -> bool:
        return self.is_active and self.is_staff


class Membership(TenantOwned):
    """A user's place in one tenant and their role there; ``is_active`` holds a floating licence."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.USER)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["tenant", "is_active"], name="membership_tenant_active")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class Licence(TenantOwned):
    """How many of one licensed feature a tenant has bought (users: floating user licences)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    feature = models.CharField(_("feature"), max_length=32, choices=Feature.choices)
    quantity = models.PositiveIntegerField(_("quantity"), default=0)

    class Meta:
        ordering = ["feature"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [models.UniqueConstraint(fields=["tenant", "feature"], name="licence_tenant_feature_unique")]

    def __str__(self) -> str:
        return f"{self.get_feature_display()} x {self.quantity}"


class AuditEntry(models.Model):
    """One service write: who did what to which object, with the state before and after."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("tenant"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("actor"))
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    api_key_id = models.UUIDField(_("API key"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["tenant", "-created_at"], name="audit_tenant_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def changes(self) -> list[tuple[str, object, object]]:
        """The recorded fields whose value differs, as (field, before, after); for a creation, those with a value."""
        before, after = self.before or {}, self.after or {}
        fields = dict.fromkeys([*before, *after])
        if self.before is None:
            return [(field, None, after[field]) for field in fields if after[field] not in ("", None)]
        return [(field, before.get(field), after.get(field)) for field in fields if before.get(field) != after.get(field)]
