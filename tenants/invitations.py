"""Invitation e-mails: a new user gets a link to set their own password (the DFN flow).

The link is allauth's password-reset-from-key page, so the token is single-use (it depends on
the password hash and last login) and expires after ``PASSWORD_RESET_TIMEOUT``.
"""

from __future__ import annotations

import uuid

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tenants.models import User


def invitation_url(user: User) -> str:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def send_invitation(user_id: uuid.UUID | str) -> bool:
    """E-mail the set-password link in the user's (else the tenant's) language.

    Returns False without sending when the user is gone, deactivated or has set a password
    meanwhile, so a retried or late task does nothing harmful.
    """
    user = User.objects.select_related("membership__tenant").filter(pk=user_id).first()
    if user is None or not user.is_active or user.has_usable_password():
        return False
    tenant = user.membership.tenant
    context = {
        "user": user,
        "tenant": tenant,
        "platform": settings.PLATFORM_NAME,
        "url": invitation_url(user),
        "login_url": f"{settings.SITE_URL.rstrip('/')}{reverse('account_login')}",
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    with translation.override(user.language or tenant.language):
        subject = render_to_string("tenants/email/invitation_subject.txt", context).strip()
        body = render_to_string("tenants/email/invitation_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
