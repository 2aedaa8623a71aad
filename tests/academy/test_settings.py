"""Production settings fail loudly without their secrets, and are deploy-clean with them."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(64)


def _ed25519_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


GOOD_BADGE_KEY = _ed25519_pem()


def run_python(code: str, tmp_path, **env_overrides) -> subprocess.CompletedProcess:
    """Run Python in a fresh process with production settings and exactly the given environment."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "academy.settings.prod", "ACADEMIE_VAR_DIR": str(tmp_path)})
    # A good environment has the Open Badges signing key; a test removes it with an empty value.
    env.pop("ACADEMIE_BADGE_SIGNING_KEY_FILE", None)
    env["ACADEMIE_BADGE_SIGNING_KEY"] = GOOD_BADGE_KEY
    env.update({key: value for key, value in env_overrides.items() if value is not None})
    return subprocess.run([sys.executable, *code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SETUP = ["-c", "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_python(SETUP, tmp_path, ALLOWED_HOSTS="academie.example.com")

    assert result.returncode != 0
    assert "The environment variable SECRET_KEY is required" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = run_python(SETUP, tmp_path, SECRET_KEY="trop-court", ALLOWED_HOSTS="academie.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = run_python(SETUP, tmp_path, SECRET_KEY=GOOD_KEY)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required" in result.stderr


def test_debug_is_off_by_default_in_production(tmp_path):
    result = run_python(SETUP, tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com")

    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_a_mistyped_boolean_stops_the_start_with_the_variable_name(tmp_path):
    result = run_python(SETUP, tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com", DEBUG="peut-être")

    assert result.returncode != 0
    assert "DEBUG='peut-être' is not a boolean" in result.stderr


def test_check_deploy_is_clean_with_a_good_environment(tmp_path):
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                        SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com",
                        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_base_settings_keep_debug_off_and_cookies_are_secure_in_production(tmp_path):
    code = ["-c", "import django; django.setup(); from django.conf import settings as s; "
                  "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"]
    result = run_python(code, tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com")

    assert result.stdout.strip() == "True True True", result.stderr


@pytest.mark.parametrize("module", ["academy.settings.base", "academy.settings.test"])
def test_debug_is_off_unless_asked_outside_development(tmp_path, module):
    code = ["-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"]
    result = run_python(code, tmp_path, DJANGO_SETTINGS_MODULE=module)

    assert result.stdout.strip() == "False", result.stderr


SESSIONS = ["-c", "import django; django.setup(); from django.conf import settings; "
                  "print('ENGINE', settings.SESSION_ENGINE); print('CACHE', settings.CACHES['default']['BACKEND']); "
                  "print('SHARED', settings.ACADEMIE_SHARED_CACHE)"]


def test_sessions_and_wagtail_lookups_stay_in_the_database_without_a_shared_cache(tmp_path):
    result = run_python(SESSIONS, tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com", CACHE_URL="")

    assert result.returncode == 0, result.stderr
    assert "ENGINE django.contrib.sessions.backends.db" in result.stdout
    assert "CACHE django.core.cache.backends.locmem.LocMemCache" in result.stdout
    assert "SHARED False" in result.stdout  # nothing is cached that another process could change


def test_sessions_and_wagtail_lookups_are_read_from_redis_when_the_cache_is_shared(tmp_path):
    result = run_python(SESSIONS, tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com",
                        CACHE_URL="redis://127.0.0.1:6379/14")

    assert result.returncode == 0, result.stderr
    assert "ENGINE django.contrib.sessions.backends.cached_db" in result.stdout
    assert "CACHE django.core.cache.backends.redis.RedisCache" in result.stdout
    assert "SHARED True" in result.stdout


def test_production_refuses_to_start_without_a_badge_signing_key(tmp_path):
    result = run_python(SETUP, tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com",
                        ACADEMIE_BADGE_SIGNING_KEY="")

    assert result.returncode != 0
    assert "ACADEMIE_BADGE_SIGNING_KEY or ACADEMIE_BADGE_SIGNING_KEY_FILE is required in production" in result.stderr
    assert not (tmp_path / "badge-signing-key.pem").exists()  # production never makes one up


def test_production_names_a_bad_badge_key_without_printing_it(tmp_path):
    key_file = tmp_path / "badge.pem"
    key_file.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    result = run_python(SETUP, tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com",
                        ACADEMIE_BADGE_SIGNING_KEY="", ACADEMIE_BADGE_SIGNING_KEY_FILE=str(key_file))

    assert result.returncode != 0
    assert "ACADEMIE_BADGE_SIGNING_KEY_FILE is not an unencrypted PEM private key" in result.stderr
    assert "bm90IGEga2V5" not in result.stderr


def test_production_starts_with_a_badge_key_file(tmp_path):
    key_file = tmp_path / "badge.pem"
    key_file.write_text(_ed25519_pem())
    result = run_python(SETUP, tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com",
                        ACADEMIE_BADGE_SIGNING_KEY="", ACADEMIE_BADGE_SIGNING_KEY_FILE=str(key_file))

    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
