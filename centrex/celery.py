"""The Celery application: Redis broker in tests and production, eager without Redis."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centrex.settings")

app = Celery("centrex")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
