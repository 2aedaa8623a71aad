from django.http import JsonResponse
from django.urls import path, re_path

from routing_bridge import views
from routing_bridge.api import api

app_name = "routing_bridge"


def _json_4xx(view):
    """Every 4xx of the API is JSON with `detail`, including the ones Django answers itself
    (a method the path does not accept)."""
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            json_response = JsonResponse({"detail": f"Méthode {request.method} non autorisée ici (autorisées : {allowed})."},
                                         status=405)
            json_response["Allow"] = allowed
            return json_response
        return response

    for attr in ("csrf_exempt",):
        if hasattr(view, attr):
            setattr(wrapped, attr, getattr(view, attr))
    return wrapped


def _api_patterns():
    patterns, app, namespace = api.urls
    for pattern in patterns:
        pattern.callback = _json_4xx(pattern.callback)
    return patterns, app, namespace


def api_not_found(request, rest):
    return JsonResponse({"detail": f"Aucun point d'accès /api/bridge/v1/{rest} : voir /api/bridge/v1/docs."},
                        status=404)


urlpatterns = [
    path("api/bridge/v1/", _api_patterns()),
    re_path(r"^api/bridge/v1/(?P<rest>.*)$", api_not_found),
    path("qui-est-qualifie/", views.qualified, name="qualified"),
    path("qui-est-qualifie/report/", views.shift_left, name="shift_left"),
    path("qui-est-qualifie/connecteurs/", views.connector_list, name="connector_list"),
    path("qui-est-qualifie/connecteurs/<int:pk>/", views.connector_detail, name="connector_detail"),
    path("clients/", views.client_list, name="client_list"),
    path("clients/<str:code>/", views.client_detail, name="client_detail"),
]
