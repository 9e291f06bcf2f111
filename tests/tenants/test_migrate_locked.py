"""``migrate_locked``: replicas that start together migrate one after the other, not at the same time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tenants.management.commands.migrate_locked import LOCK_KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_database() -> str:
    """A new, empty PostgreSQL database next to the test database; dropped afterwards."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("this test needs PostgreSQL (make test provides it)")
    name = f"centrex_migrate_{uuid.uuid4().hex[:12]}"
    admin = _connect(db, "postgres")
    admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _connect(db: dict, name: str) -> psycopg.Connection:
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=name,
        autocommit=True,
    )


def _migrate(name: str) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "manage.py", "migrate_locked", "--noinput", "-v1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_waits_for_the_lock_then_migrates_and_a_second_run_finds_nothing_to_do(empty_database: str) -> None:
    db = settings.DATABASES["default"]
    holder = _connect(db, empty_database)
    # given another replica holds the migration lock
    holder.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    first = _migrate(empty_database)
    time.sleep(2)
    # then the command waits and has created nothing yet
    assert first.poll() is None
    assert holder.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    # when the lock is released, it migrates, and a replica started meanwhile waits for it, then applies nothing
    second = _migrate(empty_database)
    holder.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    outputs = [process.communicate(timeout=180)[0] for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert sum("Applying tenants.0001_initial... OK" in out for out in outputs) == 1
    assert sum("No migrations to apply." in out for out in outputs) == 1
    applied = holder.execute("SELECT count(*) FROM django_migrations WHERE app = 'tenants'").fetchone()[0]
    assert applied >= 1
    holder.close()
