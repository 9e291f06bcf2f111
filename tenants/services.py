"""Writes of the tenants app: tenants, licences, users and memberships.

Every function takes the acting user explicitly, validates, writes in a transaction, records
the audit entry and schedules its side effects after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenants import audit, tasks
from tenants.choices import Feature, Language, Role, TenantStatus
from tenants.models import Licence, Membership, Tenant, User
from tenants.selectors import active_user_count, user_licence_capacity
from tenants.signals import tenant_changed, tenant_created

TENANT_FIELDS = ["name", "slug", "sip_domain", "time_zone", "language", "country", "status", "tryout_ends_at"]
MEMBERSHIP_FIELDS = ["role", "is_active"]


def _locked(tenant: Tenant) -> Tenant:
    """Lock the tenant row: licence counting and status changes are serialised per tenant."""
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


@transaction.atomic
def check_create_tenant(
    *,
    actor: User | None,
    name: str,
    slug: str,
    sip_domain: str = "",
    time_zone: str = "Europe/Berlin",
    language: str = Language.EN,
    country: str = "DE",
    tryout: bool = True,
    user_licences: int = 0,
    admin_email: str = "",
    admin_name: str = "",
    now: datetime | None = None,
) -> Tenant:
    """Create a tenant, in the 14-day tryout unless ``tryout`` is false.

    Optionally buys ``user_licences`` (not with a tryout: buying ends it) and invites the first
    tenant admin. Either all of it happens or, on a ValidationError, nothing.
    """
    now = now or timezone.now()
    if tryout and user_licences:
        raise ValidationError({"user_licences": _("Buying user licences ends the tryout: choose either the tryout or licences.")})
    slug = slug.strip().lower()
    tenant = Tenant(
        name=name.strip(),
        slug=slug,
        sip_domain=(sip_domain.strip() or f"{slug}.{settings.PLATFORM_SIP_DOMAIN}").lower(),
        time_zone=time_zone,
        language=language,
        country=country.strip().upper(),
        status=TenantStatus.TRYOUT if tryout else TenantStatus.ACTIVE,
        tryout_ends_at=now + timedelta(days=settings.TRYOUT_DAYS) if tryout else None,
    )
    tenant.full_clean()
    tenant.save()
    audit.record(tenant=tenant, actor=actor, action="tenant.create", obj=tenant, after=audit.snapshot(tenant, TENANT_FIELDS))
    tenant_created.send(sender=Tenant, tenant=tenant, actor=actor)
    if user_licences:
        try:
            check_set_licence(tenant, actor=actor, feature=Feature.USERS, quantity=user_licences, now=now)
        except ValidationError as error:
            raise _renamed_fields(error, {"quantity": "user_licences"}) from error
        tenant.refresh_from_db()
    if admin_email:
        try:
            check_invite_user(tenant, actor=actor, email=admin_email, full_name=admin_name, role=Role.ADMIN)
        except ValidationError as error:
            raise _renamed_fields(error, {"email": "admin_email", "full_name": "admin_name"}) from error
    return tenant


def _renamed_fields(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The same errors, with the field names of a combined form (``email`` -> ``admin_email``)."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(field, field): errors for field, errors in error.error_dict.items()})


@transaction.atomic
def check_update_tenant(tenant: Tenant, *, actor: User | None, **changes: str) -> Tenant:
    """Change a tenant's name, SIP domain, time zone, language or country."""
    allowed = {"name", "sip_domain", "time_zone", "language", "country"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    tenant = _locked(tenant)
    before = audit.snapshot(tenant, TENANT_FIELDS)
    for field, value in changes.items():
        value = value.strip()
        setattr(tenant, field, value.lower() if field == "sip_domain" else value.upper() if field == "country" else value)
    tenant.full_clean()
    tenant.save(update_fields=[*changes, "updated_at"])
    _record_change(tenant, actor=actor, action="tenant.update", before=before)
    return tenant


def _record_change(tenant: Tenant, *, actor: User | None, action: str, before: dict[str, object]) -> None:
    """Audit a change of an existing tenant and tell the other apps which fields changed."""
    after = audit.snapshot(tenant, TENANT_FIELDS)
    audit.record(tenant=tenant, actor=actor, action=action, obj=tenant, before=before, after=after)
    changed = [field for field in TENANT_FIELDS if before.get(field) != after.get(field)]
    if changed:
        tenant_changed.send(
            sender=Tenant, tenant=tenant, actor=actor, changed=changed, previous={field: before[field] for field in changed}
        )


def _set_status(tenant: Tenant, status: str, *, actor: User | None, action: str) -> Tenant:
    before = audit.snapshot(tenant, TENANT_FIELDS)
    tenant.status = status
    tenant.save(update_fields=["status", "updated_at"])
    _record_change(tenant, actor=actor, action=action, before=before)
    return tenant


@transaction.atomic
def do_suspend_tenant(tenant: Tenant, *, actor: User | None) -> Tenant:
    tenant = _locked(tenant)
    if tenant.status == TenantStatus.SUSPENDED:
        return tenant
    return _set_status(tenant, TenantStatus.SUSPENDED, actor=actor, action="tenant.suspend")


def _status_from_licences(tenant: Tenant, now: datetime) -> str:
    if tenant.licences_purchased_at is not None:
        return TenantStatus.ACTIVE
    if tenant.tryout_ends_at is None:
        # Created outside the tryout and still waiting for its licences: active, with no user licences.
        return TenantStatus.ACTIVE
    if tenant.tryout_ends_at > now:
        return TenantStatus.TRYOUT
    return TenantStatus.EXPIRED


@transaction.atomic
def do_reactivate_tenant(tenant: Tenant, *, actor: User | None, now: datetime | None = None) -> Tenant:
    """Lift a suspension: back to active, tryout or expired as the licences say."""
    tenant = _locked(tenant)
    if tenant.status != TenantStatus.SUSPENDED:
        return tenant
    return _set_status(tenant, _status_from_licences(tenant, now or timezone.now()), actor=actor, action="tenant.reactivate")


@transaction.atomic
def check_start_tryout(tenant: Tenant, *, actor: User | None, now: datetime | None = None) -> Tenant:
    """Enter the 14-day tryout: only once, and never after licences were bought."""
    now = now or timezone.now()
    tenant = _locked(tenant)
    if tenant.licences_purchased_at is not None:
        raise ValidationError(_("Tryout mode cannot be used once licences have been bought."))
    if tenant.tryout_ends_at is not None:
        raise ValidationError(_("This tenant has already used its tryout."))
    if tenant.status == TenantStatus.SUSPENDED:
        raise ValidationError(_("The tenant is suspended: reactivate it before starting the tryout."))
    before = audit.snapshot(tenant, TENANT_FIELDS)
    tenant.status = TenantStatus.TRYOUT
    tenant.tryout_ends_at = now + timedelta(days=settings.TRYOUT_DAYS)
    tenant.save(update_fields=["status", "tryout_ends_at", "updated_at"])
    _record_change(tenant, actor=actor, action="tenant.tryout", before=before)
    return tenant


def expire_tryouts(*, now: datetime | None = None) -> list[Tenant]:
    """Put every tenant whose tryout has run out into ``expired``."""
    now = now or timezone.now()
    expired = []
    for tenant_id in Tenant.objects.filter(status=TenantStatus.TRYOUT, tryout_ends_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
            if tenant.tryout_expired(now):
                expired.append(_set_status(tenant, TenantStatus.EXPIRED, actor=None, action="tenant.tryout_expired"))
    return expired


@transaction.atomic
def check_set_licence(tenant: Tenant, *, actor: User | None, feature: str, quantity: int, now: datetime | None = None) -> Licence:
    """Set how many of ``feature`` the tenant has bought (operators only).

    Buying user licences ends the tryout for good; the number of user licences cannot drop
    below the number of active users.
    """
    if feature not in Feature.values:
        raise ValidationError({"feature": _("Unknown licence feature.")})
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError({"quantity": _("Enter a whole number.")})
    if quantity < 0:
        raise ValidationError({"quantity": _("The quantity cannot be negative.")})
    now = now or timezone.now()
    tenant = _locked(tenant)
    if feature == Feature.USERS:
        active = active_user_count(tenant)
        if quantity < active:
            message = ngettext(
                "%(count)s user is active: deactivate users before reducing the licences.",
                "%(count)s users are active: deactivate users before reducing the licences.",
                active,
            )
            raise ValidationError({"quantity": message % {"count": active}})
    licence, _created = Licence.objects.get_or_create(tenant=tenant, feature=feature)
    before = audit.snapshot(licence, ["feature", "quantity"])
    if licence.quantity != quantity:
        licence.quantity = quantity
        licence.save(update_fields=["quantity", "updated_at"])
        audit.record(
            tenant=tenant,
            actor=actor,
            action="licence.set",
            obj=licence,
            before=before,
            after=audit.snapshot(licence, ["feature", "quantity"]),
        )
    if feature == Feature.USERS and quantity > 0:
        if tenant.licences_purchased_at is None:
            tenant.licences_purchased_at = now
            tenant.save(update_fields=["licences_purchased_at", "updated_at"])
        if tenant.status in {TenantStatus.TRYOUT, TenantStatus.EXPIRED}:
            _set_status(tenant, TenantStatus.ACTIVE, actor=actor, action="tenant.licensed")
    return licence


def _check_licence_free(tenant: Tenant) -> None:
    """Refuse a new active user when every floating user licence is taken."""
    capacity = user_licence_capacity(tenant)
    if active_user_count(tenant) < capacity:
        return
    if capacity == 0 and tenant.tryout_ends_at is not None and tenant.licences_purchased_at is None:
        raise ValidationError(_("The tryout has ended. User licences must be bought before users can be added or activated."))
    if capacity == 0:
        raise ValidationError(_("This tenant has no user licences yet. Licences are bought from your provider."))
    if tenant.licences_purchased_at is None:
        raise ValidationError(
            _("All %(count)s user test licences of the tryout are in use. Buy licences to add more users.") % {"count": capacity}
        )
    message = ngettext(
        "The %(count)s user licence is in use. Buy more licences or deactivate a user first.",
        "All %(count)s user licences are in use. Buy more licences or deactivate a user first.",
        capacity,
    )
    raise ValidationError(message % {"count": capacity})


@transaction.atomic
def check_invite_user(
    tenant: Tenant,
    *,
    actor: User | None,
    email: str,
    full_name: str = "",
    role: str = Role.USER,
    language: str = "",
    send_invitation: bool = True,
) -> Membership:
    """Create a user of ``tenant`` (within its licences) and e-mail them a link to set a password.

    ``send_invitation=False`` is for accounts whose password is set otherwise (the demo data).
    """
    email = email.strip().lower()
    full_name = full_name.strip()
    errors: dict[str, str] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Enter a valid e-mail address.")
    if not errors and User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("A user with this e-mail address already exists.")
    if len(full_name) > User._meta.get_field("full_name").max_length:
        errors["full_name"] = _("The name is too long.")
    if role not in Role.values:
        errors["role"] = _("Unknown role.")
    if language and language not in Language.values:
        errors["language"] = _("Unknown language.")
    if errors:
        raise ValidationError(errors)
    tenant = _locked(tenant)
    _check_licence_free(tenant)
    user = User.objects.create_user(email=email, full_name=full_name, language=language)
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    audit.record(
        tenant=tenant,
        actor=actor,
        action="user.invite",
        obj=membership,
        after={"email": email, "full_name": full_name, "language": language, **audit.snapshot(membership, MEMBERSHIP_FIELDS)},
    )
    if send_invitation:
        transaction.on_commit(lambda: tasks.send_invitation.delay(str(user.pk)))
    return membership


@transaction.atomic
def check_resend_invitation(tenant: Tenant, *, actor: User | None, membership: Membership) -> None:
    """Send the set-password link again to an active user who has not set a password yet."""
    membership = Membership.objects.for_tenant(tenant).select_related("user").get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError(_("The user is deactivated: activate them before sending the invitation again."))
    if membership.user.has_usable_password():
        raise ValidationError(_("The user has already set a password; they can reset it from the login page."))
    audit.record(tenant=tenant, actor=actor, action="user.reinvite", obj=membership)
    user_id = membership.user_id
    transaction.on_commit(lambda: tasks.send_invitation.delay(str(user_id)))


def _check_keeps_an_admin(tenant: Tenant, membership: Membership) -> None:
    others = Membership.objects.for_tenant(tenant).filter(role=Role.ADMIN, is_active=True).exclude(pk=membership.pk)
    if membership.role == Role.ADMIN and membership.is_active and not others.exists():
        raise ValidationError(_("A tenant needs at least one active admin."))


@transaction.atomic
def check_set_user_active(tenant: Tenant, *, actor: User | None, membership: Membership, active: bool) -> Membership:
    """Deactivate a user (frees a licence; they can no longer log in) or activate them again."""
    tenant = _locked(tenant)
    membership = Membership.objects.for_tenant(tenant).select_related("user").get(pk=membership.pk)
    if membership.is_active == active:
        return membership
    before = audit.snapshot(membership, MEMBERSHIP_FIELDS)
    if active:
        _check_licence_free(tenant)
    else:
        _check_keeps_an_admin(tenant, membership)
    membership.is_active = active
    membership.save(update_fields=["is_active", "updated_at"])
    membership.user.is_active = active
    membership.user.save(update_fields=["is_active"])
    audit.record(
        tenant=tenant,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        obj=membership,
        before=before,
        after=audit.snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


@transaction.atomic
def check_change_role(tenant: Tenant, *, actor: User | None, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    tenant = _locked(tenant)
    membership = Membership.objects.for_tenant(tenant).select_related("user").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if role != Role.ADMIN:
        _check_keeps_an_admin(tenant, membership)
    before = audit.snapshot(membership, MEMBERSHIP_FIELDS)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit.record(
        tenant=tenant,
        actor=actor,
        action="user.role",
        obj=membership,
        before=before,
        after=audit.snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


@transaction.atomic
def do_create_operator(*, actor: User | None, email: str, password: str | None, full_name: str = "") -> User:
    """Create a platform operator (staff). Operators must set up TOTP before using the portal."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name, is_staff=True)
    audit.record(tenant=None, actor=actor, action="operator.create", obj=user, after={"email": user.email})
    return user
