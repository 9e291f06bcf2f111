"""Celery task of the webhooks app: one delivery attempt, retried with exponential backoff.

The service decides whether and when to try again (it counts attempts in the database, so a
task that runs twice does not send twice); the task only turns that into ``self.retry``.

Eager mode (no worker: ``make run`` and the tests): with ``task_eager_propagates`` a raised
``Retry`` would escape from ``.delay()`` to the caller instead of retrying. Returned instead,
Celery's eager ``apply()`` runs the retry at once, inline (the countdown is not waited for).
A worker gets the usual raised ``Retry`` and runs the next attempt after the countdown.
"""

from typing import Any

from celery import shared_task


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_webhook(self: Any, delivery_id: str) -> Any:
    from centrex.webhooks import services

    retry_in = services.attempt_delivery(delivery_id)
    if retry_in is None:
        return None
    return self.retry(countdown=retry_in, throw=not self.request.is_eager)


@shared_task
def prune_deliveries() -> int:
    from centrex.webhooks import services

    return services.prune_deliveries()
