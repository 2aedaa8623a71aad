"""Production: refuses to start without SECRET_KEY, ALLOWED_HOSTS and the Open Badges signing key;
secure cookies; whitenoise."""
from .base import *  # noqa: F401,F403
from academy.env import env_bool, env_int, env_list, env_str

SECRET_KEY = env_str("SECRET_KEY", required=True)
if len(SECRET_KEY) < 50:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", required=True)

# The Open Badges signing key is never generated in production: a key that changed with a deploy
# would leave every badge already issued unverifiable. The assessments app checks it while Django
# sets up, so a missing or unreadable key stops the start with the setting's name (never the key).
ACADEMIE_BADGE_KEY_REQUIRED = True
DEBUG = env_bool("DEBUG", False)

# Real mail in production (password resets, reminders): SMTP unless told otherwise.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "french"}}

# Content-Security-Policy and Permissions-Policy on every answer (academy.security_headers); the
# environment may replace either policy.
from academy import security_headers  # noqa: E402

MIDDLEWARE = ["academy.security_headers.SecurityHeadersMiddleware", *MIDDLEWARE]  # noqa: F405
ACADEMIE_CONTENT_SECURITY_POLICY = env_str("ACADEMIE_CONTENT_SECURITY_POLICY", security_headers.SITE_POLICY)
ACADEMIE_CONTENT_SECURITY_POLICY_ADMIN = env_str("ACADEMIE_CONTENT_SECURITY_POLICY_ADMIN",
                                                 security_headers.ADMIN_POLICY)
ACADEMIE_PERMISSIONS_POLICY = env_str("ACADEMIE_PERMISSIONS_POLICY", security_headers.PERMISSIONS_POLICY)
# Webhook bodies carry staff data: only to https:// URLs (routing_bridge.models.RouterClient.clean).
BRIDGE_WEBHOOK_HTTPS_ONLY = env_bool("BRIDGE_WEBHOOK_HTTPS_ONLY", True)
