"""Signals other apps listen to, sent by the tenant services inside their transaction."""

from django.dispatch import Signal

# Sent with ``tenant`` and ``actor`` after a tenant row is created, so that telephony apps can
# create the per-tenant defaults they own (office-hours range, star codes, ...).
tenant_created = Signal()

# Sent with ``tenant``, ``actor``, ``changed`` (the names of the tenant fields that changed) and
# ``previous`` (their values before) whenever a service changes an existing tenant: its status
# (suspended, reactivated, tryout started or expired, licensed) or its settings (SIP domain, time
# zone, language ...). Sent inside the transaction, so receivers must schedule their work with
# ``transaction.on_commit`` (e.g. dropping the switch's cached answers for the tenant).
tenant_changed = Signal()
