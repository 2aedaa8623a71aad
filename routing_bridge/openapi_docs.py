"""The API documentation page: rendered on the server from the OpenAPI schema, with no script
and nothing fetched from a CDN (ninja's Swagger page loads its assets from a CDN unless `ninja`
is an installed app)."""
import json

from django.shortcuts import render
from ninja.openapi.docs import DocsBase


class BridgeDocs(DocsBase):
    def render_page(self, request, api, **kwargs):
        schema = api.get_openapi_schema(path_prefix=request.path.rsplit("/docs", 1)[0], path_params=kwargs)
        operations = []
        for path, methods in schema.get("paths", {}).items():
            for method, op in methods.items():
                security = op.get("security") or []
                parameters = [
                    {"name": p.get("name"), "in": p.get("in"), "required": p.get("required", False),
                     "schema": json.dumps(p.get("schema", {}), ensure_ascii=False)}
                    for p in op.get("parameters", [])
                ]
                body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
                operations.append({
                    "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                    "operation_id": op.get("operationId", ""), "parameters": parameters,
                    "body": json.dumps(body, ensure_ascii=False) if body else "",
                    "responses": sorted(op.get("responses", {}).keys()),
                    "scope": _scope_of(api, path, method),
                    "secured": bool(security),
                })
        return render(request, "routing_bridge/api_docs.html", {
            "schema": schema, "operations": operations,
            "openapi_url": self.get_openapi_url(api, kwargs),
            "components": json.dumps(schema.get("components", {}).get("schemas", {}), indent=2, ensure_ascii=False),
        })


def _scope_of(api, path, method) -> str:
    for prefix, router in api._routers:
        for route_path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if method.upper() in operation.methods and path.endswith(route_path.lstrip("/") or "/"):
                    for auth in operation.auth_callbacks or []:
                        scope = getattr(auth, "scope", "")
                        if scope:
                            return scope
    return ""
