"""Signals other apps listen to, sent by the directory services inside their transaction."""

from django.dispatch import Signal

# Sent with ``tenant``, ``actor`` and ``extension`` after an extension row is created, so that
# other apps can create what every extension has (its default forwarding profile, ...).
extension_created = Signal()
