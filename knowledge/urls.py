from django.urls import path, re_path

from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("connaissances/", views.serve, name="index"),
    path("connaissances/recherche/", views.search, name="search"),
    re_path(r"^connaissances/(?P<path>(?:[\w-]+/)+)$", views.serve, name="serve"),
]
