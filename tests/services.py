"""Which real services this run may use. CI sets ACADEMIE_TEST_SERVICES=1 and the URLs; on a
machine without them the tests that need them skip with a clear reason."""
import os
import socket

import pytest
from django.db import connection


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


REDIS_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    return _port_open("127.0.0.1", 6379)


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


# CI promises the services (ACADEMIE_TEST_SERVICES=1): there a missing service is a failure, not
# a skip, so that a green run really exercised PostgreSQL and Redis.
SERVICES_REQUIRED = os.environ.get("ACADEMIE_TEST_SERVICES") == "1"

if SERVICES_REQUIRED and not redis_available():
    raise RuntimeError("ACADEMIE_TEST_SERVICES=1 but Redis is not running on 127.0.0.1:6379")

requires_redis = pytest.mark.skipif(not redis_available(), reason="Redis is not running on 127.0.0.1:6379")


def skip_unless_postgresql():
    if not on_postgresql():
        if SERVICES_REQUIRED:
            pytest.fail("ACADEMIE_TEST_SERVICES=1 but the tests are not running on PostgreSQL (DATABASE_URL)")
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (as CI does)")
