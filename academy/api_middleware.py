"""The machine APIs' own middleware chain.

A router calling the bridge API has no session, no signed-in user, no messages, no CSRF cookie
and never meets a Wagtail redirect or the password-guessing throttle: running the site's
middleware for it costs a good part of each request and gives it nothing. `ApiPathMiddleware`,
first in MIDDLEWARE, hands the requests whose path matches ACADEMIE_API_PATHS to a chain of their
own, ACADEMIE_API_MIDDLEWARE (the security headers, the language, the common and clickjacking
middleware: what an API answer needs), which ends in Django's usual view call. Because it is a
middleware and not a WSGI switch, the test client goes through exactly the chain gunicorn does.
Middleware placed before it in MIDDLEWARE (production's security headers) runs for both chains.
"""
import re

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.utils.module_loading import import_string


class _Chain(BaseHandler):
    """Django's request handling with `middleware` instead of settings.MIDDLEWARE: the same steps
    as BaseHandler.load_middleware (process_view, process_exception, process_template_response,
    exceptions turned into answers at each level), synchronous only, as the site is served."""

    def __init__(self, middleware: list[str]):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(middleware):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class ApiPathMiddleware:
    """First in MIDDLEWARE: a request whose path (without the script prefix) matches
    ACADEMIE_API_PATHS goes through ACADEMIE_API_MIDDLEWARE to its view; any other request goes
    on through the rest of MIDDLEWARE."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response
        self.api_path = re.compile(settings.ACADEMIE_API_PATHS).match
        self.api_chain = _Chain(settings.ACADEMIE_API_MIDDLEWARE)._middleware_chain

    def __call__(self, request):
        if self.api_path(request.path_info):
            return self.api_chain(request)
        return self.get_response(request)
