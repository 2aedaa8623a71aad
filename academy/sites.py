"""The name and address of the Wagtail Site that serves the catalogue.

Wagtail's own migration creates the default site with no name at localhost:80, and the admin then
greets editors with "localhost". The default site is named `WAGTAIL_SITE_NAME` and given the
address of `ACADEMIE_SITE_URL` (Wagtail builds pages' full URLs from it): by `seed_demo` when it
creates the site, by a data migration (`courses.0002`) for a database that already has one.
"""
from urllib.parse import urlsplit

from django.conf import settings

# What Wagtail's initial migration writes: a site still at this address was never set up.
WAGTAIL_PLACEHOLDER_ADDRESS = ("localhost", 80)


def site_address() -> tuple[str, int]:
    """(hostname, port) of `ACADEMIE_SITE_URL`; the scheme's default port when it names none."""
    url = urlsplit(settings.ACADEMIE_SITE_URL)
    return url.hostname or WAGTAIL_PLACEHOLDER_ADDRESS[0], url.port or (443 if url.scheme == "https" else 80)


def default_site_fields() -> dict:
    """The fields of a new default site, apart from its root page."""
    hostname, port = site_address()
    return {"hostname": hostname, "port": port, "site_name": settings.WAGTAIL_SITE_NAME, "is_default_site": True}


def default_site_identify(site_model) -> bool:
    """Name the default site `WAGTAIL_SITE_NAME` when it has no name, and move it to the address of
    `ACADEMIE_SITE_URL` when it is still at Wagtail's placeholder address and no other site uses
    that one. A name or an address an administrator chose is kept. `site_model` is Wagtail's Site,
    or its historical model in a migration. Returns whether the site changed (False when there is
    no default site)."""
    site = site_model.objects.filter(is_default_site=True).first()
    if site is None:
        return False
    changed = []
    if not site.site_name:
        site.site_name = settings.WAGTAIL_SITE_NAME
        changed.append("site_name")
    hostname, port = site_address()
    if ((site.hostname, site.port) == WAGTAIL_PLACEHOLDER_ADDRESS != (hostname, port)
            and not site_model.objects.filter(hostname=hostname, port=port).exists()):
        site.hostname, site.port = hostname, port
        changed += ["hostname", "port"]
    if changed:
        site.save(update_fields=changed)
    return bool(changed)
