"""Middleware of the course catalogue."""
from django.http.request import split_domain_port
from django.urls import reverse

from courses import site_cache


class CatalogueSiteMiddleware:
    """For the catalogue's pages (the Wagtail site under /formations/), find the Site from the
    shared cache (`courses.site_cache.site_for`) and leave it where Wagtail looks first
    (`request._wagtail_site`, see `wagtail.models.Site.find_for_request`). Does nothing without
    a shared cache, and nothing for other pages (they seldom need the site)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request):
        if site_cache.enabled():
            if self.prefix is None:
                self.prefix = reverse("wagtail_serve", args=[""])
            if request.path_info.startswith(self.prefix):
                # The same host and port as Wagtail's own lookup (Site._find_for_request).
                hostname = split_domain_port(request._get_raw_host())[0]
                request._wagtail_site = site_cache.site_for(hostname, request.get_port())
        return self.get_response(request)
