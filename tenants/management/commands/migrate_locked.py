"""``migrate`` under a PostgreSQL advisory lock, for deployments that start several replicas at once.

Each web replica runs it before it starts (the Helm chart's init container). Django's ``migrate``
takes no lock of its own: two replicas migrating together race on the same tables. Here the
second one waits for the first, then finds nothing left to apply. On other databases (SQLite in
the embedded default) it is plain ``migrate``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

# Any fixed 64-bit key; it names "the migration lock" among the advisory locks of the database.
LOCK_KEY = 0x43454E5452455801


class Command(MigrateCommand):
    help = "Apply migrations like migrate, one process at a time (PostgreSQL advisory lock)."

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(*args, **options)
        with connection.cursor() as cursor:
            if options["verbosity"] >= 1:
                self.stdout.write("Waiting for the migration lock...")
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            return super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
