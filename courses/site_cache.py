"""Answers the catalogue's pages read from the database on every request, kept in the shared cache
(`settings.ACADEMIE_SHARED_CACHE`: CACHE_URL points at Redis) because they change only when an
administrator or an editor changes sites, page privacy or the catalogue:

- which Site serves a host and port (Wagtail's `get_site_for_hostname`, its costliest query),
- whether any page has a view restriction at all (when none has, nothing needs checking), and
- the catalogue's filter choices (domains and skills of live courses).

Without a shared cache both are read from the database as Wagtail does: a per-process cache would
keep serving an old answer after another process has changed it.

Each entry is dropped when what it depends on changes (receivers connected in
`CoursesConfig.ready`), once at the change and once more after its transaction commits (a process
reading between the two would otherwise cache the state before the commit), and expires after
`TIMEOUT` seconds in any case.
"""
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from wagtail.models import PageViewRestriction, Site
from wagtail.models.sites import get_site_for_hostname

SITES_KEY = "courses:wagtail-sites"
RESTRICTIONS_KEY = "courses:wagtail-view-restrictions"
FACETS_KEY = "courses:catalogue-facets"
TIMEOUT = 300
_NO_SITE = "none"


def enabled() -> bool:
    return bool(getattr(settings, "ACADEMIE_SHARED_CACHE", False))


def site_for(hostname: str, port) -> object | None:
    """Wagtail's Site for `hostname` and `port` (its own matching rules), or None when no site
    matches; from the shared cache when there is one."""
    def read():
        try:
            return get_site_for_hostname(hostname, port)
        except Site.DoesNotExist:
            return None

    if not enabled():
        return read()
    key = f"{hostname}:{port}"
    sites = cache.get(SITES_KEY) or {}
    if key in sites:
        return None if sites[key] == _NO_SITE else sites[key]
    site = read()
    sites[key] = _NO_SITE if site is None else site
    cache.set(SITES_KEY, sites, TIMEOUT)
    return site


def view_restrictions_exist() -> bool:
    """Does any page have a view restriction? Always True without a shared cache (so that
    Wagtail's own check runs)."""
    if not enabled():
        return True
    found = cache.get(RESTRICTIONS_KEY)
    if found is None:
        found = PageViewRestriction.objects.exists()
        cache.set(RESTRICTIONS_KEY, found, TIMEOUT)
    return found


def catalogue_facets(read):
    """What `read()` returns (the catalogue's filter choices), from the shared cache when there is one."""
    if not enabled():
        return read()
    facets = cache.get(FACETS_KEY)
    if facets is None:
        facets = read()
        cache.set(FACETS_KEY, facets, TIMEOUT)
    return facets


def _forget(key: str) -> None:
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def sites_changed(sender=None, **kwargs) -> None:
    """A site was saved or deleted."""
    if enabled():
        _forget(SITES_KEY)


def page_changed(sender=None, **kwargs) -> None:
    """A page was saved or deleted: it may be a site's root page, or a course published,
    unpublished or moved out of the catalogue."""
    if enabled():
        _forget(SITES_KEY)
        _forget(FACETS_KEY)


def facets_changed(sender=None, **kwargs) -> None:
    """A domain, a skill or a skill taught by a course was saved or deleted."""
    if enabled():
        _forget(FACETS_KEY)


def restrictions_changed(sender=None, **kwargs) -> None:
    """A page view restriction was saved or deleted."""
    if enabled():
        _forget(RESTRICTIONS_KEY)
