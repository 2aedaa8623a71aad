"""Production sends a Content-Security-Policy and a Permissions-Policy with every answer, and the
site's templates stay within the policy (no inline script, no event-handler attribute)."""
import re
from pathlib import Path

import pytest

from academy import security_headers
from tests.academy.test_settings import GOOD_KEY, run_python

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MIDDLEWARE = "academy.security_headers.SecurityHeadersMiddleware"


def test_the_production_settings_turn_the_headers_on(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.MIDDLEWARE[0]); print(s.ACADEMIE_CONTENT_SECURITY_POLICY); "
            "print(s.ACADEMIE_CONTENT_SECURITY_POLICY_ADMIN); print(s.ACADEMIE_PERMISSIONS_POLICY); "
            "print(s.BRIDGE_WEBHOOK_HTTPS_ONLY)")
    result = run_python(["-c", code], tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="academie.example.com")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [MIDDLEWARE, security_headers.SITE_POLICY, security_headers.ADMIN_POLICY,
                                          security_headers.PERMISSIONS_POLICY, "True"]


@pytest.fixture
def production_headers(settings):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    settings.ACADEMIE_CONTENT_SECURITY_POLICY = security_headers.SITE_POLICY
    settings.ACADEMIE_CONTENT_SECURITY_POLICY_ADMIN = security_headers.ADMIN_POLICY
    settings.ACADEMIE_PERMISSIONS_POLICY = security_headers.PERMISSIONS_POLICY


def test_a_site_page_gets_the_strict_policy(production_headers, client, learner):
    client.force_login(learner.user)

    for url in ("/accounts/login/", "/", "/formations/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "object-src 'none'" in policy, url
        assert "frame-ancestors 'none'" in policy
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_the_admin_gets_inline_scripts_for_wagtail_s_widgets(production_headers, client, admin_user):
    client.force_login(admin_user)

    response = client.get("/admin/")

    assert response["Content-Security-Policy"] == security_headers.ADMIN_POLICY
    assert "script-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]


def test_without_the_settings_nothing_is_sent(client, db):
    assert "Content-Security-Policy" not in client.get("/accounts/login/")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_runs_inline_script(path):
    text = path.read_text(encoding="utf-8")

    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to static/js/"
    assert not EVENT_HANDLER.search(text), "event-handler attribute: bind it from static/js/"
    assert "javascript:" not in text.lower()
