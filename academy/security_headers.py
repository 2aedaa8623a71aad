"""Content-Security-Policy and Permissions-Policy on every answer. Production turns them on
(academy/settings/prod.py); a setting left empty sends nothing.

The site runs no inline script (templates/ holds none, tests/proof/test_production_headers.py
keeps it so) and loads everything from itself. Its inline `style` attributes (progress bars) need
'unsafe-inline' styles. Embedded videos come from HTTPS players chosen by the editors. The Wagtail
and Django admins still write inline scripts (date pickers, inline panels): they get the same
policy with inline scripts allowed."""
from django.conf import settings
from django.urls import reverse

SITE_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self'",
    "frame-src 'self' https:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
ADMIN_POLICY = SITE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "img-src 'self' data:", "img-src 'self' data: blob:")
# Nothing here uses the camera, the microphone, the position, payments or sensors.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb",
))


class SecurityHeadersMiddleware:
    """Adds ACADEMIE_CONTENT_SECURITY_POLICY (ACADEMIE_CONTENT_SECURITY_POLICY_ADMIN under the
    admins' URLs) and ACADEMIE_PERMISSIONS_POLICY to answers that do not set their own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefixes = None

    def admin_prefixes(self) -> tuple[str, ...]:
        if self._admin_prefixes is None:
            self._admin_prefixes = (reverse("wagtailadmin_home"), reverse("admin:index"))
        return self._admin_prefixes

    def __call__(self, request):
        response = self.get_response(request)
        admin = request.path.startswith(self.admin_prefixes())
        policy = getattr(settings, "ACADEMIE_CONTENT_SECURITY_POLICY_ADMIN" if admin
                         else "ACADEMIE_CONTENT_SECURITY_POLICY", "")
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        permissions = getattr(settings, "ACADEMIE_PERMISSIONS_POLICY", "")
        if permissions:
            response.headers.setdefault("Permissions-Policy", permissions)
        return response
