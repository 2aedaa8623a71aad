"""Tests: SQLite in memory unless DATABASE_URL names PostgreSQL; tasks run eagerly unless a test
starts a real worker; fast password hashing; mail kept in memory."""
import os

from .base import *  # noqa: F401,F403
from .base import DATABASES
from academy.env import env_str

if not os.environ.get("DATABASE_URL"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://")
ACADEMIE_SITE_URL = "http://testserver"
WAGTAILADMIN_BASE_URL = ACADEMIE_SITE_URL
ACADEMIE_LRS_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# No collected static files in tests: whitenoise would only warn about the missing directory.
from .base import MIDDLEWARE  # noqa: E402

MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]
# The test databases come and go under one cache (Redis when CACHE_URL is set): cache nothing that
# depends on their rows unless a test asks for it (tests/courses/test_site_cache.py).
ACADEMIE_SHARED_CACHE = False
# The bridge's clients kept in the process (routing_bridge.access) are checked against the local
# cache: each test process has its own database and nothing else writes to it, so that cache is
# shared by every writer, as Redis is in production.
BRIDGE_CLIENT_CACHE = True
# Tests run inside transactions (which always read what changed) and drop their databases at the end:
# no listening connection (tests/routing_bridge/test_matrix.py turns it on for its own test).
BRIDGE_MATRIX_LISTEN = False
