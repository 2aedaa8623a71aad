"""The site's URLs plus `POST /bench/bare`: a bare Django JSON view that parses the same body as
`POST qualified` and answers a small JSON, through the site's middleware. It is what the framework
allows on the same gunicorn, the yardstick the bridge's requests per second are compared with."""
import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from academy.urls import urlpatterns as site_urlpatterns


@csrf_exempt
def bare(request):
    body = json.loads(request.body)
    return JsonResponse({"required": len(body["required"]), "tiers": body.get("tiers")})


urlpatterns = [path("bench/bare", bare), *site_urlpatterns]
