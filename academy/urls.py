from django.conf import settings
from django.contrib import admin as django_admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from academy import views

urlpatterns = [
    # First: the bridge API answers machines many times a second, and Django tries the patterns in
    # order (its paths, api/bridge/v1/ and qui-est-qualifie/, are nobody else's).
    path("", include("routing_bridge.urls")),
    path("", include("workspace.urls")),
    # Browsers and feed readers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", views.notifications, name="notifications"),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", django_admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("skills.urls")),
    path("", include("courses.urls")),
    path("", include("courses.paths.urls")),
    path("", include("knowledge.urls")),
    path("", include("assessments.urls")),
    path("", include("learning_records.urls")),
    # The course catalogue is the Wagtail site's root page, served under /formations/.
    path("formations/", include(wagtail_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
