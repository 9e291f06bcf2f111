"""Celery tasks of the tenants app: thin wrappers that take ids and call services."""

from celery import shared_task

from tenants import invitations


# smtplib's errors are OSErrors: a mail server that is briefly away is retried, not lost.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(user_id: str) -> bool:
    return invitations.send_invitation(user_id)


@shared_task
def expire_tryouts() -> int:
    from tenants import services

    return len(services.expire_tryouts())
